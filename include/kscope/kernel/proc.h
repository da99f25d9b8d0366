/* SPDX-License-Identifier: GPL-2.0-only */
/* Processes and CPUs as procfs and sysfs show them. */
#ifndef KSCOPE_KERNEL_PROC_H
#define KSCOPE_KERNEL_PROC_H

#include <stddef.h>

/* The online CPUs (/sys/devices/system/cpu/online), malloc'd. */
int ks_proc_cpus_online(int **cpus, int *n);
/* CPUs the kernel may ever bring up: what per-CPU buffers and files are sized by. */
int ks_proc_ncpus(void);
/* Every thread of process @pid, appended to the malloc'd *@tids; -ESRCH if it is gone. */
int ks_proc_threads(int pid, int **tids, int *n);
/* The name of task @pid (/proc/PID/comm) into @buf; -errno if it is gone. */
int ks_proc_comm(int pid, char *buf, size_t size);

#endif
