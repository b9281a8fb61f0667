"""`unipython compat`: CPython's regression tests inside unipython vs on the host.

The library: tiers (which modules), image (the cached image), runner (one module on
one side), junit (counts from regrtest's XML), compare (the verdict), report (table,
JSON, exit status), run (all of it: run_compat). Kept import-free so that tools can
read the tiers without the builder's dependencies.
"""
