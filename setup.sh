#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for unipython, then boots the demo app.
#   ./setup.sh             install what is missing, build, boot the demo
#   ./setup.sh --no-demo   the same without the boot (used by ./test.sh)
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: QEMU to boot images, gcc/make for the kernel, the exact
# CPython that goes into images, CPython's own test suite (the same
# python3.11 revision), its headers (for the C extensions the tests build),
# the tools the benchmarks use (wrk and ip(8) for the network rows), curl for
# the network tests, clang-14 for libFuzzer (tools/fuzz.py) and e2fsprogs
# for the disks (`unipython disk create`/`fsck`, the disk tests' debugfs).
PACKAGES=(qemu-system-x86 qemu-user gcc make python3.11 python3.11-venv
          python3.11-dev libpython3.11-testsuite zstd curl clang-14 wrk iproute2 e2fsprogs)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# The Python package, in a virtual environment made with the same python3.11.
if [ ! -x .venv/bin/unipython ] || [ pyproject.toml -nt .venv/.installed ]; then
  /usr/bin/python3.11 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test,bench]'
  touch .venv/.installed
fi

make -C kernel -s -j"$(nproc)"

if [ "${1:-}" != "--no-demo" ]; then
  .venv/bin/unipython run
fi
