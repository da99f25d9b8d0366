#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# get-kernel.sh FLAVOUR DIR: put a bootable kernel for the VM tests at DIR/vmlinuz.
#   debian     Debian's current linux-image-*-amd64 (function, function_graph, kprobes, uprobes)
#   debian-rt  Debian's linux-image-*-rt-amd64 (adds wakeup*, hwlat, osnoise, timerlat)
#   latency    ../shared/kernels/bzImage-6.1-latency (irqsoff/preemptoff, no BTF), or a
#              build of the same config from Debian's linux-source when shared/ is absent
# Prints the path; exit 1 with a reason on stderr when the kernel cannot be had.
set -e
flavour=$1 dir=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
[ -s "$dir/vmlinuz" ] && { echo "$dir/vmlinuz"; exit 0; }

debian_kernel() {
	meta=$1
	pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
	fi
	[ -n "$pkg" ] || { echo "no package behind $meta in the apt lists" >&2; exit 1; }
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) ||
		{ echo "apt-get download $pkg failed" >&2; rm -rf "$tmp"; exit 1; }
	dpkg -x "$tmp"/*.deb "$tmp/x"
	cp "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz"
	echo "$pkg" > "$dir/package"
	rm -rf "$tmp"
}

case "$flavour" in
debian) debian_kernel linux-image-amd64 ;;
debian-rt) debian_kernel linux-image-rt-amd64 ;;
latency)
	if [ -s "$src/../shared/kernels/bzImage-6.1-latency" ]; then
		cp "$src/../shared/kernels/bzImage-6.1-latency" "$dir/vmlinuz"
	elif [ -x "$src/tests/vm/build-latency-kernel.sh" ]; then
		"$src/tests/vm/build-latency-kernel.sh" "$dir/vmlinuz" >&2
	else
		echo "no latency kernel: ../shared/kernels is absent" >&2; exit 1
	fi ;;
*) echo "unknown kernel flavour $flavour" >&2; exit 1 ;;
esac
echo "$dir/vmlinuz"
