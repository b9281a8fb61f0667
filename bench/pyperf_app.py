"""Runs one pyperformance benchmark in this process with pyperf's worker mode.

    pyperf_app.py NAME LOOPS VALUES WARMUPS

The benchmark is the module bm_NAME next to this file: pyperformance's own
run_benchmark.py, copied there at bench time from the installed pyperformance
package. It runs as __main__ with ``--worker``: pyperf's Runner then times it in
this process (no worker processes are spawned), with the given loops, values and
warmups. The result (pyperf's JSON) is printed between two marker lines.

pyperf's collection of host metadata (CPU model, boot time, getrusage...) is
skipped, in every setting alike: it is not part of the timing, and unipython does
not implement getrusage yet.
"""

import os
import runpy
import sys

import pyperf._worker

for task_class in (pyperf._worker.WorkerTask, pyperf._worker.WorkerProcessTask):
    task_class.collect_metadata = lambda self: {}

name, loops, values, warmups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"pyperf-{name}-{os.getpid()}.json")
sys.argv = [name, "--worker", "--loops", loops, "--values", values, "--warmups", warmups,
            "--quiet", "--output", out]
runpy.run_module("bm_" + name, run_name="__main__", alter_sys=True)
with open(out) as f:
    result = f.read()
os.unlink(out)
print("--- pyperf json ---")
print(result.strip())
print("--- end ---")
