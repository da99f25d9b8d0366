/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The life of a capture, shared by every command that watches the kernel for a while
 * (record, stream, latency, profile): signals turned into a clean stop, the command
 * given after "--" held until tracing is on and ended if tracing stops first, a
 * deadline (--duration), and one wait that returns when there is work to do or the
 * run is over. The command's fate becomes kscope's exit status.
 */
#ifndef KSCOPE_KERNEL_RUN_H
#define KSCOPE_KERNEL_RUN_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "kscope/base/util.h"
#include "kscope/kernel/child.h"

enum ks_run_stop {
	KS_RUN_RUNNING,
	KS_RUN_SIGNAL,		/* SIGINT, SIGTERM or SIGHUP: a normal end */
	KS_RUN_CHILD,		/* the command exited (or could not be run) */
	KS_RUN_DEADLINE,	/* --duration passed */
	KS_RUN_DONE,		/* the caller said so (ks_run_stop) */
};

struct ks_run {
	bool active;			/* ks_run_init() ran: ks_run_end() has work */
	int sig_fd;			/* SIGINT, SIGTERM, SIGHUP, SIGCHLD (and SIGPIPE) */
	sigset_t old_mask;		/* given back at the end, and to the command */
	bool masked;
	char **cmd;			/* NULL: no command */
	struct ks_child child;
	uint64_t start_ns, deadline_ns;	/* CLOCK_MONOTONIC; deadline 0: none */
	enum ks_run_stop stop;
	int stop_signal;		/* KS_RUN_SIGNAL: which */
	struct pollfd *pfd;		/* the signalfd, then the caller's fds */
	int npfd;
};

/*
 * Block the stop signals (delivered through a signalfd from now on, so cleanup
 * always runs) and, with @cmd, fork it held before exec: its pid can go into filters
 * now. @sigpipe: a broken stdout stops the run instead of killing kscope.
 */
int ks_run_init(struct ks_run *r, char **cmd, bool sigpipe, struct ks_err *err);
/* Start the clock (and the deadline, if @duration > 0) and let the command exec. */
int ks_run_start(struct ks_run *r, double duration, struct ks_err *err);

/*
 * Wait up to @timeout_ms (less when the deadline is nearer) for one of @fds or a
 * signal; @fds' revents are filled. Returns 1 while the run goes on (do the work,
 * wait again), 0 when it is over (r->stop says why), -errno on failure. A command
 * that could not be run ends the run too: ks_run_exec_failed(), and @err says why.
 */
int ks_run_wait(struct ks_run *r, struct pollfd *fds, int nfds, int timeout_ms,
		struct ks_err *err);
/* End the run from the caller's side (-p processes gone, say). */
void ks_run_stop(struct ks_run *r);
uint64_t ks_run_elapsed_ns(const struct ks_run *r);

/*
 * kscope's exit status when the capture itself succeeded: the command's own status
 * if it exited by itself (128+N if signal N killed it; 127 or 126 if it could not be
 * run, as a shell says), else 0 (Ctrl-C, --duration, no command).
 */
int ks_run_exit_status(const struct ks_run *r);

/* The command could not be exec'd: nothing ran that a capture could show. */
static inline bool ks_run_exec_failed(const struct ks_run *r)
{
	return r->stop == KS_RUN_CHILD && r->child.exec_errno;
}
/*
 * End the command if it still runs, close everything, give the signal mask back. Safe
 * on a zeroed struct that ks_run_init() never saw.
 */
void ks_run_end(struct ks_run *r);

#endif
