// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpudist: how long tasks run each time they get a CPU (or, with -O, how long they
 * are off it), as a histogram (bcc's cpudist), from sched_switch alone: a task's slice
 * starts when it is switched in and ends when it is switched out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kscope/plugins/plugins.h"

static const struct ks_opt cpudist_opts[] = {
	{ 'O', "offcpu", NULL, "off-CPU time instead: from switch-out to the next switch-in" },
	{ 'm', "milliseconds", NULL, "the histogram in milliseconds" },
	{ 'P', "pids", NULL, "a histogram per process" },
	{ 'L', "tids", NULL, "a histogram per thread" },
	{ 'I', "include-idle", NULL, "count the idle task's time too" },
	{ 'e', "extension", NULL, "also the average, total and count under each histogram" },
	{ 0 },
};

struct cpudist {
	bool offcpu, msecs, per_pid, per_tid, idle, extra;
	struct ks_map *since;		/* tid -> when its slice (or its time off CPU) began */
	struct ks_map *per_key;		/* pid or tid -> struct ks_log2 */
	struct ks_log2 all;
	struct ks_field prev_pid, next_pid;
};

static int cpudist_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		       struct ks_err *err)
{
	struct cpudist *c = priv;

	switch (key) {
	case 'O':
		c->offcpu = true;
		return 0;
	case 'm':
		c->msecs = true;
		return 0;
	case 'P':
		c->per_pid = true;
		return 0;
	case 'L':
		c->per_tid = true;
		return 0;
	case 'I':
		c->idle = true;
		return 0;
	case 'e':
		c->extra = true;
		return 0;
	}
	return -EINVAL;
}

static bool wanted(struct ks_analysis *a, struct cpudist *c, int tid)
{
	return (tid > 0 || (tid == 0 && c->idle && !c->offcpu)) &&
	       ks_analysis_task_wanted(a, tid);
}

/* @tid's interval that began at its entry in c->since ends at @ts. */
static void end_interval(struct ks_analysis *a, struct cpudist *c, int tid, uint64_t ts)
{
	uint64_t *since = ks_map_find(c->since, (uint64_t)tid), delta;
	struct ks_log2 *h;

	if (!since)
		return;
	delta = ts >= *since ? (ts - *since) / (c->msecs ? 1000000 : 1000) : 0;
	ks_map_delete(c->since, (uint64_t)tid);
	ks_log2_add(&c->all, delta);
	if (!c->per_pid && !c->per_tid)
		return;
	/* Idle slices (negative per-CPU keys) are reported as pid 0, as bcc does. */
	if (tid < 0)
		tid = 0;
	h = ks_map_get(c->per_key, (uint64_t)(c->per_tid ? tid : ks_analysis_tgid(a, tid)), NULL);
	if (h)
		ks_log2_add(h, delta);
}

static void begin_interval(struct cpudist *c, int tid, uint64_t ts)
{
	uint64_t *since = ks_map_get(c->since, (uint64_t)tid, NULL);

	if (since)
		*since = ts;
}

static void on_switch(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct cpudist *c = priv;
	int prev = (int)ks_field_s64(&c->prev_pid, e), next = (int)ks_field_s64(&c->next_pid, e);
	/* The idle task runs on every CPU at once: one key per CPU for its slices. */
	int prev_key = prev ? prev : -1 - e->cpu, next_key = next ? next : -1 - e->cpu;

	if (wanted(a, c, prev)) {
		if (c->offcpu)
			begin_interval(c, prev_key, e->ts);
		else
			end_interval(a, c, prev_key, e->ts);
	}
	if (wanted(a, c, next)) {
		if (c->offcpu)
			end_interval(a, c, next_key, e->ts);
		else
			begin_interval(c, next_key, e->ts);
	}
}

static int cpudist_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct cpudist *c = priv;
	struct ks_evtype *sw;

	if (c->per_pid && c->per_tid)
		return ks_err_set(err, -EINVAL, "-P and -L exclude each other");
	if (c->idle && c->offcpu)
		return ks_err_set(err, -EINVAL, "-I counts the idle task's on-CPU time: not with -O");
	c->since = ks_analysis_map(a, sizeof(uint64_t));
	c->per_key = ks_analysis_map(a, sizeof(struct ks_log2));
	if (!c->since || !c->per_key)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return ks_analysis_event(a, "sched:sched_switch", NULL, on_switch, &sw, err) ?:
	       ks_analysis_field(a, sw, "prev_pid", &c->prev_pid, err) ?:
	       ks_analysis_field(a, sw, "next_pid", &c->next_pid, err);
}

static void cpudist_report(struct ks_analysis *a, void *priv, bool final)
{
	struct cpudist *c = priv;
	const char *unit = c->msecs ? "msecs" : "usecs";

	if (c->per_pid || c->per_tid) {
		ks_analysis_hists(a, c->per_key, c->per_tid ? "tid" : "pid", unit, c->extra);
	} else {
		ks_analysis_hist(a, NULL, NULL, unit, &c->all);
		if (c->extra)
			ks_analysis_hist_summary(a, unit, &c->all);
	}
	if (!final) {
		memset(&c->all, 0, sizeof(c->all));
		ks_map_clear(c->per_key);
	}
}

static const char *cpudist_tracing(const void *priv)
{
	const struct cpudist *c = priv;

	return c->offcpu ? "Tracing off-CPU time" : "Tracing on-CPU time";
}

const struct ks_plugin ks_plugin_cpudist = {
	.name = "cpudist",
	.summary = "how long tasks run on a CPU each time (-O: how long they are off it)",
	.peer = "bcc cpudist",
	.usage = "[-O] [-m] [-P | -L] [-I] [-e] [-p PID] [options] [interval [count]]\n"
		 "                      [-- command [args]]",
	.description = "Summarize how long tasks run each time they are switched in, until they\n"
		       "are switched out (with -O: how long they stay off the CPU), as a\n"
		       "power-of-two histogram, like bcc's cpudist, from the sched_switch\n"
		       "tracepoint alone (no eBPF).",
	.tracing_fn = cpudist_tracing,
	.needs = "sched:sched_switch",
	.opts = cpudist_opts,
	.priv_size = sizeof(struct cpudist),
	.opt = cpudist_opt,
	.setup = cpudist_setup,
	.report = cpudist_report,
};
