"""Builds the portable kernel parts for the host and loads them with ctypes."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KERNEL = REPO / "kernel"
SOURCES = [
    "mm/buddy.c",
    "mm/vma.c",
    "fs/page_index.c",
    "fs/rootfs_image.c",
    "loader/elf.c",
    "core/cmdline.c",
    "lib/fmt.c",
    "lib/chacha20.c",
    "lib/civil_time.c",
    "lib/time_conv.c",
    "linux/uapi/errno.c",
    "net/inet_addr.c",
    "net/netdev.c",
    "net/netconf.c",
    "net/ether.c",
    "net/arp.c",
    "net/ipv4.c",
    "net/tcp_seg.c",
    "net/tcp_conn.c",
    "net/rtnl_msg.c",
    "drivers/virtio/vring.c",
    "drivers/virtio/mmio_cmdline.c",
    "drivers/virtio/features.c",
]


@pytest.fixture(scope="session")
def klib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    if not shutil.which("gcc"):
        pytest.skip("gcc is needed to build the kernel parts for the host")
    out = tmp_path_factory.mktemp("klib") / "libupy_host.so"
    cmd = [
        "gcc", "-std=gnu11", "-O1", "-g", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror",
        "-Wno-unused-parameter", "-fno-strict-overflow", "-fsanitize=undefined", "-fno-sanitize-recover=all",
        f"-I{KERNEL}", "-o", str(out),
        *(str(KERNEL / s) for s in SOURCES),
        str(Path(__file__).with_name("host_shim.c")),
        str(Path(__file__).with_name("tcp_sim.c")),
    ]
    subprocess.run(cmd, check=True)
    lib = ctypes.CDLL(str(out))
    u64, sz, vp, cp = ctypes.c_uint64, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p
    i64 = ctypes.c_int64
    sig = {
        "t_mm_new": (vp, [u64, u64, u64]),
        "t_vma_insert": (ctypes.c_int, [vp, u64, u64, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_size_t, u64]),
        "vma_remove": (ctypes.c_int, [vp, u64, u64, vp, vp]),
        "vma_protect": (ctypes.c_int, [vp, u64, u64, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32]),
        "vma_find_free": (u64, [vp, u64, u64]),
        "t_mm_count": (sz, [vp]),
        "t_mm_get": (None, [vp, sz, ctypes.POINTER(u64)]),
        "t_vma_refs": (ctypes.c_long, []),
        "t_buddy_new": (vp, [u64]),
        "buddy_add_range": (None, [vp, u64, u64]),
        "buddy_alloc": (u64, [vp, ctypes.c_uint]),
        "buddy_free": (None, [vp, u64, ctypes.c_uint]),
        "t_buddy_free_pages": (u64, [vp]),
        "t_buddy_free_blocks": (u64, [vp, ctypes.c_uint]),
        "t_rootfs_open": (ctypes.c_int, [vp, u64, ctypes.POINTER(cp)]),
        "t_rootfs_lookup_path": (ctypes.c_int64, [cp]),
        "t_rootfs_node": (ctypes.c_int, [ctypes.c_uint32, ctypes.POINTER(u64)]),
        "t_elf_parse_fd": (ctypes.c_int, [ctypes.c_int, u64, vp, ctypes.POINTER(cp)]),
        "t_elf_info_size": (sz, []),
        "t_config_parse": (vp, [vp, cp, sz, ctypes.POINTER(cp)]),
        "t_config_exec": (cp, [vp]),
        "t_config_cwd": (cp, [vp]),
        "t_config_argc": (ctypes.c_int, [vp]),
        "t_config_argv": (cp, [vp, ctypes.c_int]),
        "t_config_envc": (ctypes.c_int, [vp]),
        "t_config_env": (cp, [vp, ctypes.c_int]),
        "t_config_nwritable": (ctypes.c_int, [vp]),
        "t_config_writable": (cp, [vp, ctypes.c_int]),
        "t_config_trace": (ctypes.c_int, [vp]),
        "t_config_verbose": (ctypes.c_int, [vp]),
        "format": (ctypes.c_int, [cp, sz, cp]),
        "chacha20_block": (None, [cp, ctypes.c_uint32, cp, cp]),
        "days_from_civil": (ctypes.c_int64, [ctypes.c_int64, ctypes.c_uint, ctypes.c_uint]),
        "percent_decode": (ctypes.c_long, [cp, sz]),
        "t_heap_live": (ctypes.c_long, []),
        "t_heap_fail": (None, [ctypes.c_int]),
        "vma_reserve": (ctypes.c_int, [vp, sz]),
        "t_check_add": (ctypes.c_bool, [u64, u64, ctypes.POINTER(u64)]),
        "t_check_sub": (ctypes.c_bool, [u64, u64, ctypes.POINTER(u64)]),
        "t_check_mul": (ctypes.c_bool, [u64, u64, ctypes.POINTER(u64)]),
        "t_check_add_s64": (ctypes.c_bool, [ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]),
        "t_check_align_up": (ctypes.c_bool, [u64, u64, ctypes.POINTER(u64)]),
        "t_check_page_align": (ctypes.c_bool, [u64, ctypes.POINTER(u64)]),
        "t_array_size": (sz, [sz, sz]),
        "t_size_add": (sz, [sz, sz]),
        "t_struct_size": (sz, [sz, sz, sz]),
        "t_file_range_ok": (ctypes.c_bool, [ctypes.c_int64, u64]),
        "t_user_range_ok": (ctypes.c_bool, [u64, u64]),
        "t_user_pages_ok": (ctypes.c_bool, [u64, u64, ctypes.POINTER(u64)]),
        "t_user_top": (u64, []),
        "t_page_index_take": (u64, [vp, u64]),
        "t_page_index_prune": (None, [vp]),
        "t_page_index_new": (vp, []),
        "page_index_get": (u64, [vp, u64]),
        "page_index_set": (ctypes.c_int, [vp, u64, u64]),
        "t_page_index_drop_from": (u64, [vp, u64]),
        "inet_endpoint_read": (ctypes.c_int, [cp, sz, ctypes.c_int, vp]),
        "inet_endpoint_write": (sz, [vp, ctypes.c_int, vp]),
        "inet_bindings_clash": (ctypes.c_bool, [vp, vp]),
        "inet_binding_accepts": (ctypes.c_bool, [vp, cp]),
        "t_rtnl_new": (vp, [ctypes.c_uint32, *[ctypes.c_int] * 4]),
        "t_rtnl_set_room": (None, [vp, ctypes.c_int]),
        "t_rtnl_input": (None, [vp, cp, sz]),
        "t_rtnl_continue": (ctypes.c_int, [vp]),
        "t_rtnl_dumping": (ctypes.c_int, [vp]),
        "t_rtnl_take": (ctypes.c_long, [vp, vp, sz]),
        "virtio_mmio_parse_entry": (ctypes.c_int, [cp, sz, vp, ctypes.POINTER(cp)]),
        "virtio_mmio_next_entry": (ctypes.c_void_p, [cp, sz, ctypes.POINTER(sz), ctypes.POINTER(sz)]),
        "virtio_negotiate": (ctypes.c_int, [u64, u64, u64, ctypes.POINTER(u64), ctypes.POINTER(u64)]),
        "vring_bytes": (sz, [ctypes.c_uint]),
        "t_vring_new": (vp, [ctypes.c_uint]),
        "t_vring_add": (ctypes.c_int, [vp, vp, ctypes.c_uint, ctypes.c_uint, ctypes.c_size_t]),
        "t_vring_kick_needed": (ctypes.c_int, [vp]),
        "t_vring_free": (ctypes.c_uint, [vp]),
        "t_vring_broken": (ctypes.c_int, [vp]),
        "t_vring_interrupts": (ctypes.c_int, [vp, ctypes.c_int]),
        "t_vring_interrupts_wanted": (ctypes.c_int, [vp]),
        "t_vring_get_used": (ctypes.c_size_t, [vp, ctypes.POINTER(ctypes.c_uint32)]),
        "t_dev_take": (ctypes.c_int, [vp, *[ctypes.POINTER(ctypes.c_uint32)] * 3, vp, sz]),
        "t_dev_complete": (None, [vp, ctypes.c_uint32, ctypes.c_uint32]),
        "t_dev_no_notify": (None, [vp, ctypes.c_int]),
        "timespec_to_ns": (ctypes.c_bool, [i64, i64, ctypes.POINTER(i64)]),
        "timeval_to_ns": (ctypes.c_bool, [i64, i64, ctypes.POINTER(i64)]),
        "select_timeval_to_ns": (ctypes.c_bool, [i64, i64, ctypes.POINTER(i64)]),
        "time_deadline_after": (u64, [u64, u64]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        if name != "format":
            fn.argtypes = argtypes
    return lib
