// SPDX-License-Identifier: GPL-2.0-only
/*
 * hardirqs: time spent in hard interrupt handlers, or their count, per interrupt
 * name (bcc's hardirqs), from irq:irq_handler_entry/exit. Entry and exit pair per
 * CPU (a handler runs to its end on the CPU it started on); a handler that says the
 * interrupt was not its own (ret 0, IRQ_NONE, on a shared line) is not counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/plugins/plugins.h"

static const struct ks_opt hardirqs_opts[] = {
	{ 'C', "count", NULL, "count interrupts instead of timing them" },
	{ 'N', "nanoseconds", NULL, "times in nanoseconds" },
	{ 'd', "dist", NULL, "a histogram of handler times per interrupt" },
	{ 0 },
};

struct irq_start {
	uint64_t ts;
	int irq;
	bool busy;
};

struct irq_total {
	uint64_t count, ns;
	struct ks_log2 hist;
	char name[32];
};

struct hardirqs {
	bool count, nsecs, dist;
	struct irq_start *cpu;		/* per CPU: the handler running there */
	int ncpus;
	struct ks_map *irqs;		/* irq number -> struct irq_total */
	struct ks_field entry_irq, entry_name, exit_irq, exit_ret;
};

static int hardirqs_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
			struct ks_err *err)
{
	struct hardirqs *h = priv;

	switch (key) {
	case 'C':
		h->count = true;
		return 0;
	case 'N':
		h->nsecs = true;
		return 0;
	case 'd':
		h->dist = true;
		return 0;
	}
	return -EINVAL;
}

static void on_entry_event(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct hardirqs *h = priv;
	int irq = (int)ks_field_s64(&h->entry_irq, e);
	struct irq_total *t;

	if (e->cpu < 0 || e->cpu >= h->ncpus)
		return;
	h->cpu[e->cpu] = (struct irq_start){ e->ts, irq, true };
	t = ks_map_get(h->irqs, (uint64_t)irq, NULL);
	if (t && !t->name[0])
		snprintf(t->name, sizeof(t->name), "%s", ks_field_str(&h->entry_name, e));
}

static void on_exit_event(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct hardirqs *h = priv;
	int irq = (int)ks_field_s64(&h->exit_irq, e);
	struct irq_start *s;
	struct irq_total *t;
	uint64_t ns;

	if (e->cpu < 0 || e->cpu >= h->ncpus)
		return;
	s = &h->cpu[e->cpu];
	if (!s->busy || s->irq != irq)
		return;
	s->busy = false;
	if (!ks_field_s64(&h->exit_ret, e))
		return;
	t = ks_map_find(h->irqs, (uint64_t)irq);
	if (!t)
		return;
	ns = e->ts >= s->ts ? e->ts - s->ts : 0;
	t->count++;
	t->ns += ns;
	ks_log2_add(&t->hist, h->nsecs ? ns : ns / 1000);
}

static int hardirqs_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct hardirqs *h = priv;
	struct ks_evtype *entry, *exit_ev;

	if (h->count && h->dist)
		return ks_err_set(err, -EINVAL, "-C and -d exclude each other");
	h->ncpus = ks_analysis_ncpus(a);
	h->cpu = calloc((size_t)h->ncpus, sizeof(*h->cpu));
	h->irqs = ks_analysis_map(a, sizeof(struct irq_total));
	if (!h->cpu || !h->irqs)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return ks_analysis_event(a, "irq:irq_handler_entry", NULL, on_entry_event, &entry, err) ?:
	       ks_analysis_field(a, entry, "irq", &h->entry_irq, err) ?:
	       ks_analysis_field(a, entry, "name", &h->entry_name, err) ?:
	       ks_analysis_event(a, "irq:irq_handler_exit", NULL, on_exit_event, &exit_ev, err) ?:
	       ks_analysis_field(a, exit_ev, "irq", &h->exit_irq, err) ?:
	       ks_analysis_field(a, exit_ev, "ret", &h->exit_ret, err);
}

struct irq_list {
	const struct irq_total **v;
	size_t n;
	bool by_count;
};

static int collect(void *arg, uint64_t key, void *value)
{
	struct irq_list *l = arg;
	const struct irq_total *t = value;

	if (t->count)
		l->v[l->n++] = t;
	return 0;
}

/* Ascending by the value printed, as bcc sorts; names break ties. */
static int by_value(const void *x, const void *y, void *arg)
{
	const struct irq_total *a = *(const struct irq_total *const *)x;
	const struct irq_total *b = *(const struct irq_total *const *)y;
	uint64_t va = *(bool *)arg ? a->count : a->ns, vb = *(bool *)arg ? b->count : b->ns;

	return va != vb ? (va > vb) - (va < vb) : strcmp(a->name, b->name);
}

static void hardirqs_report(struct ks_analysis *a, void *priv, bool final)
{
	struct hardirqs *h = priv;
	const char *unit = h->nsecs ? "nsecs" : "usecs";
	char head[32];
	struct ks_col cols[] = {
		{ .name = "HARDIRQ", .type = KS_COL_STR, .width = 26, .left = true },
		{ .name = head, .type = KS_COL_U64, .width = 11 },
	};
	struct irq_list l = { calloc(ks_map_count(h->irqs) + 1, sizeof(void *)), 0, h->count };
	size_t i;

	snprintf(head, sizeof(head), "TOTAL_%s", h->count ? "count" : unit);
	if (l.v) {
		ks_map_for_each(h->irqs, collect, &l);
		qsort_r(l.v, l.n, sizeof(*l.v), by_value, &l.by_count);
	}
	if (!h->dist)
		ks_analysis_table(a, cols, 2);
	for (i = 0; l.v && i < l.n; i++) {
		union ks_cell c[2] = { { .s = l.v[i]->name } };

		if (h->dist) {
			char quoted[40];

			snprintf(quoted, sizeof(quoted), "'%s'", l.v[i]->name);
			ks_analysis_hist(a, "hardirq", quoted, unit, &l.v[i]->hist);
			continue;
		}
		c[1].u = h->count ? l.v[i]->count : h->nsecs ? l.v[i]->ns : l.v[i]->ns / 1000;
		ks_analysis_row(a, c);
	}
	if (!h->dist)
		ks_analysis_table_end(a);
	free(l.v);
	if (!final)
		ks_map_clear(h->irqs);
}

static void hardirqs_free(void *priv)
{
	struct hardirqs *h = priv;

	free(h->cpu);
}

const struct ks_plugin ks_plugin_hardirqs = {
	.name = "hardirqs",
	.summary = "time in hard interrupt handlers (or their count) per interrupt",
	.peer = "bcc hardirqs",
	.usage = "[-C | -d] [-N] [-T] [options] [interval [count]] [-- command [args]]",
	.description = "Sum the time spent in hard interrupt handlers per interrupt name (-C:\n"
		       "count them; -d: a histogram each), like bcc's hardirqs, from the\n"
		       "irq_handler_entry and irq_handler_exit tracepoints (no eBPF). Interrupts\n"
		       "that x86 handles outside these tracepoints (local timer, IPIs) are not\n"
		       "in it, as with bcc.",
	.tracing = "Tracing hard irq event time",
	.needs = "irq:irq_handler_entry, irq:irq_handler_exit",
	.opts = hardirqs_opts,
	.flags = KS_PLUGIN_SYSTEM,
	.priv_size = sizeof(struct hardirqs),
	.opt = hardirqs_opt,
	.setup = hardirqs_setup,
	.report = hardirqs_report,
	.free = hardirqs_free,
};
