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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(indexes, st.integers(1, 2**50)), max_size=40), st.data())
def test_taking_values_and_pruning_frees_every_node_that_holds_nothing(klib, sets, data):
    base = klib.t_heap_live()
    pi = klib.t_page_index_new()
    model: dict[int, int] = {}
    for idx, value in sets:
        assert klib.page_index_set(pi, idx, value) == 0
        model[idx] = value
    taken = data.draw(st.lists(st.sampled_from(sorted(model)), unique=True)) if model else []
    for idx in taken:
        assert klib.t_page_index_take(pi, idx) == model.pop(idx)
        assert klib.t_page_index_take(pi, idx) == 0
    klib.t_page_index_prune(pi)
    for idx, value in model.items():
        assert klib.page_index_get(pi, idx) == value
    if not model:
        assert klib.t_heap_live() == base  # every node went
