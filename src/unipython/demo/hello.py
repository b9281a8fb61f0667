"""unipython's built-in demo: a Python app running as its own kernel."""

import os
import platform
import sys
import time

print("Hello from unipython!")
print(f"  Python {platform.python_version()} ({sys.executable}), no Linux underneath:")
print(f"  the kernel answering its system calls is {os.uname().sysname} ABI "
      f"release {os.uname().release}")
print(f"  pid {os.getpid()}, cwd {os.getcwd()}, {len(sys.modules)} modules loaded")
print(f"  wall clock: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC")
