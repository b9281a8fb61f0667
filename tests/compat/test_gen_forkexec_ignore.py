"""tools/gen_forkexec_ignore.py: which test was running when a process was started."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = Path("/usr/bin/python3.11")

SPAWNER = """\
    import os, subprocess, sys, unittest

    class Methods(unittest.TestCase):
        def test_popen(self):
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        def test_system(self):
            os.system("true")

        def test_quiet(self):
            self.assertEqual(1 + 1, 2)

    class ClassSetup(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        def test_anything(self):
            pass

    class Forks(unittest.TestCase):
        def test_fork(self):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
"""


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_forkexec_ignore", REPO / "tools" / "gen_forkexec_ignore.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_spawning_tests_classes_and_forks_are_recorded_and_quiet_tests_are_not(
    tmp_path: Path,
) -> None:
    if not PYTHON.exists():
        pytest.skip(f"{PYTHON} not installed")
    (tmp_path / "test_spawner.py").write_text(textwrap.dedent(SPAWNER))
    seen = load_tool().run_module("test_spawner", testdir=tmp_path).seen
    assert set(seen) == {
        "test_spawner.Methods.test_popen",
        "test_spawner.Methods.test_system",
        "test_spawner.ClassSetup.*",
        "test_spawner.Forks.test_fork",
    }
    assert "subprocess.Popen" in seen["test_spawner.Methods.test_popen"]
    assert seen["test_spawner.Methods.test_system"] == ["os.system"]
    assert seen["test_spawner.Forks.test_fork"] == ["os.fork"]


def test_the_checked_in_ignore_list_is_sorted_and_says_how_it_was_made() -> None:
    text = (REPO / "src" / "unipython" / "compat" / "forkexec_ignore" / "3.11.2.txt").read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    patterns = [line for line in text.splitlines() if not line.startswith("#")]
    assert any("tools/gen_forkexec_ignore.py" in line for line in header)
    assert patterns == sorted(set(patterns)) and all(patterns)
    assert "test.test_os.ForkTests.test_fork" in patterns


HANGER = """\
    import socket, subprocess, sys, unittest

    class Hangs(unittest.TestCase):
        def test_a_blocked_accept(self):
            with socket.socket() as server:
                server.bind(("127.0.0.1", 0))
                server.listen()
                server.accept()  # nobody connects

        def test_b_spawns_later(self):
            subprocess.run([sys.executable, "-c", "pass"], check=True)
"""


def test_a_test_hanging_on_the_host_is_interrupted_and_its_module_goes_on(
    tmp_path: Path,
) -> None:
    if not PYTHON.exists():
        pytest.skip(f"{PYTHON} not installed")
    (tmp_path / "test_hanger.py").write_text(textwrap.dedent(HANGER))
    run = load_tool().run_module("test_hanger", testdir=tmp_path, timeout=60, test_timeout=2)
    assert run.finished
    assert run.hung == ["test_hanger.Hangs.test_a_blocked_accept"]
    assert set(run.seen) == {"test_hanger.Hangs.test_b_spawns_later"}


HELPER = """\
    import unittest
    from multiprocessing import shared_memory

    class Helpers(unittest.TestCase):
        def test_a_starts_the_tracker(self):
            shared_memory.SharedMemory(create=True, size=16).unlink()

        def test_b_uses_the_running_tracker(self):
            shared_memory.SharedMemory(create=True, size=16).unlink()
"""


def test_each_test_that_needs_a_multiprocessing_helper_is_recorded_not_only_the_first(
    tmp_path: Path,
) -> None:
    if not PYTHON.exists():
        pytest.skip(f"{PYTHON} not installed")
    (tmp_path / "test_helper.py").write_text(textwrap.dedent(HELPER))
    seen = load_tool().run_module("test_helper", testdir=tmp_path, timeout=120).seen
    assert set(seen) == {"test_helper.Helpers.test_a_starts_the_tracker",
                         "test_helper.Helpers.test_b_uses_the_running_tracker"}
    assert seen["test_helper.Helpers.test_b_uses_the_running_tracker"] == [
        "multiprocessing.resource_tracker.ensure_running"]


TEARDOWN = """\
    import subprocess, sys, unittest

    def tearDownModule():
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    class Quiet(unittest.TestCase):
        def test_quiet(self):
            pass
"""


def test_a_process_started_in_teardown_module_does_not_leave_the_module_out(
    tmp_path: Path,
) -> None:
    if not PYTHON.exists():
        pytest.skip(f"{PYTHON} not installed")
    (tmp_path / "test_teardown.py").write_text(textwrap.dedent(TEARDOWN))
    seen = load_tool().run_module("test_teardown", testdir=tmp_path).seen
    assert set(seen) == {"test_teardown (after its tests began)"}  # named apart, not test_teardown.*
