/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who woke a blocked thread, for wakeuptime and offwaketime: sched:sched_waking is
 * sampled with the waker's call stack (it fires in the waker, in try_to_wake_up, and
 * its pid field is the thread woken; sched_wakeup can fire later on the woken thread's
 * CPU, where the waker is gone). The latest wakeup of a thread is kept until the
 * thread runs again, when its off-CPU sample comes and says whether it ended the block.
 */
#ifndef KSCOPE_PLUGINS_WAKEPAIR_H
#define KSCOPE_PLUGINS_WAKEPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/analysis/analysis.h"
#include "kscope/profile/prof.h"

#define WAKE_EVENT "sched:sched_waking"

struct wake {
	uint64_t time;			/* ns, when the wakeup was sent */
	int waker_tid;
	const char *waker_comm;		/* lives as long as the reader */
	const struct ks_prof_loc *locs;	/* the waker's frames: nk kernel, then nu user */
	unsigned int nk, nu;
	bool owned;			/* locs is a copy (a stack the reader does not keep) */
};

struct wakepair {
	int event;			/* the framework's index of WAKE_EVENT */
	struct ks_field target;		/* its pid field */
	int resolved;			/* 0 not yet, 1 yes, -1 no such field */
	struct ks_map *pending;		/* woken tid -> struct wake */
	struct wake last;		/* what wakepair_end handed out */
};

int wakepair_setup(struct ks_analysis *a, struct wakepair *w, struct ks_err *err);
/* A sample of the plugin's events: a wakeup is kept for its target. */
void wakepair_waking(struct ks_analysis *a, struct wakepair *w, const struct ks_prof_sample *s);
/*
 * An off-CPU sample (the thread @s->tid runs again): the wakeup that ended its block,
 * sent while it was blocked, or NULL (preempted, or woken before tracing began). Valid
 * until the next call; the thread's wakeup is forgotten.
 */
const struct wake *wakepair_end(struct wakepair *w, const struct ks_prof_sample *s);
void wakepair_free(struct wakepair *w);

#endif
