// SPDX-License-Identifier: GPL-2.0-only
/* Call stacks summed per key, and their frames' names (see stackagg.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/base/parse.h"
#include "stackagg.h"

int stackagg_init(struct stackagg *g, struct ks_analysis *a, struct ks_err *err)
{
	g->entries = ks_analysis_map(a, sizeof(struct stack_entry));
	return g->entries ? 0 : ks_err_set(err, -ENOMEM, "out of memory");
}

static uint64_t key_hash(const struct stack_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	unsigned int i, j;

	for (i = 0; i < STACK_TASKS; i++) {
		h = ks_hash_u64(h ^ (uint64_t)(uint32_t)k->tid[i]);
		if (k->comm[i])
			h ^= ks_hash_mem(k->comm[i], strlen(k->comm[i]));
	}
	for (i = 0; i < STACK_PARTS; i++) {
		h = ks_hash_u64(h + k->n[i] + i);
		for (j = 0; j < k->n[i]; j++)
			h = ks_hash_u64(h ^ k->part[i][j].addr);
	}
	return h;
}

static bool same_comm(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static bool key_equal(const struct stack_key *x, const struct stack_key *y)
{
	unsigned int i, j;

	for (i = 0; i < STACK_TASKS; i++)
		if (x->tid[i] != y->tid[i] || !same_comm(x->comm[i], y->comm[i]))
			return false;
	for (i = 0; i < STACK_PARTS; i++) {
		if (x->n[i] != y->n[i])
			return false;
		for (j = 0; j < x->n[i]; j++)
			if (x->part[i][j].addr != y->part[i][j].addr)
				return false;
	}
	return true;
}

/* @e takes a copy of @k's frames. */
static int copy_key(struct stack_entry *e, const struct stack_key *k)
{
	unsigned int i, total = 0, at = 0;

	for (i = 0; i < STACK_PARTS; i++)
		total += k->n[i];
	e->locs = malloc((total + 1) * sizeof(*e->locs));
	if (!e->locs)
		return -ENOMEM;
	e->key = *k;
	for (i = 0; i < STACK_PARTS; i++) {
		if (k->n[i])
			memcpy(e->locs + at, k->part[i], k->n[i] * sizeof(*e->locs));
		e->key.part[i] = e->locs + at;
		at += k->n[i];
	}
	return 0;
}

int stackagg_add(struct stackagg *g, const struct stack_key *k, uint64_t v)
{
	uint64_t hash = key_hash(k);
	struct stack_entry *e;
	int probe;
	bool added;

	/* Equal hashes of different keys probe on. */
	for (probe = 0; probe < 8; probe++, hash = ks_hash_u64(hash + 1)) {
		e = ks_map_get(g->entries, hash, &added);
		if (!e)
			return -ENOSPC;
		if (added && copy_key(e, k))
			return -ENOMEM;
		if (added || key_equal(&e->key, k)) {
			e->total += v;
			return 0;
		}
	}
	return -ENOSPC;
}

struct collect {
	struct stack_entry **v;
	size_t n;
};

static int collect(void *arg, uint64_t key, void *value)
{
	struct collect *c = arg;
	struct stack_entry *e = value;

	/* An entry whose frames could not be copied holds nothing. */
	if (e->locs)
		c->v[c->n++] = e;
	return 0;
}

static int by_total(const void *p, const void *q)
{
	const struct stack_entry *x = *(const struct stack_entry *const *)p;
	const struct stack_entry *y = *(const struct stack_entry *const *)q;

	if (x->total != y->total)
		return x->total < y->total ? -1 : 1;
	if (x->key.tid[0] != y->key.tid[0])
		return x->key.tid[0] < y->key.tid[0] ? -1 : 1;
	return (x->key.tid[1] > y->key.tid[1]) - (x->key.tid[1] < y->key.tid[1]);
}

struct stack_entry **stackagg_sorted(struct stackagg *g, size_t *n)
{
	struct collect c = { calloc(ks_map_count(g->entries) + 1, sizeof(*c.v)), 0 };

	*n = 0;
	if (!c.v)
		return NULL;
	ks_map_for_each(g->entries, collect, &c);
	qsort(c.v, c.n, sizeof(*c.v), by_total);
	*n = c.n;
	return c.v;
}

static int free_entry(void *arg, uint64_t key, void *value)
{
	free(((struct stack_entry *)value)->locs);
	return 0;
}

void stackagg_free(struct stackagg *g)
{
	if (g->entries)
		ks_map_for_each(g->entries, free_entry, NULL);
}

void stack_split(const struct ks_prof_sample *s, const struct ks_prof_loc **kernel,
		 unsigned int *nk, const struct ks_prof_loc **user, unsigned int *nu)
{
	unsigned int k = 0;

	while (k < s->nlocs && s->locs[k].kernel)
		k++;
	*kernel = s->locs;
	*nk = k;
	*user = s->locs + k;
	*nu = s->nlocs - k;
}

int stack_names_init(struct stack_names *f)
{
	f->buf = calloc(STACK_MAX_FRAMES, sizeof(*f->buf));
	f->v = calloc(STACK_MAX_FRAMES, sizeof(*f->v));
	f->n = 0;
	return f->buf && f->v ? 0 : -ENOMEM;
}

void stack_names_free(struct stack_names *f)
{
	free(f->buf);
	free(f->v);
}

void stack_names_reset(struct stack_names *f)
{
	f->n = 0;
}

/* The real function of @l (the symbol table's, not an inlined one), as asked. */
static const char *name_of(struct stack_names *f, const struct ks_prof_loc *l, char *buf)
{
	char tmp[KS_PROFOUT_NAME_MAX];
	unsigned int last = l->sym.nlines ? l->sym.nlines - 1 : 0;
	const char *name = ks_profout_name(l, last, tmp);

	if (f->offsets && l->sym.nlines)
		snprintf(buf, KS_PROFOUT_NAME_MAX, "%.290s+0x%llx", name,
			 (unsigned long long)l->sym.offset);
	else
		snprintf(buf, KS_PROFOUT_NAME_MAX, "%.300s", name);
	if (f->addresses) {
		memcpy(tmp, buf, KS_PROFOUT_NAME_MAX);
		snprintf(buf, KS_PROFOUT_NAME_MAX, "%016llx %.290s", (unsigned long long)l->addr,
			 tmp);
	}
	return buf;
}

const char *const *stack_names(struct stack_names *f, const struct ks_prof_loc *l,
			       unsigned int n, bool reverse, unsigned int *count)
{
	unsigned int start = f->n, i;

	for (i = 0; i < n && f->n < STACK_MAX_FRAMES; i++) {
		const struct ks_prof_loc *loc = &l[reverse ? n - 1 - i : i];

		/* A run of addresses in no mapping (a frame-pointer walk gone astray) is one. */
		if (!loc->map && !loc->sym.nlines && f->n > start && !strcmp(f->v[f->n - 1],
									   "[unknown]"))
			continue;
		f->v[f->n] = name_of(f, loc, f->buf[f->n]);
		f->n++;
	}
	*count = f->n - start;
	return f->v + start;
}

int stack_opts_parse(struct stack_opts *o, int key, const char *arg, struct ks_err *err)
{
	switch (key) {
	case 't':
		if (ks_parse_int_range(arg, 1, 1 << 30, &o->tid))
			return ks_err_set(err, -EINVAL, "bad thread id '%s'", arg);
		return 0;
	case 'u':
		o->user_threads = true;
		return 0;
	case 'k':
		o->kernel_threads = true;
		return 0;
	case 'U':
		o->user_stacks = true;
		return 0;
	case 'K':
		o->kernel_stacks = true;
		return 0;
	case 'd':
		o->delimited = true;
		return 0;
	case 'f':
		o->folded = true;
		return 0;
	case 'm':
	case 'M':
		if (ks_parse_u64(arg, key == 'm' ? &o->min_us : &o->max_us))
			return ks_err_set(err, -EINVAL, "bad -%c '%s' (microseconds)", key, arg);
		return 0;
	}
	return 1;
}

int stack_opts_check(struct stack_opts *o, struct ks_analysis *a, const char *exclusive,
		     struct ks_err *err)
{
	const int *pids;

	if (!o->max_us)
		o->max_us = UINT64_MAX;
	if (!o->min_us)
		o->min_us = 1;
	if (o->min_us > o->max_us)
		return ks_err_set(err, -EINVAL, "-m %llu is over -M %llu",
				  (unsigned long long)o->min_us, (unsigned long long)o->max_us);
	if ((o->tid != 0) + o->user_threads + o->kernel_threads +
	    (ks_analysis_pids(a, &pids) > 0) > 1)
		return ks_err_set(err, -EINVAL, "%s exclude each other", exclusive);
	if (o->user_stacks && o->kernel_stacks)
		return ks_err_set(err, -EINVAL, "-U and -K exclude each other");
	if (o->folded && ks_analysis_json(a))
		return ks_err_set(err, -EINVAL, "-f and --json exclude each other (JSON has the "
				  "stacks as lists)");
	return 0;
}

bool stack_opts_wanted(const struct stack_opts *o, const struct ks_prof_sample *s,
		       unsigned int nuser, uint64_t us)
{
	if (us < o->min_us || us > o->max_us || (o->tid && s->tid != o->tid))
		return false;
	return !(o->user_threads && !nuser) && !(o->kernel_threads && nuser);
}

void stack_opts_trim(const struct stack_opts *o, struct stack_key *k)
{
	if (o->user_stacks)
		k->n[0] = k->n[2] = 0;
	if (o->kernel_stacks)
		k->n[1] = k->n[3] = 0;
}

void stackagg_print(struct ks_analysis *a, struct stackagg *g, struct stack_names *nm,
		    enum ks_stack_layout layout, const struct stack_opts *o)
{
	size_t n, r;
	struct stack_entry **v = stackagg_sorted(g, &n);
	bool addresses = nm->addresses;

	if (!v)
		return;
	/* Addresses are for reading: folded frames and JSON names stay names. */
	nm->addresses = addresses && !o->folded && !ks_analysis_json(a);
	for (r = 0; r < n; r++) {
		const struct stack_key *k = &v[r]->key;
		struct ks_stack_out out = {
			.layout = layout, .comm = k->comm[0], .pid = k->tid[0],
			.waker = k->comm[1], .waker_pid = k->tid[1], .delimit = o->delimited,
			.folded = o->folded, .value = v[r]->total,
		};

		stack_names_reset(nm);
		if (layout == KS_STACK_WAKER) {
			out.waker_kernel = stack_names(nm, k->part[0], k->n[0], false,
						       &out.nwaker_kernel);
			out.waker_user = stack_names(nm, k->part[1], k->n[1], false,
						     &out.nwaker_user);
		} else {
			out.kernel = stack_names(nm, k->part[0], k->n[0], false, &out.nkernel);
			out.user = stack_names(nm, k->part[1], k->n[1], false, &out.nuser);
			out.waker_kernel = stack_names(nm, k->part[2], k->n[2], false,
						       &out.nwaker_kernel);
			out.waker_user = stack_names(nm, k->part[3], k->n[3], false,
						     &out.nwaker_user);
		}
		ks_analysis_stack(a, &out);
	}
	nm->addresses = addresses;
	free(v);
}
