// SPDX-License-Identifier: GPL-2.0-only
/* Resolved samples as folded stacks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/output/proffold.h"
#include "kscope/output/profout.h"

struct ks_proffold {
	unsigned int flags;
	struct ks_buf names;		/* the frames' names, NUL-separated */
	size_t *offs;			/* where each starts in names */
	const char **frames;
	size_t cap;
};

struct ks_proffold *ks_proffold_new(unsigned int flags)
{
	struct ks_proffold *f = calloc(1, sizeof(*f));

	if (f)
		f->flags = flags;
	return f;
}

void ks_proffold_free(struct ks_proffold *f)
{
	if (!f)
		return;
	ks_buf_free(&f->names);
	free(f->offs);
	free(f->frames);
	free(f);
}

#define NAME_MAX_LEN (KS_PROFOUT_NAME_MAX + 4200 - 1)

/* Room for one more frame. */
static int grow(struct ks_proffold *f, size_t n)
{
	size_t cap = f->cap ? f->cap * 2 : 128;
	const char **nf;
	size_t *no;

	if (n < f->cap)
		return 0;
	no = realloc(f->offs, cap * sizeof(*no));
	if (!no)
		return -ENOMEM;
	f->offs = no;
	nf = realloc(f->frames, cap * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	f->frames = nf;
	f->cap = cap;
	return 0;
}

static int push(struct ks_proffold *f, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int push(struct ks_proffold *f, size_t *n, const char *fmt, ...)
{
	char tmp[NAME_MAX_LEN + 1];
	va_list ap;
	int len;

	if (grow(f, *n))
		return -ENOMEM;
	va_start(ap, fmt);
	len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	f->offs[(*n)++] = f->names.len;
	return ks_buf_add(&f->names, tmp, len + 1);
}

/* push(f, n, "%s%s", a, b) without vsnprintf: it runs for every frame of every sample. */
static int push2(struct ks_proffold *f, size_t *n, const char *a, const char *b)
{
	size_t la = strnlen(a, NAME_MAX_LEN), lb = strnlen(b, NAME_MAX_LEN - la);

	if (grow(f, *n))
		return -ENOMEM;
	f->offs[(*n)++] = f->names.len;
	return ks_buf_add(&f->names, a, la) ?: ks_buf_add(&f->names, b, lb) ?:
		ks_buf_add(&f->names, "", 1);
}

/* The frames of one address, outermost (the real function) first. */
static int push_loc(struct ks_proffold *f, size_t *n, const struct ks_prof_loc *l)
{
	const char *suffix = l->kernel ? "_[k]" : "";
	char buf[KS_PROFOUT_NAME_MAX];
	unsigned int i, last = l->sym.nlines ? l->sym.nlines - 1 : 0;
	int ret = 0;

	for (i = last + 1; i-- > 0 && !ret; ) {
		const char *name = ks_profout_group_name(l, i, buf);
		const struct ks_sym_line *ln = l->sym.nlines ? &l->sym.lines[i] : NULL;
		const char *in = i < last ? "_[i]" : suffix;

		if (i < last && (f->flags & KS_PROFFOLD_NO_INLINE))
			continue;
		if ((f->flags & KS_PROFFOLD_SRCLINE) && ln && ln->file && ln->line) {
			const char *base = strrchr(ln->file, '/');

			ret = push(f, n, "%s (%s:%u)%s", name, base ? base + 1 : ln->file,
				   ln->line, in);
		} else {
			ret = push2(f, n, name, in);
		}
	}
	return ret;
}

/* The leaf of an off-CPU stack: how the thread blocked (no spaces: folded lines split there). */
static const char *state_name(char st)
{
	switch (st) {
	case 'S': return "[off-cpu:S]";
	case 'D': return "[off-cpu:D]";
	case 'R': return "[off-cpu:R]";
	case 'I': return "[off-cpu:I]";
	case 'T': case 't': return "[off-cpu:T]";
	default: return "[off-cpu]";
	}
}

int ks_proffold_add(struct ks_proffold *f, struct ks_stacks *s, const struct ks_prof_sample *smp,
		    uint64_t weight, struct ks_err *err)
{
	size_t n = 0, i;
	int ret;

	f->names.len = 0;
	if (f->flags & KS_PROFFOLD_PID)
		ret = push(f, &n, "%s-%d", smp->comm, smp->pid);
	else
		ret = push(f, &n, "%s", smp->comm);
	for (i = smp->nlocs; i-- > 0 && !ret; )
		ret = push_loc(f, &n, &smp->locs[i]);
	if (!ret && smp->offcpu)
		ret = push2(f, &n, state_name(smp->state), "");
	if (ret)
		return ks_err_set(err, ret, "out of memory");
	for (i = 0; i < n; i++)
		f->frames[i] = f->names.data + f->offs[i];
	return ks_stacks_add(s, f->frames, n, weight, err);
}
