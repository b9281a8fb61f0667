"""--observe: run the app on the host and record what it really imports and opens.

The static closure is the safe default: it holds everything the app could import. To
show how far that is from what a run needs, the app runs once on the host, under the
target interpreter with the image's module search path, its working directory and
environment, under an audit hook (PEP 578) that records every module imported and every
file opened. The record goes into the image as /.unipython/observed.json, and
``unipython inspect`` compares it with the image's files: what the run imported, what
the image holds that it never imported, and what it imported or opened that the image
lacks (something to --include-module or --add).
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unipython.errors import UserError

OBSERVED_PATH = "/.unipython/observed.json"
DEFAULT_TIMEOUT = 60.0  # seconds: a server app never ends; what it did by then counts

# Run by the target as ``python -I -S -c RUNNER RECORD APP SEARCH_PATH ARGS...``
# (SEARCH_PATH: one directory a line). Each line of RECORD is a Python tuple literal:
# ("before", name) for what the interpreter had loaded before the app, ("import", name),
# ("open", path), and at exit ("module", name, file). It imports nothing the
# interpreter has not loaded already (_signal and atexit are built in), so what the
# record says was imported, the app imported.
RUNNER = """\
import sys, os, _signal, atexit
record = open(sys.argv[1], "w", buffering=1, encoding="utf-8", errors="surrogateescape")
app = sys.argv[2]
sys.path[:] = sys.argv[3].split("\\n")
sys.argv = [app] + sys.argv[4:]
for name in sorted(sys.modules):
    record.write(repr(("before", name)) + "\\n")
def hook(event, args):
    if event == "import":
        record.write(repr(("import", args[0])) + "\\n")
    elif event == "open" and isinstance(args[0], (str, bytes)):
        record.write(repr(("open", os.path.abspath(os.fsdecode(args[0])))) + "\\n")
def modules():
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        record.write(repr(("module", name, file if isinstance(file, str) else None)) + "\\n")
    record.flush()
def stop(signum, frame):
    raise SystemExit(128 + signum)
_signal.signal(_signal.SIGTERM, stop)
atexit.register(modules)
main = type(sys)("__main__")
main.__file__ = app
main.__builtins__ = __builtins__
sys.modules["__main__"] = main
sys.addaudithook(hook)
with open(app, "rb") as source:
    code = compile(source.read(), app, "exec")
exec(code, main.__dict__)
"""


@dataclass
class Observation:
    modules: dict[str, str | None] = field(default_factory=dict)  # name -> host file
    opened: list[str] = field(default_factory=list)  # host paths, first-open order
    startup: list[str] = field(default_factory=list)  # loaded before the app ran
    returncode: int | None = None
    timed_out: bool = False


def parse_record(text: str) -> Observation:
    seen = Observation()
    opened: dict[str, None] = {}
    before: set[str] = set()
    for line in text.splitlines():
        try:
            item = ast.literal_eval(line)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue  # the last line of a killed run
        if not isinstance(item, tuple) or not item:
            continue
        if item[0] == "before" and len(item) == 2:
            before.add(str(item[1]))
        elif item[0] == "import" and len(item) == 2:
            seen.modules.setdefault(str(item[1]), None)
        elif item[0] == "open" and len(item) == 2:
            opened.setdefault(str(item[1]))
        elif item[0] == "module" and len(item) == 3:
            seen.modules[str(item[1])] = item[2] if isinstance(item[2], str) else None
    seen.startup = sorted(before)
    seen.opened = list(opened)
    return seen


def observe_app(python: Path, app: Path, cwd: Path, search_path: Sequence[Path],
                env: Mapping[str, str], args: Sequence[str] = (),
                timeout: float = DEFAULT_TIMEOUT) -> Observation:
    """Run ``python app args`` on the host with ``search_path`` as sys.path."""
    with tempfile.TemporaryDirectory(prefix="unipython-observe-") as tmp:
        record = Path(tmp) / "record"
        argv = [str(python), "-I", "-S", "-c", RUNNER, str(record), str(app),
                "\n".join(str(p) for p in search_path), *args]
        host_env = {**env, "HOME": tmp}  # the app's writes to ~ stay out of the user's
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=host_env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as e:
            raise UserError(f"--observe: cannot run {python}: {e.strerror}") from None
        timed_out = False
        try:
            returncode: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                returncode = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                returncode = proc.wait()
        seen = parse_record(record.read_text(encoding="utf-8", errors="replace")
                            if record.exists() else "")
    seen.returncode = returncode
    seen.timed_out = timed_out
    return seen


def to_guest(path: str, places: Sequence[tuple[Path, str]]) -> str:
    """A host path as the image names it: under the app's or a --path directory (the
    deepest first), or the same path."""
    host = Path(path)
    for directory, guest in sorted(places, key=lambda p: -len(p[0].parts)):
        if host == directory or directory in host.parents:
            rel = host.relative_to(directory).as_posix()
            return guest if rel == "." else f"{guest}/{rel}"
    return path


def observed_json(seen: Observation, places: Sequence[tuple[Path, str]]) -> bytes:
    """The record as the image keeps it, with guest paths."""
    doc = {
        "modules": {name: (to_guest(file, places) if file else None)
                    for name, file in sorted(seen.modules.items())},
        "opened": [to_guest(p, places) for p in seen.opened],
        "returncode": seen.returncode,
        "timed_out": seen.timed_out,
    }
    return json.dumps(doc, indent=1, sort_keys=True).encode("utf-8") + b"\n"
