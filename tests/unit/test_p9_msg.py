"""9P2000.L messages (fs/ninep/p9_msg.c): what the client sends parses, with an
encoder written here independently from the protocol's description, into the fields
it was given; what the host answers (built here) reads back field for field; and any
bytes at all as an answer give 0 or a negative errno (-EIO when malformed), never a
read past the end (the library is built with UBSan)."""

from __future__ import annotations

import ctypes
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

EIO, ENOENT, EACCES = 5, 2, 13
T = {"version": 100, "attach": 104, "walk": 110, "lopen": 12, "lcreate": 14, "read": 116,
     "write": 118, "clunk": 120, "getattr": 24, "setattr": 26, "readdir": 40, "fsync": 50,
     "mkdir": 72, "mknod": 18, "symlink": 16, "link": 70, "readlink": 22, "renameat": 74,
     "unlinkat": 76, "statfs": 8}
RLERROR = 7
u8, u16, u32, u64 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64
sz, vp, cp, ci = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int


class Qid(ctypes.Structure):
    _fields_ = [("type", u8), ("version", u32), ("path", u64)]


ATTR_FIELDS = ["nlink", "rdev", "size", "blksize", "blocks", "atime_sec", "atime_nsec",
               "mtime_sec", "mtime_nsec", "ctime_sec", "ctime_nsec"]


class Attr(ctypes.Structure):
    _fields_ = [("valid", u64), ("qid", Qid), ("mode", u32), ("uid", u32), ("gid", u32),
                *((f, u64) for f in ATTR_FIELDS)]


class SetAttr(ctypes.Structure):
    _fields_ = [("valid", u32), ("mode", u32), ("uid", u32), ("gid", u32), ("size", u64),
                ("atime_sec", u64), ("atime_nsec", u64), ("mtime_sec", u64), ("mtime_nsec", u64)]


class StatFs(ctypes.Structure):
    _fields_ = [("type", u32), ("bsize", u32), ("blocks", u64), ("bfree", u64), ("bavail", u64),
                ("files", u64), ("ffree", u64), ("fsid", u64), ("namelen", u32)]


class Dirent(ctypes.Structure):
    _fields_ = [("qid", Qid), ("offset", u64), ("type", u8), ("name", vp), ("name_len", u16)]


@pytest.fixture(scope="module")
def lib(klib: ctypes.CDLL) -> ctypes.CDLL:
    P = ctypes.POINTER
    sig = {
        "p9_tversion": [u32, cp],
        "p9_tattach": [u16, u32, cp, cp, u32],
        "p9_twalk": [u16, u32, u32, u16, P(cp), P(u16)],
        "p9_tlopen": [u16, u32, u32],
        "p9_tlcreate": [u16, u32, cp, sz, u32, u32, u32],
        "p9_tread": [u16, u32, u64, u32],
        "p9_twrite": [u16, u32, u64, cp, u32],
        "p9_tclunk": [u16, u32],
        "p9_tgetattr": [u16, u32, u64],
        "p9_tsetattr": [u16, u32, P(SetAttr)],
        "p9_treaddir": [u16, u32, u64, u32],
        "p9_tfsync": [u16, u32, u32],
        "p9_tmkdir": [u16, u32, cp, sz, u32, u32],
        "p9_tmknod": [u16, u32, cp, sz, u32, u32, u32, u32],
        "p9_tsymlink": [u16, u32, cp, sz, cp, sz, u32],
        "p9_tlink": [u16, u32, u32, cp, sz],
        "p9_treadlink": [u16, u32],
        "p9_trenameat": [u16, u32, cp, sz, u32, cp, sz],
        "p9_tunlinkat": [u16, u32, cp, sz, u32],
        "p9_tstatfs": [u16, u32],
    }
    for name, args in sig.items():
        fn = getattr(klib, name)
        fn.argtypes = [cp, sz, *args]
        fn.restype = sz
    R = {
        "p9_rversion": [P(u32), P(vp), P(u16)],
        "p9_rqid": [u8, u16, P(Qid), P(u32)],
        "p9_rwalk": [u16, P(Qid), u16, P(u16)],
        "p9_rgetattr": [u16, P(Attr)],
        "p9_rdata": [u8, u16, u32, P(vp), P(u32)],
        "p9_rwrite": [u16, u32, P(u32)],
        "p9_rreadlink": [u16, P(vp), P(u16)],
        "p9_rstatfs": [u16, P(StatFs)],
        "p9_rempty": [u8, u16],
    }
    for name, args in R.items():
        fn = getattr(klib, name)
        fn.argtypes = [cp, sz, *args]
        fn.restype = ci
    klib.p9_dirent_next.argtypes = [cp, u32, P(u32), P(Dirent)]
    klib.p9_dirent_next.restype = ci
    return klib


# ---- The protocol, written out here from its description ----

def s(b: bytes) -> bytes:
    return struct.pack("<H", len(b)) + b


def msg(type_: int, tag: int, body: bytes) -> bytes:
    return struct.pack("<IBH", 7 + len(body), type_, tag) + body


def qid(t: int, v: int, p: int) -> bytes:
    return struct.pack("<BIQ", t, v, p)


class Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def str(self) -> bytes:
        (n,) = self.take("H")
        out = self.data[self.pos:self.pos + n]
        assert len(out) == n
        self.pos += n
        return out

    def end(self) -> None:
        assert self.pos == len(self.data)


def header(m: bytes, type_: int, tag: int) -> Cursor:
    size, t, g = struct.unpack_from("<IBH", m)
    assert (size, t, g) == (len(m), type_, tag)
    c = Cursor(m)
    c.pos = 7
    return c


def call(fn, *args: object, cap: int = 8192) -> bytes:
    buf = ctypes.create_string_buffer(cap)
    n = fn(buf, cap, *args)
    return buf.raw[:n]


# ---- T-messages ----

def test_tversion_offers_msize_and_the_dialect(lib: ctypes.CDLL) -> None:
    c = header(call(lib.p9_tversion, 131096, b"9P2000.L"), T["version"], 0xFFFF)
    assert c.take("I") == (131096,) and c.str() == b"9P2000.L"
    c.end()


def test_tattach_has_no_auth_fid(lib: ctypes.CDLL) -> None:
    c = header(call(lib.p9_tattach, 1, 0, b"root", b"", 0), T["attach"], 1)
    assert c.take("II") == (0, 0xFFFFFFFF)
    assert c.str() == b"root" and c.str() == b"" and c.take("I") == (0,)
    c.end()


names = st.lists(st.binary(min_size=1, max_size=40), max_size=16)


@settings(deadline=None)
@given(names, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 0xFFFE))
def test_twalk_carries_each_name(lib: ctypes.CDLL, ns: list[bytes], fid: int, newfid: int,
                                 tag: int) -> None:
    arr = (cp * max(1, len(ns)))(*ns)
    lens = (u16 * max(1, len(ns)))(*(len(n) for n in ns))
    c = header(call(lib.p9_twalk, tag, fid, newfid, len(ns), arr, lens), T["walk"], tag)
    assert c.take("IIH") == (fid, newfid, len(ns))
    assert [c.str() for _ in ns] == ns
    c.end()


def test_twalk_refuses_more_than_sixteen_names(lib: ctypes.CDLL) -> None:
    arr = (cp * 17)(*([b"a"] * 17))
    lens = (u16 * 17)(*([1] * 17))
    assert call(lib.p9_twalk, 1, 0, 1, 17, arr, lens) == b""


@settings(deadline=None)
@given(st.binary(max_size=3000), st.integers(0, 2**64 - 1))
def test_twrite_carries_the_data_at_its_offset(lib: ctypes.CDLL, data: bytes, off: int) -> None:
    c = header(call(lib.p9_twrite, 3, 9, off, data, len(data)), T["write"], 3)
    assert c.take("IQI") == (9, off, len(data))
    assert c.data[c.pos:] == data


def test_a_message_that_does_not_fit_is_not_built(lib: ctypes.CDLL) -> None:
    data = b"x" * 100
    assert call(lib.p9_twrite, 3, 9, 0, data, 100, cap=100 + 7 + 16 - 1) == b""
    assert len(call(lib.p9_twrite, 3, 9, 0, data, 100, cap=100 + 7 + 16)) == 123
    assert call(lib.p9_tversion, 8192, b"9P2000.L", cap=6) == b""


def test_the_other_t_messages_lay_out_their_fields(lib: ctypes.CDLL) -> None:
    cases = [
        (call(lib.p9_tlopen, 2, 5, 0o2 | 0o100000), "lopen", "II", (5, 0o100002), []),
        (call(lib.p9_tlcreate, 2, 5, b"new", 3, 0o101, 0o644, 1000), "lcreate", "I", (5,),
         [b"new", ("III", (0o101, 0o644, 1000))]),
        (call(lib.p9_tread, 2, 5, 1 << 40, 65536), "read", "IQI", (5, 1 << 40, 65536), []),
        (call(lib.p9_tclunk, 2, 5), "clunk", "I", (5,), []),
        (call(lib.p9_tgetattr, 2, 5, 0x7FF), "getattr", "IQ", (5, 0x7FF), []),
        (call(lib.p9_treaddir, 2, 5, 77, 4096), "readdir", "IQI", (5, 77, 4096), []),
        (call(lib.p9_tfsync, 2, 5, 1), "fsync", "II", (5, 1), []),
        (call(lib.p9_tmkdir, 2, 5, b"d", 1, 0o755, 7), "mkdir", "I", (5,),
         [b"d", ("II", (0o755, 7))]),
        (call(lib.p9_tmknod, 2, 5, b"p", 1, 0o10644, 0, 0, 7), "mknod", "I", (5,),
         [b"p", ("IIII", (0o10644, 0, 0, 7))]),
        (call(lib.p9_tsymlink, 2, 5, b"l", 1, b"../t", 4, 7), "symlink", "I", (5,),
         [b"l", b"../t", ("I", (7,))]),
        (call(lib.p9_tlink, 2, 5, 6, b"h", 1), "link", "II", (5, 6), [b"h"]),
        (call(lib.p9_treadlink, 2, 5), "readlink", "I", (5,), []),
        (call(lib.p9_trenameat, 2, 5, b"a", 1, 6, b"bb", 2), "renameat", "I", (5,),
         [b"a", ("I", (6,)), b"bb"]),
        (call(lib.p9_tunlinkat, 2, 5, b"x", 1, 0x200), "unlinkat", "I", (5,),
         [b"x", ("I", (0x200,))]),
        (call(lib.p9_tstatfs, 2, 5), "statfs", "I", (5,), []),
    ]
    for m, name, fmt, vals, rest in cases:
        c = header(m, T[name], 2)
        assert c.take(fmt) == vals, name
        for item in rest:
            if isinstance(item, bytes):
                assert c.str() == item, name
            else:
                assert c.take(item[0]) == item[1], name
        c.end()


def test_tsetattr_sends_every_field(lib: ctypes.CDLL) -> None:
    a = SetAttr(valid=0x1FF, mode=0o600, uid=1, gid=2, size=3, atime_sec=4, atime_nsec=5,
                mtime_sec=6, mtime_nsec=7)
    c = header(call(lib.p9_tsetattr, 4, 8, ctypes.byref(a)), T["setattr"], 4)
    assert c.take("IIIIIQQQQQ") == (8, 0x1FF, 0o600, 1, 2, 3, 4, 5, 6, 7)
    c.end()


# ---- R-messages ----

def getattr_body(vals: dict[str, int]) -> bytes:
    return (struct.pack("<Q", vals["valid"]) + qid(vals["qt"], vals["qv"], vals["qp"])
            + struct.pack("<III", vals["mode"], vals["uid"], vals["gid"])
            + struct.pack("<11Q", *(vals[f] for f in ATTR_FIELDS)) + struct.pack("<4Q", 1, 2, 3, 4))


U64 = st.integers(0, 2**64 - 1)
U32 = st.integers(0, 2**32 - 1)
attr_vals = st.fixed_dictionaries({
    "valid": U64, "qt": st.integers(0, 255), "qv": U32, "qp": U64, "mode": U32, "uid": U32,
    "gid": U32, **{f: U64 for f in ATTR_FIELDS}})


@settings(deadline=None)
@given(attr_vals, st.integers(0, 0xFFFE))
def test_rgetattr_reads_every_field(lib: ctypes.CDLL, vals: dict[str, int], tag: int) -> None:
    a = Attr()
    m = msg(T["getattr"] + 1, tag, getattr_body(vals))
    assert lib.p9_rgetattr(m, len(m), tag, ctypes.byref(a)) == 0
    assert (a.valid, a.qid.type, a.qid.version, a.qid.path) == (vals["valid"], vals["qt"],
                                                                 vals["qv"], vals["qp"])
    assert (a.mode, a.uid, a.gid) == (vals["mode"], vals["uid"], vals["gid"])
    assert all(getattr(a, f) == vals[f] for f in ATTR_FIELDS)


def test_an_rlerror_is_its_errno(lib: ctypes.CDLL) -> None:
    for ecode, want in [(ENOENT, -ENOENT), (EACCES, -EACCES), (0, -EIO), (4096, -EIO),
                        (2**32 - 1, -EIO)]:
        m = msg(RLERROR, 9, struct.pack("<I", ecode))
        assert lib.p9_rempty(m, len(m), T["clunk"], 9) == want
        a = Attr()
        assert lib.p9_rgetattr(m, len(m), 9, ctypes.byref(a)) == want


def test_a_reply_for_another_tag_or_type_is_refused(lib: ctypes.CDLL) -> None:
    m = msg(T["clunk"] + 1, 9, b"")
    assert lib.p9_rempty(m, len(m), T["clunk"], 9) == 0
    assert lib.p9_rempty(m, len(m), T["clunk"], 8) == -EIO
    assert lib.p9_rempty(m, len(m), T["fsync"], 9) == -EIO
    # A T-message echoed back is not an answer.
    t = msg(T["clunk"], 9, b"")
    assert lib.p9_rempty(t, len(t), T["clunk"], 9) == -EIO


def test_a_reply_with_bytes_left_over_is_refused(lib: ctypes.CDLL) -> None:
    m = msg(T["clunk"] + 1, 9, b"\0")
    assert lib.p9_rempty(m, len(m), T["clunk"], 9) == -EIO


def test_the_device_may_write_more_than_the_message(lib: ctypes.CDLL) -> None:
    # The size field says where the message ends; bytes after it are not read.
    m = msg(T["clunk"] + 1, 9, b"") + b"\xff" * 8
    assert lib.p9_rempty(m, len(m), T["clunk"], 9) == 0


def test_rversion_gives_msize_and_dialect(lib: ctypes.CDLL) -> None:
    m = msg(T["version"] + 1, 0xFFFF, struct.pack("<I", 8192) + s(b"9P2000.L"))
    msize, ver, vlen = u32(), vp(), u16()
    rc = lib.p9_rversion(m, len(m), ctypes.byref(msize), ctypes.byref(ver), ctypes.byref(vlen))
    assert rc == 0
    assert msize.value == 8192 and ctypes.string_at(ver.value, vlen.value) == b"9P2000.L"


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 255), U32, U64), max_size=16))
def test_rwalk_reads_each_qid(lib: ctypes.CDLL, qs: list[tuple[int, int, int]]) -> None:
    m = msg(T["walk"] + 1, 1, struct.pack("<H", len(qs)) + b"".join(qid(*q) for q in qs))
    out, n = (Qid * 16)(), u16()
    assert lib.p9_rwalk(m, len(m), 1, out, 16, ctypes.byref(n)) == 0
    assert [(q.type, q.version, q.path) for q in out[:n.value]] == qs
    if qs:
        # More qids than names asked for is a broken host.
        assert lib.p9_rwalk(m, len(m), 1, out, len(qs) - 1, ctypes.byref(n)) == -EIO


def test_rlopen_and_rmkdir_read_their_qid(lib: ctypes.CDLL) -> None:
    q, io = Qid(), u32()
    m = msg(T["lopen"] + 1, 3, qid(0, 7, 99) + struct.pack("<I", 4096))
    assert lib.p9_rqid(m, len(m), T["lopen"], 3, ctypes.byref(q), ctypes.byref(io)) == 0
    assert (q.version, q.path, io.value) == (7, 99, 4096)
    m = msg(T["mkdir"] + 1, 3, qid(0x80, 1, 5))
    assert lib.p9_rqid(m, len(m), T["mkdir"], 3, ctypes.byref(q), None) == 0
    assert (q.type, q.path) == (0x80, 5)
    # Rlopen without its iounit is short.
    m = msg(T["lopen"] + 1, 3, qid(0, 7, 99))
    assert lib.p9_rqid(m, len(m), T["lopen"], 3, ctypes.byref(q), ctypes.byref(io)) == -EIO


@settings(deadline=None)
@given(st.binary(max_size=4096))
def test_rread_hands_back_the_data_in_place(lib: ctypes.CDLL, data: bytes) -> None:
    m = msg(T["read"] + 1, 2, struct.pack("<I", len(data)) + data)
    p, n = vp(), u32()
    assert lib.p9_rdata(m, len(m), T["read"], 2, 4096, ctypes.byref(p), ctypes.byref(n)) == 0
    assert n.value == len(data)
    if data:
        assert ctypes.string_at(p.value, n.value) == data
        # More than asked for is refused, whatever the message says.
        assert lib.p9_rdata(m, len(m), T["read"], 2, len(data) - 1, ctypes.byref(p),
                            ctypes.byref(n)) == -EIO


def test_rread_whose_count_passes_its_end_is_refused(lib: ctypes.CDLL) -> None:
    m = msg(T["read"] + 1, 2, struct.pack("<I", 100) + b"x" * 99)
    p, n = vp(), u32()
    assert lib.p9_rdata(m, len(m), T["read"], 2, 4096, ctypes.byref(p), ctypes.byref(n)) == -EIO


def test_rwrite_cannot_claim_more_than_was_sent(lib: ctypes.CDLL) -> None:
    n = u32()
    m = msg(T["write"] + 1, 2, struct.pack("<I", 10))
    assert lib.p9_rwrite(m, len(m), 2, 10, ctypes.byref(n)) == 0 and n.value == 10
    assert lib.p9_rwrite(m, len(m), 2, 9, ctypes.byref(n)) == -EIO


def test_rreadlink_and_rstatfs(lib: ctypes.CDLL) -> None:
    p, n = vp(), u16()
    m = msg(T["readlink"] + 1, 2, s(b"/etc/passwd"))
    assert lib.p9_rreadlink(m, len(m), 2, ctypes.byref(p), ctypes.byref(n)) == 0
    assert ctypes.string_at(p.value, n.value) == b"/etc/passwd"
    f = StatFs()
    m = msg(T["statfs"] + 1, 2, struct.pack("<IIQQQQQQI", 0x01021997, 4096, 1, 2, 3, 4, 5, 6, 255))
    assert lib.p9_rstatfs(m, len(m), 2, ctypes.byref(f)) == 0
    assert (f.type, f.bsize, f.blocks, f.bfree, f.bavail, f.files, f.ffree, f.fsid, f.namelen) == (
        0x01021997, 4096, 1, 2, 3, 4, 5, 6, 255)


def dirent(q: tuple[int, int, int], off: int, t: int, name: bytes) -> bytes:
    return qid(*q) + struct.pack("<QB", off, t) + s(name)


def read_dirents(lib: ctypes.CDLL, data: bytes) -> tuple[int, list[tuple[int, int, bytes]]]:
    pos, e, out = u32(0), Dirent(), []
    while True:
        rc = lib.p9_dirent_next(data, len(data), ctypes.byref(pos), ctypes.byref(e))
        if rc <= 0:
            return rc, out
        out.append((e.qid.path, e.offset, ctypes.string_at(e.name, e.name_len)))


file_names = st.binary(min_size=1, max_size=255).filter(lambda n: b"/" not in n and b"\0" not in n)


@settings(deadline=None)
@given(st.lists(st.tuples(U64, U64, file_names), max_size=30))
def test_readdir_entries_read_back_in_order(lib: ctypes.CDLL,
                                            ents: list[tuple[int, int, bytes]]) -> None:
    data = b"".join(dirent((0, 0, p), off, 8, n) for p, off, n in ents)
    assert read_dirents(lib, data) == (0, ents)


@pytest.mark.parametrize("bad", [b"", b"a/b", b"a\0"])
def test_a_readdir_name_that_is_no_file_name_is_refused(lib: ctypes.CDLL, bad: bytes) -> None:
    data = dirent((0, 0, 1), 1, 8, b"ok") + dirent((0, 0, 2), 2, 8, bad)
    rc, got = read_dirents(lib, data)
    assert rc == -EIO and got == [(1, 1, b"ok")]


def sample_replies() -> list[tuple[str, bytes]]:
    return [
        ("getattr", msg(T["getattr"] + 1, 1, getattr_body({k: 1 for k in
                    ["valid", "qt", "qv", "qp", "mode", "uid", "gid", *ATTR_FIELDS]}))),
        ("walk", msg(T["walk"] + 1, 1, struct.pack("<H", 2) + qid(0, 0, 1) + qid(0, 0, 2))),
        ("read", msg(T["read"] + 1, 1, struct.pack("<I", 5) + b"hello")),
        ("readdir", msg(T["readdir"] + 1, 1,
                        struct.pack("<I", 26) + dirent((0, 0, 1), 1, 4, b"ab"))),
        ("readlink", msg(T["readlink"] + 1, 1, s(b"target"))),
        ("lopen", msg(T["lopen"] + 1, 1, qid(0, 0, 1) + struct.pack("<I", 0))),
        ("statfs", msg(T["statfs"] + 1, 1, struct.pack("<IIQQQQQQI", *range(9)))),
        ("write", msg(T["write"] + 1, 1, struct.pack("<I", 3))),
    ]


def parse_any(lib: ctypes.CDLL, kind: str, m: bytes) -> int:
    """Reads m as the answer to `kind` (tag 1); returns what the codec says."""
    if kind == "getattr":
        return lib.p9_rgetattr(m, len(m), 1, ctypes.byref(Attr()))
    if kind == "walk":
        return lib.p9_rwalk(m, len(m), 1, (Qid * 16)(), 16, ctypes.byref(u16()))
    if kind in ("read", "readdir"):
        p, n = vp(), u32()
        rc = lib.p9_rdata(m, len(m), T[kind], 1, 4096, ctypes.byref(p), ctypes.byref(n))
        if rc == 0 and kind == "readdir":
            data = ctypes.string_at(p.value, n.value) if n.value else b""
            rc = min(0, read_dirents(lib, data)[0])
        return rc
    if kind == "readlink":
        return lib.p9_rreadlink(m, len(m), 1, ctypes.byref(vp()), ctypes.byref(u16()))
    if kind == "lopen":
        return lib.p9_rqid(m, len(m), T["lopen"], 1, ctypes.byref(Qid()), ctypes.byref(u32()))
    if kind == "statfs":
        return lib.p9_rstatfs(m, len(m), 1, ctypes.byref(StatFs()))
    return lib.p9_rwrite(m, len(m), 1, 4096, ctypes.byref(u32()))


def test_every_truncated_reply_is_eio(lib: ctypes.CDLL) -> None:
    for kind, m in sample_replies():
        assert parse_any(lib, kind, m) == 0, kind
        for cut in range(len(m)):
            # Cut short, with the size field still claiming the whole message
            # (the device wrote less) or claiming just what is there.
            short = m[:cut]
            assert parse_any(lib, kind, short) == -EIO, (kind, cut)
            if cut >= 7:
                honest = struct.pack("<I", cut) + short[4:]
                assert parse_any(lib, kind, honest) == -EIO, (kind, cut)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([k for k, _ in sample_replies()]), st.binary(max_size=300))
def test_any_bytes_as_a_reply_give_zero_or_an_errno(lib: ctypes.CDLL, kind: str,
                                                    junk: bytes) -> None:
    rc = parse_any(lib, kind, junk)
    assert rc == 0 or -4095 <= rc < 0


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(range(8)), st.data())
def test_flipped_bytes_in_a_reply_never_crash(lib: ctypes.CDLL, which: int,
                                              data: st.DataObject) -> None:
    kind, m = sample_replies()[which]
    b = bytearray(m)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] = data.draw(st.integers(0, 255))
    rc = parse_any(lib, kind, bytes(b))
    assert rc == 0 or -4095 <= rc < 0
