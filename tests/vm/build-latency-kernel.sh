#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# build-latency-kernel.sh OUT: build a small x86_64 Linux 6.1 from Debian's
# linux-source-6.1 with the latency tracers (irqsoff, preemptoff, wakeup*), the
# function tracers, kprobe/uprobe events and no BTF, and copy its bzImage to OUT.
# Used by get-kernel.sh when ../shared/kernels is not there. About 3-4 minutes on
# 2 cores; the build tree stays in $KBUILD_DIR (default /tmp/kscope-kbuild) and a
# second run is incremental.
set -euo pipefail
out=$1
kb=${KBUILD_DIR:-${TMPDIR:-/tmp}/kscope-kbuild}
need="linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod"
missing=""
for p in $need; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
mkdir -p "$kb"
[ -f "$kb/linux-source-6.1/Makefile" ] || tar -C "$kb" -xf /usr/src/linux-source-6.1.tar.xz
cd "$kb/linux-source-6.1"
export ARCH=x86_64
make -s tinyconfig
on() { for o in "$@"; do scripts/config --enable "$o"; done; }
off() { for o in "$@"; do scripts/config --disable "$o"; done; }
# A 64-bit SMP guest with a serial console and an initramfs (ACPI+PCI: QEMU's SMP tables).
on 64BIT SMP X86_MPPARSE X86_LOCAL_APIC PREEMPT PRINTK EARLY_PRINTK BUG MULTIUSER TTY \
	SERIAL_8250 SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP KERNEL_GZIP DEVTMPFS \
	DEVTMPFS_MOUNT PROC_FS SYSFS TMPFS SHMEM DEBUG_FS BINFMT_ELF BINFMT_SCRIPT FUTEX EPOLL \
	SIGNALFD TIMERFD EVENTFD POSIX_TIMERS AIO SLUB UNWINDER_ORC IKCONFIG IKCONFIG_PROC \
	MODULES MODULE_UNLOAD BLOCK PCI ACPI
off PREEMPT_NONE PREEMPT_VOLUNTARY KERNEL_XZ SLOB UNWINDER_GUESS VT INPUT SERIO ACPI_AC \
	ACPI_BATTERY ACPI_FAN ACPI_THERMAL ACPI_TABLE_UPGRADE
# What kscope's VM tests need from ftrace and perf.
on PERF_EVENTS KALLSYMS KALLSYMS_ALL KPROBES UPROBES FTRACE FUNCTION_TRACER \
	FUNCTION_GRAPH_TRACER DYNAMIC_FTRACE IRQSOFF_TRACER PREEMPT_TRACER SCHED_TRACER \
	STACK_TRACER KPROBE_EVENTS UPROBE_EVENTS HIST_TRIGGERS SYNTH_EVENTS FTRACE_SYSCALLS
# No debug info, no BTF: the "kernel without BTF" case, and a fast build.
off DEBUG_INFO DEBUG_INFO_BTF DEBUG_INFO_DWARF4 DEBUG_INFO_DWARF5 \
	DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
on DEBUG_INFO_NONE
make -s olddefconfig
for o in IRQSOFF_TRACER PREEMPT_TRACER SCHED_TRACER FUNCTION_GRAPH_TRACER KPROBE_EVENTS; do
	grep -q "^CONFIG_$o=y" .config || { echo "CONFIG_$o did not stick" >&2; exit 1; }
done
make -s -j"$(nproc)" bzImage
mkdir -p "$(dirname "$out")"
cp arch/x86/boot/bzImage "$out"
