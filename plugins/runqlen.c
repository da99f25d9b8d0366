// SPDX-License-Identifier: GPL-2.0-only
/*
 * runqlen: how many tasks wait on each CPU's run queue, sampled 99 times a second
 * (bcc's runqlen). No tracepoint gives a run queue's length, and bcc reads it from
 * the scheduler's structures with eBPF; here the queues are rebuilt from the
 * scheduler's events instead: a task joins a CPU's queue when it is woken for it or
 * switched out still runnable, moves with sched_migrate_task, and leaves when it is
 * switched in. The length is then sampled at every 1/99 s of trace time. A waiting
 * task the trace never showed arriving (it was queued before tracing began) is not
 * counted, so the first samples may be short; lengths never go below zero.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/plugins/plugins.h"

#define SAMPLE_NS (1000000000ull / 99)

static const struct ks_opt runqlen_opts[] = {
	{ 'C', "cpus", NULL, "a histogram per CPU" },
	{ 'O', "runqocc", NULL, "the run queue occupancy: how often any task waits" },
	{ 0 },
};

/* Where a task is: waiting on a CPU's queue, or running on a CPU. */
struct task_place {
	int cpu;
	bool running;
};

struct runqlen {
	bool per_cpu, occupancy;
	int ncpus;
	struct ks_map *tasks;		/* tid -> struct task_place, while queued or running */
	int64_t *len;			/* per CPU: tasks waiting there now */
	int *curr;			/* per CPU: the task running there (0 idle, -1 not known) */
	uint64_t next_sample;		/* trace time of the next sample (0: no event yet) */
	struct ks_linear *hist;		/* per CPU: samples of each length */
	struct ks_field wakeup_pid, wakeup_cpu, new_pid, new_cpu;
	struct ks_field prev_pid, prev_state, next_pid;
	struct ks_field mig_pid, mig_orig, mig_dest;
};

static int runqlen_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		       struct ks_err *err)
{
	struct runqlen *r = priv;

	switch (key) {
	case 'C':
		r->per_cpu = true;
		return 0;
	case 'O':
		r->occupancy = true;
		return 0;
	}
	return -EINVAL;
}

/*
 * The samples due up to @ts, all taken with the lengths as they were until then; the
 * first one period after the analysis began.
 */
static void sample_until(struct ks_analysis *a, struct runqlen *r, uint64_t ts)
{
	uint64_t n;
	int c;

	if (!r->next_sample)
		r->next_sample = ks_analysis_start(a) + SAMPLE_NS;
	if (ts < r->next_sample)
		return;
	n = (ts - r->next_sample) / SAMPLE_NS + 1;
	for (c = 0; c < r->ncpus; c++)
		ks_linear_add(&r->hist[c], (uint64_t)(r->len[c] > 0 ? r->len[c] : 0), n);
	r->next_sample += n * SAMPLE_NS;
}

static bool cpu_ok(const struct runqlen *r, int cpu)
{
	return cpu >= 0 && cpu < r->ncpus;
}

static void leave_queue(struct runqlen *r, struct task_place *t)
{
	if (!t->running && cpu_ok(r, t->cpu) && r->len[t->cpu] > 0)
		r->len[t->cpu]--;
}

/*
 * @tid waits on @cpu's queue now (unless it is running: a wakeup of a running task).
 * Woken for an idle CPU, it runs there at once: it is counted as running from the
 * wakeup, which also holds on kernels that trace no switch away from the idle task
 * on some CPUs (it would otherwise seem to wait until it sleeps again).
 */
static void enqueue(struct runqlen *r, int tid, int cpu, bool preempted)
{
	bool added;
	struct task_place *t;

	if (tid <= 0 || !cpu_ok(r, cpu))
		return;
	t = ks_map_get(r->tasks, (uint64_t)tid, &added);
	if (!t)
		return;
	if (!added) {
		if (t->running && !preempted)
			return;
		if (!t->running && t->cpu == cpu)
			return;
		leave_queue(r, t);
	}
	t->cpu = cpu;
	t->running = !preempted && r->curr[cpu] == 0;
	if (t->running)
		r->curr[cpu] = tid;
	else
		r->len[cpu]++;
}

static void on_wakeup(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlen *r = priv;

	sample_until(a, r, e->ts);
	enqueue(r, (int)ks_field_s64(&r->wakeup_pid, e), (int)ks_field_s64(&r->wakeup_cpu, e),
		false);
}

static void on_wakeup_new(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlen *r = priv;

	sample_until(a, r, e->ts);
	enqueue(r, (int)ks_field_s64(&r->new_pid, e), (int)ks_field_s64(&r->new_cpu, e), false);
}

static void on_switch(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlen *r = priv;
	int prev = (int)ks_field_s64(&r->prev_pid, e), next = (int)ks_field_s64(&r->next_pid, e);
	struct task_place *t;
	bool added;

	sample_until(a, r, e->ts);
	if (cpu_ok(r, e->cpu))
		r->curr[e->cpu] = next;
	if (prev > 0) {
		/* Still runnable (no sleep state bit, or preempted): it waits here again. */
		if (!(ks_field_u64(&r->prev_state, e) & 0xff)) {
			enqueue(r, prev, e->cpu, true);
		} else {
			t = ks_map_find(r->tasks, (uint64_t)prev);
			if (t)
				leave_queue(r, t);
			ks_map_delete(r->tasks, (uint64_t)prev);
		}
	}
	if (next <= 0 || !cpu_ok(r, e->cpu))
		return;
	t = ks_map_get(r->tasks, (uint64_t)next, &added);
	if (!t)
		return;
	if (!added)
		leave_queue(r, t);
	t->cpu = e->cpu;
	t->running = true;
}

static void on_migrate(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct runqlen *r = priv;
	struct task_place *t = ks_map_find(r->tasks, (uint64_t)ks_field_s64(&r->mig_pid, e));
	int dest = (int)ks_field_s64(&r->mig_dest, e);

	sample_until(a, r, e->ts);
	/* A waiting task moves queues; one that is woken for the new CPU comes by wakeup. */
	if (!t || t->running || !cpu_ok(r, dest) || t->cpu == dest)
		return;
	leave_queue(r, t);
	t->cpu = dest;
	r->len[dest]++;
}

static int runqlen_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct runqlen *r = priv;
	struct ks_evtype *wakeup, *wakeup_new, *sw, *mig;
	int ret;

	r->ncpus = ks_analysis_ncpus(a);
	r->len = calloc((size_t)r->ncpus, sizeof(*r->len));
	r->curr = malloc((size_t)r->ncpus * sizeof(*r->curr));
	if (r->curr)
		memset(r->curr, 0xff, (size_t)r->ncpus * sizeof(*r->curr));
	r->hist = calloc((size_t)r->ncpus, sizeof(*r->hist));
	r->tasks = ks_analysis_map(a, sizeof(struct task_place));
	if (!r->len || !r->curr || !r->hist || !r->tasks)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = ks_analysis_event(a, "sched:sched_wakeup", NULL, on_wakeup, &wakeup, err) ?:
	      ks_analysis_field(a, wakeup, "pid", &r->wakeup_pid, err) ?:
	      ks_analysis_field(a, wakeup, "target_cpu", &r->wakeup_cpu, err) ?:
	      ks_analysis_event_optional(a, "sched:sched_wakeup_new", NULL, on_wakeup_new,
					 &wakeup_new, err);
	if (!ret && wakeup_new)
		ret = ks_analysis_field(a, wakeup_new, "pid", &r->new_pid, err) ?:
		      ks_analysis_field(a, wakeup_new, "target_cpu", &r->new_cpu, err);
	if (!ret)
		ret = ks_analysis_event(a, "sched:sched_switch", NULL, on_switch, &sw, err) ?:
		      ks_analysis_field(a, sw, "prev_pid", &r->prev_pid, err) ?:
		      ks_analysis_field(a, sw, "prev_state", &r->prev_state, err) ?:
		      ks_analysis_field(a, sw, "next_pid", &r->next_pid, err) ?:
		      ks_analysis_event_optional(a, "sched:sched_migrate_task", NULL, on_migrate,
						 &mig, err);
	if (!ret && mig)
		ret = ks_analysis_field(a, mig, "pid", &r->mig_pid, err) ?:
		      ks_analysis_field(a, mig, "orig_cpu", &r->mig_orig, err) ?:
		      ks_analysis_field(a, mig, "dest_cpu", &r->mig_dest, err);
	return ret;
}

/* Samples and samples with a task waiting, on @cpu or (-1) all CPUs. */
static void occupancy(const struct runqlen *r, int cpu, uint64_t *all, uint64_t *busy)
{
	int c;
	size_t v;

	*all = *busy = 0;
	for (c = 0; c < r->ncpus; c++) {
		if (cpu >= 0 && c != cpu)
			continue;
		for (v = 0; v < r->hist[c].n; v++) {
			*all += r->hist[c].counts[v];
			if (v)
				*busy += r->hist[c].counts[v];
		}
	}
}

static double percent(uint64_t part, uint64_t all)
{
	return all ? 100.0 * (double)part / (double)all : 0;
}

static void runqlen_report(struct ks_analysis *a, void *priv, bool final)
{
	struct runqlen *r = priv;
	struct ks_linear sum = { 0 };
	uint64_t all, busy;
	char cpu[16];
	size_t v;
	int c;

	sample_until(a, r, ks_analysis_now(a));
	if (r->occupancy && r->per_cpu) {
		for (c = 0; c < r->ncpus; c++) {
			occupancy(r, c, &all, &busy);
			ks_analysis_note(a, "runqocc, CPU %-3d %6.2f%%", c, percent(busy, all));
		}
	} else if (r->occupancy) {
		occupancy(r, -1, &all, &busy);
		ks_analysis_note(a, "runqocc: %0.2f%%", percent(busy, all));
	} else if (r->per_cpu) {
		for (c = 0; c < r->ncpus; c++) {
			if (!r->hist[c].n)
				continue;
			snprintf(cpu, sizeof(cpu), "%d", c);
			ks_analysis_linear(a, "cpu", cpu, "runqlen", &r->hist[c]);
		}
	} else {
		for (c = 0; c < r->ncpus; c++)
			for (v = 0; v < r->hist[c].n; v++)
				if (r->hist[c].counts[v])
					ks_linear_add(&sum, v, r->hist[c].counts[v]);
		ks_analysis_linear(a, NULL, NULL, "runqlen", &sum);
		ks_linear_free(&sum);
	}
	if (!final)
		for (c = 0; c < r->ncpus; c++)
			ks_linear_free(&r->hist[c]);
}

static void runqlen_free(void *priv)
{
	struct runqlen *r = priv;
	int c;

	for (c = 0; r->hist && c < r->ncpus; c++)
		ks_linear_free(&r->hist[c]);
	free(r->hist);
	free(r->len);
	free(r->curr);
}

const struct ks_plugin ks_plugin_runqlen = {
	.name = "runqlen",
	.summary = "run queue length: how many tasks wait for each CPU, sampled at 99 Hz",
	.peer = "bcc runqlen",
	.usage = "[-C] [-O] [options] [interval [count]] [-- command [args]]",
	.description = "Sample how many tasks wait on the CPUs' run queues, 99 times a second of\n"
		       "trace time, as a linear histogram, like bcc's runqlen (-O: the share of\n"
		       "samples with a task waiting). No eBPF: the queues are rebuilt from the\n"
		       "sched_wakeup, sched_switch and sched_migrate_task tracepoints. -C here\n"
		       "means a histogram per CPU.",
	.tracing = "Sampling run queue length",
	.needs = "sched:sched_wakeup, sched:sched_switch",
	.opts = runqlen_opts,
	.flags = KS_PLUGIN_SYSTEM,
	.priv_size = sizeof(struct runqlen),
	.opt = runqlen_opt,
	.setup = runqlen_setup,
	.report = runqlen_report,
	.free = runqlen_free,
};
