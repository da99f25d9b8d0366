// SPDX-License-Identifier: GPL-2.0-only
/*
 * softirqs: time spent in soft interrupt handlers, or their count, per vector (bcc's
 * softirqs), from irq:softirq_entry/exit paired per CPU (a softirq runs to its end
 * on the CPU that took it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kscope/plugins/plugins.h"

#define SOFTIRQ_VECS 10

static const char *const vec_names[SOFTIRQ_VECS] = {
	"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer",
	"rcu",
};

static const struct ks_opt softirqs_opts[] = {
	{ 'C', "count", NULL, "count softirqs instead of timing them" },
	{ 'N', "nanoseconds", NULL, "times in nanoseconds" },
	{ 'd', "dist", NULL, "a histogram of handler times per vector" },
	{ 0 },
};

struct vec_total {
	uint64_t count, ns;
	struct ks_log2 hist;
};

struct softirqs {
	bool count, nsecs, dist;
	struct { uint64_t ts; int vec; } *cpu;	/* per CPU: the softirq running there, vec -1: none */
	int ncpus;
	struct vec_total vec[SOFTIRQ_VECS + 1];	/* the last: vectors kscope has no name for */
	struct ks_field entry_vec, exit_vec;
};

static int softirqs_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
			struct ks_err *err)
{
	struct softirqs *s = priv;

	switch (key) {
	case 'C':
		s->count = true;
		return 0;
	case 'N':
		s->nsecs = true;
		return 0;
	case 'd':
		s->dist = true;
		return 0;
	}
	return -EINVAL;
}

static void on_entry_event(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct softirqs *s = priv;

	if (e->cpu < 0 || e->cpu >= s->ncpus)
		return;
	s->cpu[e->cpu].ts = e->ts;
	s->cpu[e->cpu].vec = (int)ks_field_u64(&s->entry_vec, e);
}

static void on_exit_event(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct softirqs *s = priv;
	int vec = (int)ks_field_u64(&s->exit_vec, e);
	struct vec_total *t;
	uint64_t ns;

	if (e->cpu < 0 || e->cpu >= s->ncpus || s->cpu[e->cpu].vec != vec)
		return;
	ns = e->ts >= s->cpu[e->cpu].ts ? e->ts - s->cpu[e->cpu].ts : 0;
	s->cpu[e->cpu].vec = -1;
	t = &s->vec[vec >= 0 && vec < SOFTIRQ_VECS ? vec : SOFTIRQ_VECS];
	t->count++;
	t->ns += ns;
	ks_log2_add(&t->hist, s->nsecs ? ns : ns / 1000);
}

static int softirqs_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct softirqs *s = priv;
	struct ks_evtype *entry, *exit_ev;
	int i;

	if (s->count && s->dist)
		return ks_err_set(err, -EINVAL, "-C and -d exclude each other");
	s->ncpus = ks_analysis_ncpus(a);
	s->cpu = calloc((size_t)s->ncpus, sizeof(*s->cpu));
	if (!s->cpu)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < s->ncpus; i++)
		s->cpu[i].vec = -1;
	return ks_analysis_event(a, "irq:softirq_entry", NULL, on_entry_event, &entry, err) ?:
	       ks_analysis_field(a, entry, "vec", &s->entry_vec, err) ?:
	       ks_analysis_event(a, "irq:softirq_exit", NULL, on_exit_event, &exit_ev, err) ?:
	       ks_analysis_field(a, exit_ev, "vec", &s->exit_vec, err);
}

static const char *vec_name(int v)
{
	return v < SOFTIRQ_VECS ? vec_names[v] : "[unknown]";
}

static void softirqs_report(struct ks_analysis *a, void *priv, bool final)
{
	struct softirqs *s = priv;
	const char *unit = s->nsecs ? "nsecs" : "usecs";
	char head[32];
	const struct ks_col cols[] = {
		{ .name = "SOFTIRQ", .type = KS_COL_STR, .width = 16, .left = true },
		{ .name = head, .type = KS_COL_U64, .width = 11 },
	};
	int order[SOFTIRQ_VECS + 1], n = 0, i, j;

	snprintf(head, sizeof(head), "TOTAL_%s", s->count ? "count" : unit);
	/* Ascending by the value printed, as bcc sorts. */
	for (i = 0; i <= SOFTIRQ_VECS; i++) {
		uint64_t v = s->count ? s->vec[i].count : s->vec[i].ns;

		if (!s->vec[i].count)
			continue;
		for (j = n; j > 0; j--) {
			const struct vec_total *p = &s->vec[order[j - 1]];

			if ((s->count ? p->count : p->ns) <= v)
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
		n++;
	}
	if (!s->dist)
		ks_analysis_table(a, cols, 2);
	for (i = 0; i < n; i++) {
		const struct vec_total *t = &s->vec[order[i]];
		union ks_cell c[2] = { { .s = vec_name(order[i]) } };

		if (s->dist) {
			ks_analysis_hist(a, "softirq", vec_name(order[i]), unit, &t->hist);
			continue;
		}
		c[1].u = s->count ? t->count : s->nsecs ? t->ns : t->ns / 1000;
		ks_analysis_row(a, c);
	}
	if (!s->dist)
		ks_analysis_table_end(a);
	if (!final)
		memset(s->vec, 0, sizeof(s->vec));
}

static void softirqs_free(void *priv)
{
	struct softirqs *s = priv;

	free(s->cpu);
}

const struct ks_plugin ks_plugin_softirqs = {
	.name = "softirqs",
	.summary = "time in soft interrupt handlers (or their count) per vector",
	.peer = "bcc softirqs",
	.usage = "[-C | -d] [-N] [-T] [options] [interval [count]] [-- command [args]]",
	.description = "Sum the time spent in softirq handlers per vector (net_rx, timer, rcu,\n"
		       "...; -C: count them; -d: a histogram each), like bcc's softirqs, from the\n"
		       "softirq_entry and softirq_exit tracepoints (no eBPF).",
	.tracing = "Tracing soft irq event time",
	.needs = "irq:softirq_entry, irq:softirq_exit",
	.opts = softirqs_opts,
	.flags = KS_PLUGIN_SYSTEM,
	.priv_size = sizeof(struct softirqs),
	.opt = softirqs_opt,
	.setup = softirqs_setup,
	.report = softirqs_report,
	.free = softirqs_free,
};
