// SPDX-License-Identifier: GPL-2.0-only
/* Sample filters, weights, and the aggregation of samples by stack. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/profile/profagg.h"

bool ks_prof_filter_test(const struct ks_prof_filter *f, const struct ks_prof_sample *s)
{
	int i;

	if ((s->offcpu && f->on_cpu) || (!s->offcpu && f->off_cpu))
		return false;
	if (f->npids) {
		for (i = 0; i < f->npids && f->pids[i] != s->pid; i++)
			;
		if (i == f->npids)
			return false;
	}
	if (!f->ncomms)
		return true;
	for (i = 0; i < f->ncomms; i++)
		if (!fnmatch(f->comms[i], s->comm, 0))
			return true;
	return false;
}

uint64_t ks_prof_weight(const struct ks_prof_info *in, const struct ks_prof_sample *s,
			bool in_us)
{
	if (!in_us)
		return 1;
	if (s->offcpu || in->event_clock[s->event])
		return (s->weight + 500) / 1000;
	return in->freq ? 1000000 / in->freq : s->weight;
}

bool ks_prof_weighs_time(const struct ks_prof_info *in)
{
	return in->offcpu_event >= 0;
}

struct ks_profagg {
	bool by_pid;
	uint32_t *head;			/* per stack id: its first entry + 1; 0: none */
	size_t nhead;
	uint32_t *next;			/* per entry: the next one of its stack id + 1 */
	struct ks_prof_sample *smp;	/* one of each */
	uint64_t *weight;
	size_t n, cap;
};

struct ks_profagg *ks_profagg_new(bool by_pid)
{
	struct ks_profagg *g = calloc(1, sizeof(*g));

	if (g)
		g->by_pid = by_pid;
	return g;
}

void ks_profagg_free(struct ks_profagg *g)
{
	if (!g)
		return;
	free(g->head);
	free(g->next);
	free(g->smp);
	free(g->weight);
	free(g);
}

static bool same(const struct ks_profagg *g, const struct ks_prof_sample *x,
		 const struct ks_prof_sample *y)
{
	/* Comms are interned by the reader: equal names, equal pointers. */
	return x->comm == y->comm && x->offcpu == y->offcpu && x->state == y->state &&
	       (!g->by_pid || x->pid == y->pid);
}

static int grow_heads(struct ks_profagg *g, size_t need)
{
	size_t cap = g->nhead ? g->nhead : 1024;
	uint32_t *h;

	while (cap < need)
		cap *= 2;
	h = realloc(g->head, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h + g->nhead, 0, (cap - g->nhead) * sizeof(*h));
	g->head = h;
	g->nhead = cap;
	return 0;
}

static int grow_entries(struct ks_profagg *g)
{
	size_t cap = g->cap ? g->cap * 2 : 1024;
	void *p;

	if (!(p = realloc(g->smp, cap * sizeof(*g->smp))))
		return -ENOMEM;
	g->smp = p;
	if (!(p = realloc(g->weight, cap * sizeof(*g->weight))))
		return -ENOMEM;
	g->weight = p;
	if (!(p = realloc(g->next, cap * sizeof(*g->next))))
		return -ENOMEM;
	g->next = p;
	g->cap = cap;
	return 0;
}

int ks_profagg_add(struct ks_profagg *g, const struct ks_prof_sample *s, uint64_t w)
{
	uint32_t id = s->stack_id, e;

	if (id == KS_PROF_NO_STACK)
		return -EINVAL;
	if (id >= g->nhead && grow_heads(g, (size_t)id + 1))
		return -ENOMEM;
	for (e = g->head[id]; e; e = g->next[e - 1]) {
		if (same(g, &g->smp[e - 1], s)) {
			g->weight[e - 1] += w;
			return 0;
		}
	}
	if (g->n >= UINT32_MAX - 1 || (g->n == g->cap && grow_entries(g)))
		return -ENOMEM;
	g->smp[g->n] = *s;
	g->weight[g->n] = w;
	g->next[g->n] = g->head[id];
	g->head[id] = (uint32_t)++g->n;
	return 0;
}

int ks_profagg_for_each(const struct ks_profagg *g,
			int (*cb)(void *arg, const struct ks_prof_sample *s, uint64_t w), void *arg)
{
	size_t i;
	int ret;

	for (i = 0; i < g->n; i++) {
		if (!g->weight[i])
			continue;
		ret = cb(arg, &g->smp[i], g->weight[i]);
		if (ret)
			return ret;
	}
	return 0;
}

size_t ks_profagg_count(const struct ks_profagg *g)
{
	return g->n;
}
