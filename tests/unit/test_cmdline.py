"""The kernel's boot-config parser (kernel/core/cmdline.c) reads what the host writes
(src/unipython/cmdline.py)."""

from __future__ import annotations

import ctypes

from hypothesis import given
from hypothesis import strategies as st

from unipython.cmdline import format_tokens


def parse(klib, text: str, cfg=None):
    why = ctypes.c_char_p()
    raw = text.encode()
    out = klib.t_config_parse(cfg, raw, len(raw), ctypes.byref(why))
    return out, (why.value or b"").decode()


def argv(klib, cfg):
    return [klib.t_config_argv(cfg, i).decode() for i in range(klib.t_config_argc(cfg))]


def env(klib, cfg):
    return [klib.t_config_env(cfg, i).decode() for i in range(klib.t_config_envc(cfg))]


text_value = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                     max_size=40)


@given(st.lists(text_value, min_size=1, max_size=8), st.dictionaries(
    st.text("ABCXYZ_", min_size=1, max_size=6), text_value, max_size=5))
def test_any_argv_and_environment_survive_the_round_trip(klib, args, environ):
    tokens = [("exec", "/usr/bin/python3.11")] + [("arg", a) for a in args]
    tokens += [("env", f"{k}={v}") for k, v in environ.items()]
    cfg, why = parse(klib, format_tokens(tokens))
    assert cfg, why
    assert klib.t_config_exec(cfg) == b"/usr/bin/python3.11"
    assert argv(klib, cfg) == args
    assert env(klib, cfg) == [f"{k}={v}" for k, v in environ.items()]


def test_command_line_appends_arguments_and_overrides_environment(klib):
    image = format_tokens([("exec", "/p"), ("arg", "/p"), ("arg", "/app/a.py"),
                           ("env", "HOME=/root"), ("env", "A=1"), ("cwd", "/app")])
    cfg, _ = parse(klib, image)
    cfg, why = parse(klib, format_tokens([("arg", "x y"), ("env", "A=2"), ("trace", "1"),
                                          ("verbose", "1")]) + " virtio_mmio.device=512@0x1000:5",
                     cfg)
    assert cfg, why
    assert argv(klib, cfg) == ["/p", "/app/a.py", "x y"]
    assert env(klib, cfg) == ["HOME=/root", "A=2"]
    assert klib.t_config_cwd(cfg) == b"/app" and klib.t_config_trace(cfg) == 1
    assert klib.t_config_verbose(cfg) == 1


def test_malformed_tokens_are_rejected_with_a_reason(klib):
    for text in ("arg", "arg=%zz", "env=NOEQUALS"):
        cfg, why = parse(klib, text)
        assert cfg is None and why


def test_writable_directories_are_absolute_and_at_most_eight(klib):
    cfg, why = parse(klib, format_tokens([("writable", "/app"), ("writable", "/root dir")]))
    assert cfg, why
    got = [klib.t_config_writable(cfg, i) for i in range(klib.t_config_nwritable(cfg))]
    assert got == [b"/app", b"/root dir"]
    cfg, why = parse(klib, "writable=app")
    assert cfg is None and "writable" in why
    cfg, why = parse(klib, " ".join(["writable=/d"] * 9))
    assert cfg is None and "writable" in why


def test_a_rejected_or_replaced_value_is_freed(klib):
    # Found by the host fuzzer (tests/fuzz/cmdline.c, LeakSanitizer): "env=" leaked.
    for text, kept in [("env=", 0), ("env=NO_EQUALS", 0), ("writable=relative", 0),
                       ("arg=x " * 257, 256), ("exec=/a exec=/b cwd=/c cwd=/d", 2),
                       ("writable=/a " * 9, 8)]:
        before = klib.t_heap_live()
        parse(klib, text)
        assert klib.t_heap_live() - before == kept, text
