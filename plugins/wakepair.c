// SPDX-License-Identifier: GPL-2.0-only
/* Who woke a blocked thread (see wakepair.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stackagg.h"
#include "wakepair.h"

int wakepair_setup(struct ks_analysis *a, struct wakepair *w, struct ks_err *err)
{
	w->event = ks_analysis_stack_event(a, WAKE_EVENT, err);
	if (w->event < 0)
		return w->event;
	w->pending = ks_analysis_map(a, sizeof(struct wake));
	return w->pending ? 0 : ks_err_set(err, -ENOMEM, "out of memory");
}

void wakepair_waking(struct ks_analysis *a, struct wakepair *w, const struct ks_prof_sample *s)
{
	struct ks_event ev = { .data = s->raw, .size = (int)s->raw_size };
	const struct ks_prof_loc *k, *u;
	unsigned int nk, nu;
	struct wake *wk;
	bool added;
	int tid;

	if ((int)s->event != w->event || !s->raw)
		return;
	if (!w->resolved)
		w->resolved = ks_analysis_stack_field(a, w->event, "pid", &w->target, NULL) ?
			      -1 : 1;
	if (w->resolved < 0)
		return;
	tid = (int)ks_field_s64(&w->target, &ev);
	if (tid <= 0 || !ks_analysis_stack_tid_wanted(a, tid))
		return;
	/*
	 * The latest: a thread is woken once per block (a runnable one fires no
	 * sched_waking), and an older wakeup is one that came before it blocked (of the
	 * command, say, started before sampling began).
	 */
	wk = ks_map_get(w->pending, (uint64_t)tid, &added);
	if (!wk)
		return;
	if (!added && wk->owned)
		free((void *)wk->locs);
	stack_split(s, &k, &nk, &u, &nu);
	/* A stack with an id stays valid as long as the reader: only the others are copied. */
	wk->owned = s->stack_id == KS_PROF_NO_STACK;
	wk->locs = s->locs;
	if (wk->owned) {
		struct ks_prof_loc *copy = malloc((nk + nu + 1) * sizeof(*copy));

		if (!copy) {
			ks_map_delete(w->pending, (uint64_t)tid);
			return;
		}
		memcpy(copy, s->locs, (nk + nu) * sizeof(*copy));
		wk->locs = copy;
	}
	wk->nk = nk;
	wk->nu = nu;
	wk->time = s->time;
	wk->waker_tid = s->tid;
	wk->waker_comm = s->comm;
}

const struct wake *wakepair_end(struct wakepair *w, const struct ks_prof_sample *s)
{
	struct wake *wk = ks_map_find(w->pending, (uint64_t)s->tid);

	if (w->last.owned)
		free((void *)w->last.locs);
	memset(&w->last, 0, sizeof(w->last));
	if (!wk)
		return NULL;
	w->last = *wk;
	ks_map_delete(w->pending, (uint64_t)s->tid);
	/* A wakeup before the block (of a thread about to sleep) did not end it. */
	if (w->last.time < s->time || w->last.time > s->time + s->weight)
		return NULL;
	return &w->last;
}

static int free_wake(void *arg, uint64_t key, void *value)
{
	struct wake *wk = value;

	if (wk->owned)
		free((void *)wk->locs);
	return 0;
}

void wakepair_free(struct wakepair *w)
{
	if (w->pending)
		ks_map_for_each(w->pending, free_wake, NULL);
	free_wake(NULL, 0, &w->last);
}
