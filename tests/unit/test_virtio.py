"""The portable parts of the virtio transport (kernel/drivers/virtio/): the
virtio_mmio.device= parser, feature negotiation and the split ring, with the
test playing the device."""

from __future__ import annotations

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st


class Entry(ctypes.Structure):
    _fields_ = [("base", ctypes.c_uint64), ("size", ctypes.c_uint64), ("irq", ctypes.c_uint32)]


class Buf(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_void_p), ("len", ctypes.c_uint32)]


def parse_entry(klib, text: str | bytes):
    raw = text.encode() if isinstance(text, str) else text
    e = Entry()
    why = ctypes.c_char_p()
    rc = klib.virtio_mmio_parse_entry(raw, len(raw), ctypes.byref(e), ctypes.byref(why))
    return (e.base, e.size, e.irq) if rc == 0 else None, (why.value or b"").decode()


# --- the command-line entries -------------------------------------------------------

def test_qemu_microvm_entry_is_read_as_linux_reads_it(klib):
    assert parse_entry(klib, "512@0xfeb00e00:12")[0] == (0xfeb00e00, 512, 12)


def test_sizes_and_addresses_take_decimal_hex_and_kmg_suffixes(klib):
    assert parse_entry(klib, "4K@0x1000:5")[0] == (0x1000, 4096, 5)
    assert parse_entry(klib, "0x200@1M:7")[0] == (1 << 20, 0x200, 7)
    assert parse_entry(klib, "1g@4096:9:3")[0] == (4096, 1 << 30, 9)  # a Linux device id after


def test_bad_entries_are_rejected_with_a_reason(klib):
    cases = {
        "": "missing",
        "512": "'@'",
        "512@": "missing",
        "512@0xfeb00e00": "':'",
        "512@0xfeb00e00:": "missing",
        "@0x1000:5": "missing",
        "abc@0x1000:5": "missing",
        "512@0xzz:5": "missing",
        "512@0x1000:5x": "trailing",
        "512@0x1000:5:": "missing",
        "16@0x1000:5": "smaller",
        "0@0x1000:5": "smaller",
        "99999999999999999999@0x1000:5": "too large",
        "512@0xffffffffffffffffff:5": "too large",
        "17179869184G@0x1000:5": "too large",
        "4096@0xfffffffffffff000:5": "past the end",
        "512@0x1000:0": "IRQ",
        "512@0x1000:256": "IRQ",
        "512@0x1000:99999999999999999999": "too large",
        "512@0x1000:-1": "missing",
        "-512@0x1000:5": "missing",
    }
    for text, reason in cases.items():
        got, why = parse_entry(klib, text)
        assert got is None, text
        assert reason in why, (text, why)


@given(st.binary(max_size=40))
def test_garbage_never_crashes_and_is_either_parsed_or_explained(klib, raw):
    got, why = parse_entry(klib, raw)
    assert got is not None or why


@given(st.integers(0x100, 1 << 40), st.integers(0, 1 << 48), st.integers(1, 255))
def test_any_well_formed_entry_round_trips(klib, size, base, irq):
    assert parse_entry(klib, f"{size}@{base:#x}:{irq}")[0] == (base, size, irq)


def entries(klib, cmdline: str) -> list[str]:
    raw = cmdline.encode()
    buf = ctypes.create_string_buffer(raw, len(raw))
    pos, vlen = ctypes.c_size_t(0), ctypes.c_size_t(0)
    out = []
    while True:
        p = klib.virtio_mmio_next_entry(buf, len(raw), ctypes.byref(pos), ctypes.byref(vlen))
        if not p:
            return out
        start = p - ctypes.addressof(buf)
        out.append(raw[start:start + vlen.value].decode())


def test_entries_are_found_among_the_other_tokens(klib):
    line = ("exec=/p arg=virtio_mmio.device=1@2:3 virtio_mmio.device=512@0xfeb00e00:12 "
            "xvirtio_mmio.device=9 trace=1\tvirtio_mmio.device=512@0xfeb00c00:11")
    assert entries(klib, line) == ["512@0xfeb00e00:12", "512@0xfeb00c00:11"]
    assert entries(klib, "") == []
    assert entries(klib, "virtio_mmio.device=") == [""]


# --- feature negotiation -----------------------------------------------------------

VERSION_1 = 1 << 32


def negotiate(klib, offered: int, wanted: int, required: int):
    accepted, missing = ctypes.c_uint64(), ctypes.c_uint64()
    rc = klib.virtio_negotiate(offered, wanted, required, ctypes.byref(accepted),
                               ctypes.byref(missing))
    return rc, accepted.value, missing.value


def test_a_legacy_device_without_version_1_is_refused(klib):
    rc, _, missing = negotiate(klib, 0xffffffff, 0, 0)
    assert rc == -1 and missing == VERSION_1


def test_a_missing_required_feature_is_named(klib):
    rc, _, missing = negotiate(klib, VERSION_1 | 1, 0, 1 | 4)
    assert rc == -1 and missing == 4


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_only_offered_features_that_the_driver_names_are_accepted(klib, offered, wanted, required):
    rc, accepted, missing = negotiate(klib, offered, wanted, required)
    need = required | VERSION_1
    assert missing == need & ~offered
    assert accepted == offered & (wanted | need)
    assert (rc == 0) == (missing == 0)


# --- the split ring ----------------------------------------------------------------

def test_ring_sizes_are_powers_of_two_up_to_32768(klib):
    assert klib.vring_bytes(0) == 0 and klib.vring_bytes(3) == 0 and klib.vring_bytes(65536) == 0
    # desc 16*n, avail 6+2n rounded to 4, used 6+8n (virtio 1.2, 2.7)
    assert klib.vring_bytes(8) == 128 + 24 + 70
    assert klib.vring_bytes(256) == 4096 + 520 + 2054


class Device:
    def __init__(self, klib, ring):
        self.klib, self.ring = klib, ring

    def take(self):
        r, w, n = ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32()
        out = ctypes.create_string_buffer(4096)
        head = self.klib.t_dev_take(self.ring, ctypes.byref(r), ctypes.byref(w), ctypes.byref(n),
                                    out, 4096)
        return None if head < 0 else (head, r.value, w.value, n.value, out.raw[:r.value])

    def complete(self, head, written):
        self.klib.t_dev_complete(self.ring, head, written)


def used(klib, ring):
    n = ctypes.c_uint32()
    token = klib.t_vring_get_used(ring, ctypes.byref(n))
    return (token, n.value) if token else None


def add(klib, ring, out: list[bytes], in_lens: list[int], token: int, keep: list):
    bufs = (Buf * max(1, len(out) + len(in_lens)))()
    for i, data in enumerate(out):
        b = ctypes.create_string_buffer(data, len(data))
        keep.append(b)
        bufs[i] = Buf(ctypes.addressof(b), len(data))
    for k, n in enumerate(in_lens):
        b = ctypes.create_string_buffer(n)
        keep.append(b)
        bufs[len(out) + k] = Buf(ctypes.addressof(b), n)
    return klib.t_vring_add(ring, bufs, len(out), len(in_lens), token)


def test_a_request_reaches_the_device_and_comes_back_with_its_token(klib):
    ring = klib.t_vring_new(8)
    dev, keep = Device(klib, ring), []
    assert add(klib, ring, [b"head", b"er"], [16], 77, keep) == 0
    assert klib.t_vring_free(ring) == 5
    assert klib.t_vring_kick_needed(ring) == 1
    assert klib.t_vring_kick_needed(ring) == 0  # nothing new since
    head, readable, writable, count, data = dev.take()
    assert (readable, writable, count, data) == (6, 16, 3, b"header")
    assert used(klib, ring) is None
    dev.complete(head, 10)
    assert used(klib, ring) == (77, 10)
    assert klib.t_vring_free(ring) == 8


def test_a_device_that_claims_more_bytes_than_the_buffers_hold_is_clamped(klib):
    ring = klib.t_vring_new(4)
    dev, keep = Device(klib, ring), []
    add(klib, ring, [b"x"], [8], 5, keep)
    head, *_ = dev.take()
    dev.complete(head, 1 << 30)
    assert used(klib, ring) == (5, 8)


def test_a_device_returning_a_chain_it_never_got_marks_the_ring_broken(klib):
    ring = klib.t_vring_new(4)
    dev, keep = Device(klib, ring), []
    add(klib, ring, [], [8], 5, keep)
    dev.complete(3, 8)  # descriptor 3 was never posted
    assert used(klib, ring) is None and klib.t_vring_broken(ring) == 1
    ring2 = klib.t_vring_new(4)
    Device(klib, ring2).complete(4000, 1)  # out of range
    assert used(klib, ring2) is None and klib.t_vring_broken(ring2) == 1


def test_bad_requests_are_refused_and_a_full_ring_says_enospc(klib):
    ring = klib.t_vring_new(4)
    keep: list = []
    assert add(klib, ring, [], [], 1, keep) == -22          # EINVAL: no buffers
    assert add(klib, ring, [b"a"], [], 0, keep) == -22       # EINVAL: no token
    assert add(klib, ring, [b"a"], [0], 1, keep) == -22      # EINVAL: an empty buffer
    assert add(klib, ring, [b"a", b"b", b"c"], [1, 1], 1, keep) == -28  # ENOSPC: 5 > 4
    assert add(klib, ring, [b"a", b"b"], [1, 1], 1, keep) == 0
    assert add(klib, ring, [b"a"], [], 2, keep) == -28
    assert klib.t_vring_free(ring) == 0


def test_the_device_can_say_it_needs_no_kick(klib):
    ring = klib.t_vring_new(4)
    keep: list = []
    klib.t_dev_no_notify(ring, 1)
    add(klib, ring, [b"a"], [], 1, keep)
    assert klib.t_vring_kick_needed(ring) == 0
    klib.t_dev_no_notify(ring, 0)
    add(klib, ring, [b"b"], [], 2, keep)
    assert klib.t_vring_kick_needed(ring) == 1


def test_interrupts_off_then_on_reports_buffers_used_meanwhile(klib):
    ring = klib.t_vring_new(4)
    dev, keep = Device(klib, ring), []
    assert klib.t_vring_interrupts_wanted(ring) == 1
    klib.t_vring_interrupts(ring, 0)
    assert klib.t_vring_interrupts_wanted(ring) == 0
    add(klib, ring, [b"a"], [], 1, keep)
    head, *_ = dev.take()
    dev.complete(head, 0)
    assert klib.t_vring_interrupts(ring, 1) == 1  # take them before sleeping
    assert klib.t_vring_interrupts_wanted(ring) == 1
    assert used(klib, ring) == (1, 0)
    assert klib.t_vring_interrupts(ring, 1) == 0


@settings(max_examples=60)
@given(st.sampled_from([1, 2, 4, 16]), st.lists(st.tuples(
    st.sampled_from(["add", "serve", "reap"]), st.integers(0, 3), st.integers(0, 3),
    st.integers(0, 1000)), max_size=120))
def test_ring_matches_a_model_through_any_interleaving(klib, size, steps):
    """Requests of any shape, served in order and finished by the device in any order:
    every token comes back once, with what it carried, and no descriptor is lost."""
    ring = klib.t_vring_new(size)
    dev, keep = Device(klib, ring), []
    posted: dict[int, tuple[bytes, int, int]] = {}  # token -> (data, room, descriptors)
    waiting: list[int] = []                         # posted, not yet taken by the device
    held: list[tuple[int, int]] = []                # (head, token) the device holds
    finished: list[tuple[int, int]] = []            # (token, written), in used order
    free, next_token = size, 1
    for op, a, b, c in steps:
        if op == "add":
            out = [bytes([c % 256]) * (1 + k) for k in range(a)]
            ins = [1 + (c + k) % 7 for k in range(b)]
            rc = add(klib, ring, out, ins, next_token, keep)
            if a + b == 0:
                assert rc == -22
            elif a + b > free:
                assert rc == -28
            else:
                assert rc == 0
                posted[next_token] = (b"".join(out), sum(ins), a + b)
                waiting.append(next_token)
                free -= a + b
                next_token += 1
        elif op == "serve":
            got = dev.take()
            if not waiting:
                assert got is None
                continue
            head, _, writable, count, data = got
            token = waiting.pop(0)
            assert (data, writable, count) == posted[token]
            held.append((head, token))
        else:
            if held:
                head, token = held.pop(c % len(held))
                dev.complete(head, c)
                finished.append((token, min(c, posted[token][1])))
            while (u := used(klib, ring)) is not None:
                token, written = finished.pop(0)
                assert u == (token, written)
                free += posted.pop(token)[2]
            assert not finished
        assert klib.t_vring_free(ring) == free
    assert klib.t_vring_broken(ring) == 0


def test_indices_wrap_past_65535(klib):
    ring = klib.t_vring_new(4)
    dev, keep = Device(klib, ring), []
    for i in range(1, 70001):
        assert add(klib, ring, [b"ab"], [3], i, keep) == 0
        head, readable, writable, *_ = dev.take()
        dev.complete(head, 2)
        assert used(klib, ring) == (i, 2)
        keep.clear()
    assert klib.t_vring_free(ring) == 4
