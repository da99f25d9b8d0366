/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command a recording runs ("-- cmd args"): forked early so its pid can go
 * into filters, held before exec until tracing is on, ended if tracing stops first.
 */
#ifndef KSCOPE_KERNEL_CHILD_H
#define KSCOPE_KERNEL_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "kscope/base/util.h"

struct ks_child {
	pid_t pid;		/* 0 once reaped */
	int go_fd;
	int exec_fd;
	int status;		/* wait status once reaped */
	int exec_errno;		/* exec failed with this, or 0 */
};

/* Checks that @argv[0] can be run (in $PATH or a path) before anything is set up. */
int ks_child_check(char *const argv[], struct ks_err *err);
/* Fork; the child restores @mask and waits for ks_child_start(). */
int ks_child_fork(struct ks_child *c, char *const argv[], const sigset_t *mask,
		  struct ks_err *err);
int ks_child_start(struct ks_child *c);
/* After SIGCHLD: true if the child has exited (and was reaped). */
bool ks_child_reap(struct ks_child *c);
/* End a still-running child: SIGTERM, then SIGKILL after 2 s. Closes the pipes. */
void ks_child_end(struct ks_child *c);

#endif
