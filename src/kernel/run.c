// SPDX-License-Identifier: GPL-2.0-only
/* Signals, the traced command and the deadline of a capture, in one wait loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kscope/kernel/run.h"

/* The signals that end a run (and SIGCHLD, which may). */
static void stop_signals(sigset_t *mask, bool sigpipe)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGCHLD);
	if (sigpipe)
		sigaddset(mask, SIGPIPE);
}

int ks_run_init(struct ks_run *r, char **cmd, bool sigpipe, struct ks_err *err)
{
	sigset_t mask;

	memset(r, 0, sizeof(*r));
	r->active = true;
	r->sig_fd = -1;
	r->child.go_fd = r->child.exec_fd = -1;
	r->cmd = cmd;
	stop_signals(&mask, sigpipe);
	sigprocmask(SIG_BLOCK, &mask, &r->old_mask);
	r->masked = true;
	r->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sig_fd < 0)
		return ks_err_set(err, -errno, "signalfd: %s", strerror(errno));
	return cmd ? ks_child_fork(&r->child, cmd, &r->old_mask, err) : 0;
}

int ks_run_start(struct ks_run *r, double duration, struct ks_err *err)
{
	int ret;

	r->start_ns = ks_now_ns();
	if (duration > 0)
		r->deadline_ns = r->start_ns + (uint64_t)(duration * 1e9);
	ret = ks_child_start(&r->child);
	if (ret)
		return ks_err_set(err, ret, "cannot start the command: %s", strerror(-ret));
	return 0;
}

/* One signal off the queue: whether it ends the run. */
static int take_signal(struct ks_run *r, struct ks_err *err)
{
	struct signalfd_siginfo si;

	while (read(r->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			r->stop = KS_RUN_SIGNAL;
			r->stop_signal = (int)si.ssi_signo;
			return 0;
		}
		if (!r->cmd || !ks_child_reap(&r->child))
			continue;
		r->stop = KS_RUN_CHILD;
		if (r->child.exec_errno)
			ks_err_set(err, -r->child.exec_errno, "cannot run '%s': %s", r->cmd[0],
				   strerror(r->child.exec_errno));
		return 0;
	}
	return 0;
}

int ks_run_wait(struct ks_run *r, struct pollfd *fds, int nfds, int timeout_ms,
		struct ks_err *err)
{
	uint64_t now = ks_now_ns();
	int i, ret;

	if (r->stop != KS_RUN_RUNNING)
		return 0;
	if (r->deadline_ns) {
		if (now >= r->deadline_ns) {
			r->stop = KS_RUN_DEADLINE;
			return 0;
		}
		if ((r->deadline_ns - now) / 1000000 < (uint64_t)timeout_ms)
			timeout_ms = (int)((r->deadline_ns - now) / 1000000) + 1;
	}
	if (r->npfd < nfds + 1) {
		struct pollfd *p = realloc(r->pfd, (size_t)(nfds + 1) * sizeof(*p));

		if (!p)
			return ks_err_set(err, -ENOMEM, "out of memory");
		r->pfd = p;
		r->npfd = nfds + 1;
	}
	r->pfd[0] = (struct pollfd){ .fd = r->sig_fd, .events = POLLIN };
	for (i = 0; i < nfds; i++)
		r->pfd[i + 1] = (struct pollfd){ .fd = fds[i].fd, .events = fds[i].events };
	if (poll(r->pfd, (nfds_t)nfds + 1, timeout_ms) < 0 && errno != EINTR)
		return ks_err_set(err, -errno, "poll: %s", strerror(errno));
	for (i = 0; i < nfds; i++)
		fds[i].revents = r->pfd[i + 1].revents;
	if (r->pfd[0].revents) {
		ret = take_signal(r, err);
		if (ret)
			return ret;
	}
	return r->stop == KS_RUN_RUNNING;
}

void ks_run_stop(struct ks_run *r)
{
	if (r->stop == KS_RUN_RUNNING)
		r->stop = KS_RUN_DONE;
}

uint64_t ks_run_elapsed_ns(const struct ks_run *r)
{
	return r->start_ns ? ks_now_ns() - r->start_ns : 0;
}

int ks_run_exit_status(const struct ks_run *r)
{
	int st = r->child.status;

	if (r->stop != KS_RUN_CHILD)
		return 0;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 0;
}

void ks_run_end(struct ks_run *r)
{
	if (!r->active)
		return;
	r->active = false;
	ks_child_end(&r->child);
	if (r->sig_fd >= 0)
		close(r->sig_fd);
	r->sig_fd = -1;
	free(r->pfd);
	r->pfd = NULL;
	r->npfd = 0;
	if (r->masked) {
		/* Stop signals that came during cleanup asked for what was done: drop them. */
		struct timespec zero = { 0, 0 };
		sigset_t mask;

		stop_signals(&mask, true);
		while (sigtimedwait(&mask, NULL, &zero) > 0)
			;
		sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
		r->masked = false;
	}
}
