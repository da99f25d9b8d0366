/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracefs side of a capture, shared by the commands that enable events (record,
 * stream, and the analyses that stream events): the event options as trace-cmd
 * spells them, parsed once, and the settings they become in a session.
 *
 *   -e EVENT [-f FILTER]   events (sys:event, sys, event, globs) and their filters
 *   -P PID                 only these tasks (set_event_pid)
 *   -c                     ... and the children they fork later (options/event-fork)
 *   -C CLOCK               the trace clock
 *   -T                     a kernel stack with each event (stacktrace trigger)
 *   -b KB                  the ring buffer per CPU
 */
#ifndef KSCOPE_KERNEL_CAPTURE_H
#define KSCOPE_KERNEL_CAPTURE_H

#include <stdbool.h>

#include "kscope/base/opts.h"
#include "kscope/base/util.h"
#include "kscope/kernel/evsel.h"

struct ks_session;

/* Option table entries, for a command's table (the keys are the short options). */
#define KS_CAPTURE_OPT_EVENT \
	{ 'e', "event", "EVENT", "event: sys:event, sys, event, globs ('sched:*'); repeat" }
#define KS_CAPTURE_OPT_FILTER \
	{ 'f', "filter", "FILTER", "filter for the preceding -e, tracefs syntax ('prev_pid > 0')" }
#define KS_CAPTURE_OPT_PID \
	{ 'P', "pid", "PID", "only events of this pid (set_event_pid); repeat for more" }
#define KS_CAPTURE_OPT_CHILDREN \
	{ 'c', "children", NULL, "with -P (or -F): follow children forked later (event-fork)" }
#define KS_CAPTURE_OPT_CLOCK \
	{ 'C', "clock", "CLOCK", "trace clock: local, global, mono, perf, ... (see kscope check)" }
#define KS_CAPTURE_OPT_STACKTRACE \
	{ 'T', "stacktrace", NULL, "record a kernel stack with each event (stacktrace trigger)" }
#define KS_CAPTURE_OPT_BUFFER \
	{ 'b', "buffer-kb", "KB", "ring buffer size per CPU in KiB (default 4096)" }

#define KS_CAPTURE_DEFAULT_BUFFER_KB 4096

struct ks_capture_opts {
	const char **patterns;		/* -e, in order */
	const char **filters;		/* -f of each -e, or NULL */
	int npatterns;
	int *pids;			/* -P */
	int npids;
	bool children;			/* -c */
	const char *clock;		/* -C, or NULL: the instance's default */
	bool stacktrace;		/* -T */
	int buffer_kb;			/* -b, or 0: leave the buffer as it is */
};

/* Room for the options of a command line of @argc words. */
int ks_capture_opts_init(struct ks_capture_opts *o, int argc);
void ks_capture_opts_free(struct ks_capture_opts *o);
/*
 * Take option @key (one of the KS_CAPTURE_OPT_* keys) with @arg: 1 if it was one of
 * them, 0 if not (the command's own), -EINVAL with @err for a bad value.
 */
int ks_capture_opt(struct ks_capture_opts *o, int key, const char *arg, struct ks_err *err);

/* The events the -e patterns name, into @sel; @all receives every event of the kernel. */
int ks_capture_select(const struct ks_capture_opts *o, const char *tracefs, struct ks_evsel *all,
		      struct ks_evsel *sel, struct ks_err *err);
/*
 * Apply the options to the session: buffer size, clock, the pid filter (with
 * @extra_pid, the command being traced, when > 0), event-fork, then the filters,
 * triggers and enables of @sel. Tracing stays off.
 */
int ks_capture_apply(struct ks_session *s, const struct ks_capture_opts *o,
		     const struct ks_evsel *sel, int extra_pid, struct ks_err *err);

#endif
