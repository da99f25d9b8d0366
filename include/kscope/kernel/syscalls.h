/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Syscall numbers and names for x86_64, i386, aarch64 and arm, built in (generated
 * from the kernel's tables by scripts/gen-syscalls.sh), so that a trace recorded on a
 * board names its syscalls on any host. Machines are named as uname -m prints them.
 */
#ifndef KSCOPE_KERNEL_SYSCALLS_H
#define KSCOPE_KERNEL_SYSCALLS_H

/* The table kscope uses for @machine ("x86_64", "aarch64", "armv7l", ...), or NULL. */
const char *ks_syscall_arch(const char *machine);
/* This machine's uname -m, as ks_syscall_arch() takes it. */
const char *ks_syscall_host_machine(void);
/* The name of syscall @nr on @arch (from ks_syscall_arch), or NULL if unknown. */
const char *ks_syscall_name(const char *arch, long nr);
/* The number of @name on @arch, or -1. */
long ks_syscall_number(const char *arch, const char *name);

#endif
