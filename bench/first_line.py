import os; os._exit(0)  # noqa: E702  (the VM ends at the app's first line: see README)
