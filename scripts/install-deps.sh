#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages kscope needs, only those missing.
#   install-deps.sh build   compiler and -dev libraries
#   install-deps.sh check   the above plus what the tests compare against and use
set -e
what=${1:-build}

build_pkgs="gcc make pkg-config libtracefs-dev libtraceevent-dev libtraceevent1-plugin
	libelf-dev libdw-dev zlib1g-dev libzstd-dev libbz2-dev liblzma-dev libtracecmd-dev"
check_pkgs="trace-cmd perl python3 g++ clang libclang-rt-14-dev procps psmisc util-linux man-db
	qemu-system-x86 busybox-static cpio binutils dwz time linux-perf"

pkgs=$build_pkgs
[ "$what" = check ] && pkgs="$pkgs $check_pkgs"
# The profile format tests decode with npm packages (tests/js). A node from elsewhere
# (nvm, a tarball) is fine: Debian's is installed only when there is none.
if [ "$what" = check ] && ! command -v node >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
fi

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "kscope: missing packages:$missing; run as root or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "kscope: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list finds nothing: refresh it once per hour at most.
stamp=/var/lib/apt/periodic/kscope-update-stamp
if [ ! -f $stamp ] || [ -n "$(find $stamp -mmin +60 2>/dev/null)" ]; then
	apt-get update -qq
	mkdir -p "$(dirname $stamp)" && touch $stamp
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null
