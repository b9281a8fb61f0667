"""tmpfs's sparse page index (kernel/fs/page_index.c) against a dict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

indexes = st.one_of(st.integers(0, 2000), st.integers(0, 2**40), st.just(2**31 // 4096))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(indexes, st.integers(1, 2**50)), max_size=60), indexes)
def test_sparse_index_stores_drops_and_frees_like_a_dict(klib, sets, cut):
    pi = klib.t_page_index_new()
    model: dict[int, int] = {}
    for idx, value in sets:
        assert klib.page_index_set(pi, idx, value) == 0
        model[idx] = value
    for idx, value in model.items():
        assert klib.page_index_get(pi, idx) == value
    assert klib.page_index_get(pi, 2**40 + 7) == model.get(2**40 + 7, 0)
    dropped = klib.t_page_index_drop_from(pi, cut)
    assert dropped == sum(v for i, v in model.items() if i >= cut)
    for idx, value in model.items():
        assert klib.page_index_get(pi, idx) == (value if idx < cut else 0)
    assert klib.t_page_index_drop_from(pi, 0) == sum(v for i, v in model.items() if i < cut)
