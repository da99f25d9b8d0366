// SPDX-License-Identifier: GPL-2.0-only
/*
 * runqlat: how long runnable tasks wait for a CPU, as a histogram (bcc's runqlat).
 * A task joins a run queue when it is woken (sched_wakeup, sched_wakeup_new) or
 * switched out while still runnable (preempted: sched_switch with no sleep state);
 * it leaves when it is switched in. The wait in between goes into the histogram.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/plugins/plugins.h"

static const struct ks_opt runqlat_opts[] = {
	{ 'm', "milliseconds", NULL, "the histogram in milliseconds" },
	{ 'P', "pids", NULL, "a histogram per process" },
	{ 'L', "tids", NULL, "a histogram per thread" },
	{ 0 },
};

struct runqlat {
	bool msecs, per_pid, per_tid;
	struct ks_map *queued;		/* tid -> when it joined a run queue (ns) */
	struct ks_map *per_key;		/* pid or tid -> struct ks_log2 */
	struct ks_log2 all;
	struct ks_field wakeup_pid, wakeup_new_pid, prev_pid, prev_state, next_pid;
};

static int runqlat_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		       struct ks_err *err)
{
	struct runqlat *r = priv;

	switch (key) {
	case 'm':
		r->msecs = true;
		return 0;
	case 'P':
		r->per_pid = true;
		return 0;
	case 'L':
		r->per_tid = true;
		return 0;
	}
	return -EINVAL;
}

static void enqueue(struct ks_analysis *a, struct runqlat *r, int tid, uint64_t ts)
{
	uint64_t *when;

	if (tid <= 0 || !ks_analysis_task_wanted(a, tid))
		return;
	when = ks_map_get(r->queued, (uint64_t)tid, NULL);
	if (when)
		*when = ts;
}

static void on_wakeup(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlat *r = priv;

	enqueue(a, r, (int)ks_field_s64(&r->wakeup_pid, e), e->ts);
}

static void on_wakeup_new(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlat *r = priv;

	enqueue(a, r, (int)ks_field_s64(&r->wakeup_new_pid, e), e->ts);
}

static void on_switch(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlat *r = priv;
	int prev = (int)ks_field_s64(&r->prev_pid, e), next = (int)ks_field_s64(&r->next_pid, e);
	uint64_t *when, delta;
	struct ks_log2 *h;

	/*
	 * A task leaving a CPU ran: if it is still queued, its switch-in was not seen (some
	 * kernels trace no switch away from the idle task on some CPUs) and that wait is
	 * unknown, not as long as the gap to now.
	 */
	if (prev > 0)
		ks_map_delete(r->queued, (uint64_t)prev);
	/* Still runnable when it leaves (no sleep state bit, or preempted): it queues again. */
	if (!(ks_field_u64(&r->prev_state, e) & 0xff))
		enqueue(a, r, prev, e->ts);
	if (next <= 0)
		return;
	when = ks_map_find(r->queued, (uint64_t)next);
	if (!when)
		return;
	delta = e->ts >= *when ? (e->ts - *when) / (r->msecs ? 1000000 : 1000) : 0;
	ks_map_delete(r->queued, (uint64_t)next);
	ks_log2_add(&r->all, delta);
	if (!r->per_pid && !r->per_tid)
		return;
	h = ks_map_get(r->per_key, (uint64_t)(r->per_tid ? next : ks_analysis_tgid(a, next)),
		       NULL);
	if (h)
		ks_log2_add(h, delta);
}

static int runqlat_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct runqlat *r = priv;
	struct ks_evtype *wakeup, *wakeup_new, *sw;
	int ret;

	if (r->per_pid && r->per_tid)
		return ks_err_set(err, -EINVAL, "-P and -L exclude each other");
	r->queued = ks_analysis_map(a, sizeof(uint64_t));
	r->per_key = ks_analysis_map(a, sizeof(struct ks_log2));
	if (!r->queued || !r->per_key)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = ks_analysis_event(a, "sched:sched_wakeup", NULL, on_wakeup, &wakeup, err) ?:
	      ks_analysis_field(a, wakeup, "pid", &r->wakeup_pid, err) ?:
	      ks_analysis_event_optional(a, "sched:sched_wakeup_new", NULL, on_wakeup_new,
					 &wakeup_new, err) ?:
	      (wakeup_new ? ks_analysis_field(a, wakeup_new, "pid", &r->wakeup_new_pid, err) : 0) ?:
	      ks_analysis_event(a, "sched:sched_switch", NULL, on_switch, &sw, err) ?:
	      ks_analysis_field(a, sw, "prev_pid", &r->prev_pid, err) ?:
	      ks_analysis_field(a, sw, "prev_state", &r->prev_state, err) ?:
	      ks_analysis_field(a, sw, "next_pid", &r->next_pid, err);
	return ret;
}

static void runqlat_report(struct ks_analysis *a, void *priv, bool final)
{
	struct runqlat *r = priv;
	const char *unit = r->msecs ? "msecs" : "usecs";

	if (r->per_pid || r->per_tid)
		ks_analysis_hists(a, r->per_key, r->per_tid ? "tid" : "pid", unit, false);
	else
		ks_analysis_hist(a, NULL, NULL, unit, &r->all);
	if (!final) {
		memset(&r->all, 0, sizeof(r->all));
		ks_map_clear(r->per_key);
	}
}

const struct ks_plugin ks_plugin_runqlat = {
	.name = "runqlat",
	.summary = "run-queue latency: how long runnable tasks wait for a CPU",
	.peer = "bcc runqlat",
	.usage = "[-m] [-P | -L] [-p PID] [options] [interval [count]] [-- command [args]]",
	.description = "Summarize how long tasks wait on a run queue between becoming runnable\n"
		       "(woken, or preempted) and running, as a power-of-two histogram, like\n"
		       "bcc's runqlat, from the sched_wakeup, sched_wakeup_new and sched_switch\n"
		       "tracepoints (no eBPF). Ctrl-C prints the histogram.",
	.tracing = "Tracing run queue latency",
	.needs = "sched:sched_wakeup, sched:sched_switch",
	.opts = runqlat_opts,
	.priv_size = sizeof(struct runqlat),
	.opt = runqlat_opt,
	.setup = runqlat_setup,
	.report = runqlat_report,
};
