"""The kernel's layers: linux/ is the syscall layer on top, and nothing below it reaches
up into it (core/main.c, which boots everything, is the one place that starts it). The
services below it (signal/, futex/, fs/eventpoll/) each own their state, and no two
components' files include each other: the process holds its descriptor table as a pointer
to a struct fs/ keeps to itself."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
LOWER = ("arch", "mm", "fs", "futex", "sched", "drivers", "net", "signal", "uapi", "lib", "loader")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# The one call up into the syscall layer: the syscall instruction's entry.
ENTRY = {("arch/x86_64/entry.S.o", "syscall_dispatch")}


def includes(layer: str) -> list[tuple[str, str]]:
    return [(str(src.relative_to(KERNEL)), inc)
            for src in sorted((KERNEL / layer).rglob("*.[chS]"))
            for inc in INCLUDE.findall(src.read_text())]


def module_includes() -> dict[str, set[str]]:
    """Each module (a .c and its .h, named by their path without the suffix) and the
    modules whose headers its files include."""
    graph: dict[str, set[str]] = {}
    for layer in LOWER + ("core", "linux"):
        for src, inc in includes(layer):
            module = src.rsplit(".", 1)[0]
            graph.setdefault(module, set())
            if inc.endswith(".h") and inc[:-2] != module:
                graph[module].add(inc[:-2])
    return graph


def component(module: str) -> str:
    return module.rsplit("/", 1)[0]


def mutual_across_components(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, deps in graph.items() for b in deps
            if a < b and component(a) != component(b) and a in graph.get(b, ())}


def test_no_lower_layer_includes_the_syscall_layer() -> None:
    found = [(src, inc) for layer in LOWER for src, inc in includes(layer) if inc.startswith("linux/")]
    assert found == []


def test_the_check_sees_includes() -> None:
    assert ("signal/signal.c", "signal/signal.h") in includes("signal")
    assert ("futex/futex.c", "futex/futex.h") in includes("futex")
    assert ("fs/eventpoll/eventpoll.c", "fs/eventpoll/eventpoll.h") in includes("fs")


def test_no_two_components_include_each_other() -> None:
    assert mutual_across_components(module_includes()) == set()


def test_the_cycle_check_sees_a_cycle() -> None:
    graph = {"core/process": {"fs/fdtable"}, "fs/fdtable": {"core/process", "fs/vfs"},
             "fs/vfs": {"fs/fdtable"}}
    assert mutual_across_components(graph) == {("core/process", "fs/fdtable")}


def test_the_process_holds_its_descriptor_table_by_pointer() -> None:
    # The cycle this replaced: process.h embedded struct fd_table, and fdtable.c read
    # RLIMIT_NOFILE from the process.
    graph = module_includes()
    assert "fs/fdtable" not in graph["core/process"] or "core/process" not in graph["fs/fdtable"]
    assert '#include "fs/fdtable.h"' not in (KERNEL / "core" / "process.h").read_text()


def symbols(obj: Path) -> list[tuple[str, str]]:
    out = subprocess.run(["nm", "-P", str(obj)], check=True, capture_output=True, text=True).stdout
    return [(f[0], f[1]) for f in (line.split() for line in out.splitlines()) if len(f) >= 2]


def test_no_lower_layer_calls_a_function_the_syscall_layer_defines() -> None:
    # Includes are not the whole story: a lower header may declare what linux/
    # defines (fs/poll.h declared fasync_notify and epoll_file_released). The
    # objects say who calls whom.
    subprocess.run(["make", "-C", str(KERNEL), "-s", "-j2"], check=True, capture_output=True)
    build = KERNEL / "build"
    # Only objects of sources that still exist: a moved file's old object stays.
    objects = {str(o.relative_to(build)): symbols(o) for o in sorted(build.rglob("*.o"))
               if (KERNEL / o.relative_to(build)).with_suffix("").is_file()}
    assert len(objects) > 100 and "linux/dispatch.c.o" in objects
    in_linux = {name for obj, syms in objects.items() if obj.startswith("linux/")
                for name, kind in syms if kind.isupper() and kind != "U"}
    called = {(obj, name) for obj, syms in objects.items() if obj.split("/")[0] in LOWER
              for name, kind in syms if kind == "U" and name in in_linux}
    assert called == ENTRY
