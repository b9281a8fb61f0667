import sys

from unipython.cli import main

sys.exit(main())
