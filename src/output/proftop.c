// SPDX-License-Identifier: GPL-2.0-only
/* The hottest functions of a profile, self and total. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/intern.h"
#include "kscope/output/profout.h"
#include "kscope/output/proftop.h"

struct ks_proftop {
	struct ks_intern *keys;		/* "object\0func" -> row */
	struct ks_proftop_row *rows;
	uint64_t *seen;			/* the last sample that counted a row's total */
	size_t nrows, cap;
	uint64_t nsamples, total;
	char **names;			/* strings the rows point to */
	struct ks_proftop_row *sorted;
	/* per stack id (the reader's): the rows of its frames, found once */
	size_t *stack_at;		/* offset in pool + 1; 0: not seen yet */
	size_t nstack_at;
	uint32_t *pool;
	size_t pool_len, pool_cap;
};

struct ks_proftop *ks_proftop_new(void)
{
	struct ks_proftop *t = calloc(1, sizeof(*t));

	if (t && !(t->keys = ks_intern_new())) {
		free(t);
		t = NULL;
	}
	return t;
}

void ks_proftop_free(struct ks_proftop *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows; i++)
		free(t->names[i]);
	free(t->names);
	free(t->rows);
	free(t->seen);
	free(t->sorted);
	free(t->stack_at);
	free(t->pool);
	ks_intern_free(t->keys);
	free(t);
}

static const char *object_name(const struct ks_prof_loc *l)
{
	const char *base;

	if (!l->map)
		return "[unknown]";
	if (l->map->kernel)
		return l->map->path;
	base = strrchr(l->map->path, '/');
	return base ? base + 1 : l->map->path;
}

static long row_of(struct ks_proftop *t, const struct ks_prof_loc *l)
{
	char name[KS_PROFOUT_NAME_MAX], key[KS_PROFOUT_NAME_MAX + 4200];
	const char *func = ks_profout_group_name(l, l->sym.nlines ? l->sym.nlines - 1 : 0, name);
	const char *obj = object_name(l);
	size_t olen = strlen(obj), flen = strlen(func);
	uint32_t id;
	int ret;

	if (olen + flen + 2 > sizeof(key))
		flen = sizeof(key) - olen - 2;
	memcpy(key, obj, olen + 1);
	memcpy(key + olen + 1, func, flen);
	ret = ks_intern_add(t->keys, key, olen + 1 + flen, &id);
	if (ret < 0)
		return ret;
	if (ret) {
		if (t->nrows == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			struct ks_proftop_row *nr = realloc(t->rows, cap * sizeof(*nr));
			uint64_t *ns;
			char **nn;

			if (!nr)
				return -ENOMEM;
			t->rows = nr;
			ns = realloc(t->seen, cap * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			t->seen = ns;
			nn = realloc(t->names, cap * sizeof(*nn));
			if (!nn)
				return -ENOMEM;
			t->names = nn;
			t->cap = cap;
		}
		t->names[id] = malloc(olen + flen + 2);
		if (!t->names[id])
			return -ENOMEM;
		memcpy(t->names[id], key, olen + 1 + flen);
		t->names[id][olen + 1 + flen] = '\0';
		memset(&t->rows[id], 0, sizeof(t->rows[id]));
		t->rows[id].object = t->names[id];
		t->rows[id].func = t->names[id] + olen + 1;
		t->rows[id].kernel = l->kernel;
		t->seen[id] = 0;
		t->nrows++;
	}
	return id;
}

/* The rows of a cached stack's frames, looked up on its first sample only. */
static int stack_rows(struct ks_proftop *t, const struct ks_prof_sample *s, const uint32_t **out)
{
	uint32_t id = s->stack_id;
	unsigned int i;
	long r;

	if (id >= t->nstack_at &&
	    ks_profout_grow(&t->stack_at, &t->nstack_at, (size_t)id + 1, sizeof(*t->stack_at)))
		return -ENOMEM;
	if (!t->stack_at[id]) {
		if (ks_profout_grow(&t->pool, &t->pool_cap, t->pool_len + s->nlocs + 1,
				    sizeof(*t->pool)))
			return -ENOMEM;
		for (i = 0; i < s->nlocs; i++) {
			r = row_of(t, &s->locs[i]);
			if (r < 0)
				return (int)r;
			t->pool[t->pool_len + i] = (uint32_t)r;
		}
		t->stack_at[id] = t->pool_len + 1;
		t->pool_len += s->nlocs;
	}
	*out = t->pool + t->stack_at[id] - 1;
	return 0;
}

int ks_proftop_add(struct ks_proftop *t, const struct ks_prof_sample *s, uint64_t weight)
{
	const uint32_t *rows = NULL;
	unsigned int i;
	long r;
	int ret;

	if (s->stack_id != KS_PROF_NO_STACK && (ret = stack_rows(t, s, &rows)))
		return ret;
	t->nsamples++;
	t->total += weight;
	for (i = 0; i < s->nlocs; i++) {
		r = rows ? (long)rows[i] : row_of(t, &s->locs[i]);
		if (r < 0)
			return (int)r;
		if (!i) {
			t->rows[r].self += weight;
			t->rows[r].samples++;
		}
		if (t->seen[r] != t->nsamples) {
			t->seen[r] = t->nsamples;
			t->rows[r].total += weight;
		}
	}
	return 0;
}

uint64_t ks_proftop_total(const struct ks_proftop *t)
{
	return t->total;
}

static int cmp_self(const void *a, const void *b)
{
	const struct ks_proftop_row *x = a, *y = b;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->func, y->func) ?: strcmp(x->object, y->object);
}

static int cmp_total(const void *a, const void *b)
{
	const struct ks_proftop_row *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return cmp_self(a, b);
}

const struct ks_proftop_row *ks_proftop_rows(struct ks_proftop *t, bool by_total, size_t *n)
{
	free(t->sorted);
	t->sorted = malloc((t->nrows ? t->nrows : 1) * sizeof(*t->sorted));
	*n = 0;
	if (!t->sorted)
		return NULL;
	memcpy(t->sorted, t->rows, t->nrows * sizeof(*t->sorted));
	qsort(t->sorted, t->nrows, sizeof(*t->sorted), by_total ? cmp_total : cmp_self);
	*n = t->nrows;
	return t->sorted;
}
