"""`unipython compat`: CPython's regression tests inside unipython vs on the host."""

from unipython.compat.compare import ModuleResult
from unipython.compat.run import CompatOptions, run_compat
from unipython.compat.runner import RunSettings
from unipython.compat.tiers import TIERS, expand

__all__ = ["TIERS", "CompatOptions", "ModuleResult", "RunSettings", "expand", "run_compat"]
