#!/usr/bin/env bash
# Installs the Debian packages echobench needs to build, test, bench and plot,
# only those that are missing, and says which. `make`, `make test` and
# `make bench` call it; set ECHOBENCH_NO_INSTALL=1 to only check.
set -euo pipefail

want=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
need_pc() { pkg-config --exists "$1" 2>/dev/null || want+=("$2"); }
need_file() { [ -e "$1" ] || want+=("$2"); }

need_cmd cc gcc
need_cmd make make
need_cmd cmake cmake
need_cmd pkg-config pkg-config
need_file /usr/include/stdio.h libc6-dev
need_pc libuv libuv1-dev
need_pc jansson libjansson-dev
need_pc liburing liburing-dev
need_cmd gnuplot gnuplot-nox
# The shipped runtimes (bench's node, go and asyncio models), and socat for the
# external-model example and its test.
need_cmd node nodejs
need_cmd go golang-go
need_file /usr/bin/python3 python3
need_cmd socat socat
for extra in "$@"; do
    # Extra tools a caller needs, as command=package (for example clang-format=clang-format);
    # the command may be a path, for one outside a user's PATH (/usr/sbin/sshd=openssh-server).
    need_cmd "${extra%%=*}" "${extra#*=}"
done

[ ${#want[@]} -eq 0 ] && exit 0

echo "echobench: missing Debian packages: ${want[*]}" >&2
if [ "${ECHOBENCH_NO_INSTALL:-0}" = 1 ]; then
    echo "echobench: ECHOBENCH_NO_INSTALL=1 is set; install them with: apt-get install ${want[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "echobench: apt-get not found: this is not a Debian-like system." >&2
    echo "echobench: install the equivalents of: ${want[*]}" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "echobench: not root and no sudo: run as root: apt-get install ${want[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "echobench: installing: ${want[*]}" >&2
# A fresh machine may have empty package lists; update only when the install fails.
if ! "${sudo[@]}" apt-get install -y -q "${want[@]}" >/dev/null; then
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q "${want[@]}" >/dev/null
fi
echo "echobench: installed: ${want[*]}" >&2
