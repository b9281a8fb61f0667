"""`unipython bench`: unipython against native CPython, a Linux guest and qemu-user."""
