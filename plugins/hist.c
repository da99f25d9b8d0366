// SPDX-License-Identifier: GPL-2.0-only
/*
 * hist: a generic aggregation over any tracepoint's fields, what the kernel's hist
 * triggers compute, with one where the kernel takes it and in user space where it does
 * not: events counted per key (up to three fields), fields summed, or a field's values
 * as a log2 or linear histogram per key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/base/parse.h"
#include "kscope/kernel/syscalls.h"
#include "kscope/plugins/plugins.h"

#define HIST_MAX_KEYS 3
#define HIST_MAX_VALS 3
#define HIST_STR_BYTES 64		/* a string key keeps this much of its value */
#define HIST_LINEAR_MAX 10000		/* --linear buckets per histogram */

enum { OPT_LOG2 = 256, OPT_LINEAR, OPT_SORT };

static const struct ks_opt hist_opts[] = {
	{ 'e', "event", "SYSTEM:EVENT", "the tracepoint to aggregate (required)" },
	{ 'k', "keys", "FIELD[,FIELD]", "count per value of these fields (up to 3); NAME.hex, "
	  "NAME.syscall, NAME.execname print it so; comm, pid, cpu are the task's" },
	{ 'v', "values", "FIELD[,FIELD]", "sum these fields per key (up to 3)" },
	{ OPT_LOG2, "log2", NULL, "a power-of-two histogram of the value (one -v) per key" },
	{ OPT_LINEAR, "linear", "STEP", "a linear histogram of the value (one -v), STEP wide" },
	{ 'f', "filter", "FILTER", "only events matching this tracefs filter (the kernel's "
	  "syntax; offline kscope applies it with the kernel's meaning)" },
	{ OPT_SORT, "sort", "key|value", "order rows by key, or by the first value, the "
	  "largest first (default)" },
	{ 'n', "top", "N", "print only the first N rows" },
	{ 0 },
};

enum key_kind { KEY_INT, KEY_STR, KEY_COMM, KEY_PID, KEY_CPU };
enum key_show { SHOW_DEC, SHOW_HEX, SHOW_SYSCALL, SHOW_EXECNAME };

struct hist_key {
	char spec[64];			/* as given: "prev_comm", "id.syscall" */
	char name[64];			/* the field */
	enum key_kind kind;
	enum key_show show;
	struct ks_field f;
	int offset, size;		/* in the packed key */
};

struct hist_val {
	char name[64];
	struct ks_field f;
};

/* One key's totals; a log2 histogram follows when asked for. */
struct hist_entry {
	unsigned char key[HIST_MAX_KEYS * HIST_STR_BYTES];
	uint64_t count;
	int64_t sum[HIST_MAX_VALS];
	struct ks_linear lin;
};

struct hist {
	const char *event, *keys_arg, *vals_arg, *filter;
	bool log2, by_key;
	struct ks_evtype *type;
	uint64_t kernel_dropped;		/* events the kernel's table had no room for */
	uint64_t step;			/* --linear */
	int top;
	struct hist_key keys[HIST_MAX_KEYS];
	int nkeys, key_len;
	struct hist_val vals[HIST_MAX_VALS];
	int nvals;
	const char *arch;		/* .syscall names */
	struct ks_map *entries;		/* hash of the packed key -> struct hist_entry (+ log2) */
	size_t entry_size;
	uint64_t hits;
	uint64_t below, over;		/* values left out of the histograms */
};

static int hist_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		    struct ks_err *err)
{
	struct hist *h = priv;

	switch (key) {
	case 'e':
		h->event = arg;
		return 0;
	case 'k':
		h->keys_arg = arg;
		return 0;
	case 'v':
		h->vals_arg = arg;
		return 0;
	case OPT_LOG2:
		h->log2 = true;
		return 0;
	case OPT_LINEAR:
		if (ks_parse_u64(arg, &h->step) || !h->step)
			return ks_err_set(err, -EINVAL, "bad --linear step '%s'", arg);
		return 0;
	case 'f':
		h->filter = arg;
		return 0;
	case OPT_SORT:
		if (strcmp(arg, "key") && strcmp(arg, "value"))
			return ks_err_set(err, -EINVAL, "bad --sort '%s' (key or value)", arg);
		h->by_key = !strcmp(arg, "key");
		return 0;
	case 'n':
		if (ks_parse_int_range(arg, 1, 1 << 30, &h->top))
			return ks_err_set(err, -EINVAL, "bad -n '%s'", arg);
		return 0;
	}
	return -EINVAL;
}

static struct ks_log2 *entry_log2(struct hist_entry *e)
{
	return (struct ks_log2 *)(e + 1);
}

/* The packed key of record @e: integers as 8 bytes, strings cut to HIST_STR_BYTES. */
static void pack_key(struct ks_analysis *a, struct hist *h, const struct ks_event *e,
		     unsigned char *key)
{
	int i;

	memset(key, 0, (size_t)h->key_len);
	for (i = 0; i < h->nkeys; i++) {
		const struct hist_key *k = &h->keys[i];
		unsigned char *p = key + k->offset;
		uint64_t v = 0;

		switch (k->kind) {
		case KEY_STR:
			strncpy((char *)p, ks_field_str(&k->f, e), HIST_STR_BYTES - 1);
			continue;
		case KEY_COMM:
			strncpy((char *)p, ks_analysis_comm(a, e->pid), HIST_STR_BYTES - 1);
			continue;
		case KEY_INT:
			v = ks_field_u64(&k->f, e);
			break;
		case KEY_PID:
			v = (uint64_t)(int64_t)e->pid;
			break;
		case KEY_CPU:
			v = (uint64_t)e->cpu;
			break;
		}
		memcpy(p, &v, sizeof(v));
	}
}

/* The entry of @key, added if new; equal hashes of different keys probe on. */
static struct hist_entry *entry_of(struct hist *h, const unsigned char *key)
{
	uint64_t hash = ks_hash_mem(key, (size_t)h->key_len);
	struct hist_entry *e;
	bool added;
	int probe;

	for (probe = 0; probe < 8; probe++, hash = ks_hash_u64(hash + 1)) {
		e = ks_map_get(h->entries, hash, &added);
		if (!e)
			return NULL;
		if (added) {
			memcpy(e->key, key, (size_t)h->key_len);
			return e;
		}
		if (!memcmp(e->key, key, (size_t)h->key_len))
			return e;
	}
	return NULL;
}

/* @n values @v of the histogram's field into @e's histogram. */
static void add_value(struct hist *h, struct hist_entry *e, uint64_t v, uint64_t n)
{
	/* A negative value has no power of two nor a bucket from 0: said, not folded in. */
	if (h->vals[0].f.is_signed && (int64_t)v < 0) {
		h->below += n;
	} else if (h->log2) {
		ks_log2_add_n(entry_log2(e), v, n);
	} else if (v / h->step >= HIST_LINEAR_MAX || ks_linear_add(&e->lin, v / h->step, n)) {
		h->over += n;
	}
}

static void on_event(struct ks_analysis *a, void *priv, const struct ks_event *ev)
{
	struct hist *h = priv;
	unsigned char key[sizeof(((struct hist_entry *)0)->key)];
	struct hist_entry *e;
	int i;

	if (!ks_analysis_task_wanted(a, ev->pid))
		return;
	h->hits++;
	pack_key(a, h, ev, key);
	e = entry_of(h, key);
	if (!e)
		return;
	e->count++;
	for (i = 0; i < h->nvals; i++)
		e->sum[i] += ks_field_s64(&h->vals[i].f, ev);
	if (h->log2 || h->step)
		add_value(h, e, ks_field_u64(&h->vals[0].f, ev), 1);
}

/* "a,b,c" into at most @max names of up to 63 bytes. */
static int split_names(const char *arg, char (*out)[64], int max, const char *what,
		       struct ks_err *err)
{
	const char *p = arg;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (!len || len >= 64)
			return ks_err_set(err, -EINVAL, "bad %s '%s'", what, arg);
		if (n == max)
			return ks_err_set(err, -EINVAL, "at most %d %s", max, what);
		snprintf(out[n++], 64, "%.*s", (int)len, p);
		p += len;
		p += *p == ',';
	}
	return n;
}

static int setup_key(struct ks_analysis *a, struct hist *h, struct ks_evtype *t,
		     struct hist_key *k, struct ks_err *err)
{
	static const struct { const char *name; enum key_show show; } shows[] = {
		{ "hex", SHOW_HEX }, { "syscall", SHOW_SYSCALL }, { "execname", SHOW_EXECNAME },
	};
	char *dot = strchr(k->name, '.');
	size_t i;

	if (dot) {
		*dot++ = 0;
		for (i = 0; i < KS_ARRAY_SIZE(shows) && strcmp(dot, shows[i].name); i++)
			;
		if (i == KS_ARRAY_SIZE(shows))
			return ks_err_set(err, -EINVAL, "unknown key modifier '.%s' in '%s' (.hex, "
					  ".syscall or .execname)", dot, k->spec);
		k->show = shows[i].show;
	}
	if (ks_analysis_has_field(a, t, k->name)) {
		int ret = ks_analysis_field(a, t, k->name, &k->f, err);

		if (ret)
			return ret;
		k->kind = k->f.string ? KEY_STR : KEY_INT;
	} else if (!strcmp(k->name, "comm")) {
		k->kind = KEY_COMM;
	} else if (!strcmp(k->name, "pid")) {
		k->kind = KEY_PID;
	} else if (!strcmp(k->name, "cpu")) {
		k->kind = KEY_CPU;
	} else {
		/* Offline without the event, fields are not known: the missing event is said. */
		return ks_analysis_field(a, t, k->name, &k->f, err);
	}
	if (k->show != SHOW_DEC && (k->kind == KEY_STR || k->kind == KEY_COMM))
		return ks_err_set(err, -EINVAL, "'%s': .%s is for numbers, %s is a string",
				  k->spec, dot, k->name);
	k->offset = h->key_len;
	k->size = k->kind == KEY_STR || k->kind == KEY_COMM ? HIST_STR_BYTES : 8;
	h->key_len += k->size;
	return 0;
}

/*
 * The same aggregation as a hist trigger, where the kernel can do it: the keys as they
 * are (the histogram's value as one more key, bucketed here, so that its rows are
 * bcc's; for a per-task run, common_pid last, to keep the tasks asked about). A key
 * the kernel has no name for (the task's name) keeps the events streamed.
 */
static int setup_kernel(struct ks_analysis *a, struct hist *h, struct ks_evtype *t,
			struct ks_err *err)
{
	static const char *const shows[] = {
		[SHOW_DEC] = "", [SHOW_HEX] = ".hex", [SHOW_SYSCALL] = ".syscall",
		[SHOW_EXECNAME] = ".execname",
	};
	char spec[1024];
	int i, n;

	if (ks_analysis_path(a) == KS_PATH_STREAM || ks_analysis_offline(a))
		return 0;
	n = snprintf(spec, sizeof(spec), "keys=");
	for (i = 0; i < h->nkeys; i++) {
		const struct hist_key *k = &h->keys[i];
		const char *name = k->kind == KEY_PID ? "common_pid" : k->kind == KEY_CPU ? "cpu" :
				   k->name;

		if (k->kind == KEY_COMM) {
			if (ks_analysis_path(a) == KS_PATH_KERNEL)
				return ks_err_set(err, -EINVAL, "-k comm: the kernel's hist "
						  "triggers have no task name key (common_pid."
						  "execname keys by pid); use --path stream");
			return 0;
		}
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%s%s%s", i ? "," : "", name,
			      shows[k->show]);
	}
	if (h->log2 || h->step)
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%s%s", h->nkeys ? "," : "",
			      h->vals[0].name);
	else if (!h->nkeys)
		/* A table of one row: every event has the same key. */
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, "common_type");
	if (ks_analysis_per_task(a))
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, ",common_pid");
	n += snprintf(spec + n, sizeof(spec) - (size_t)n, ":vals=hitcount");
	for (i = 0; i < h->nvals && !h->log2 && !h->step; i++)
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, ",%s", h->vals[i].name);
	if (n >= (int)sizeof(spec))
		return ks_err_set(err, -EINVAL, "keys and values too long for a hist trigger");
	return ks_analysis_kernel_hist(a, t, spec, err);
}

static int hist_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct hist *h = priv;
	char names[HIST_MAX_KEYS][64];
	struct ks_evtype *t;
	int i, n, ret;

	if (!h->event)
		return ks_err_set(err, -EINVAL, "which event? -e SYSTEM:EVENT (kscope list -e "
				  "shows them)");
	if ((h->log2 || h->step) && (h->log2 && h->step))
		return ks_err_set(err, -EINVAL, "--log2 and --linear exclude each other");
	h->arch = ks_syscall_arch(ks_analysis_machine(a));
	ret = ks_analysis_event(a, h->event, h->filter, on_event, &t, err);
	if (ret)
		return ret;
	n = h->vals_arg ? split_names(h->vals_arg, names, HIST_MAX_VALS, "values", err) : 0;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		snprintf(h->vals[i].name, sizeof(h->vals[i].name), "%.63s", names[i]);
		ret = ks_analysis_field(a, t, names[i], &h->vals[i].f, err);
		if (ret)
			return ret;
		if (h->vals[i].f.string)
			return ks_err_set(err, -EINVAL, "-v %s: a string has no sum", names[i]);
	}
	h->nvals = n;
	if ((h->log2 || h->step) && h->nvals != 1)
		return ks_err_set(err, -EINVAL, "--log2 and --linear take one value: -v FIELD");
	n = h->keys_arg ? split_names(h->keys_arg, names, HIST_MAX_KEYS, "keys", err) : 0;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct hist_key *k = &h->keys[i];

		snprintf(k->spec, sizeof(k->spec), "%.63s", names[i]);
		snprintf(k->name, sizeof(k->name), "%.63s", names[i]);
		ret = setup_key(a, h, t, k, err);
		if (ret)
			return ret;
	}
	h->nkeys = n;
	h->type = t;
	h->entry_size = sizeof(struct hist_entry) + (h->log2 ? sizeof(struct ks_log2) : 0);
	h->entries = ks_analysis_map(a, h->entry_size);
	if (!h->entries)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return setup_kernel(a, h, t, err);
}

/* --- the report --- */

struct entry_list {
	struct hist_entry **v;
	size_t n;
};

static int collect(void *arg, uint64_t key, void *value)
{
	struct entry_list *l = arg;

	l->v[l->n++] = value;
	return 0;
}

static int64_t key_int(const struct hist_key *k, const struct hist_entry *e)
{
	int64_t v;

	memcpy(&v, e->key + k->offset, sizeof(v));
	return v;
}

static int cmp_keys(const struct hist *h, const struct hist_entry *x, const struct hist_entry *y)
{
	int i, c;

	for (i = 0; i < h->nkeys; i++) {
		const struct hist_key *k = &h->keys[i];

		if (k->size == HIST_STR_BYTES) {
			c = strcmp((const char *)x->key + k->offset,
				   (const char *)y->key + k->offset);
		} else if (k->kind == KEY_INT && !k->f.is_signed) {
			uint64_t a = (uint64_t)key_int(k, x), b = (uint64_t)key_int(k, y);

			c = (a > b) - (a < b);
		} else {
			int64_t a = key_int(k, x), b = key_int(k, y);

			c = (a > b) - (a < b);
		}
		if (c)
			return c;
	}
	return 0;
}

static int by_order(const void *p, const void *q, void *arg)
{
	const struct hist_entry *x = *(const struct hist_entry *const *)p;
	const struct hist_entry *y = *(const struct hist_entry *const *)q;
	const struct hist *sorting = arg;
	int64_t a, b;

	if (sorting->by_key)
		return cmp_keys(sorting, x, y);
	/* Counts, and the sums of unsigned fields, are unsigned. */
	if (!sorting->nvals || !sorting->vals[0].f.is_signed) {
		uint64_t ua = sorting->nvals ? (uint64_t)x->sum[0] : x->count;
		uint64_t ub = sorting->nvals ? (uint64_t)y->sum[0] : y->count;

		if (ua != ub)
			return ua < ub ? 1 : -1;
		return cmp_keys(sorting, x, y);
	}
	a = x->sum[0];
	b = y->sum[0];
	if (a != b)
		return a < b ? 1 : -1;
	return cmp_keys(sorting, x, y);
}

/* Key @i of @e as text, for a column or a section header. */
static const char *key_text(struct ks_analysis *a, const struct hist *h, int i,
			    const struct hist_entry *e, char *buf, size_t size)
{
	const struct hist_key *k = &h->keys[i];
	int64_t v;
	const char *name;

	if (k->size == HIST_STR_BYTES)
		return (const char *)e->key + k->offset;
	v = key_int(k, e);
	switch (k->show) {
	case SHOW_HEX:
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
		return buf;
	case SHOW_SYSCALL:
		name = ks_syscall_name(h->arch, (long)v);
		if (name)
			return name;
		break;
	case SHOW_EXECNAME:
		return ks_analysis_comm(a, (int)v);
	case SHOW_DEC:
		break;
	}
	if (k->kind == KEY_INT && !k->f.is_signed)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else
		snprintf(buf, size, "%lld", (long long)v);
	return buf;
}

static void report_table(struct ks_analysis *a, struct hist *h, struct entry_list *l)
{
	struct ks_col cols[HIST_MAX_KEYS + 1 + HIST_MAX_VALS];
	union ks_cell c[HIST_MAX_KEYS + 1 + HIST_MAX_VALS];
	char bufs[HIST_MAX_KEYS][64];
	size_t r;
	int i, n = 0;

	for (i = 0; i < h->nkeys; i++) {
		const struct hist_key *k = &h->keys[i];
		bool text = k->size == HIST_STR_BYTES || k->show != SHOW_DEC;

		cols[n++] = (struct ks_col){ k->spec, text ? KS_COL_STR :
					     k->kind == KEY_INT && !k->f.is_signed ? KS_COL_U64 :
					     KS_COL_S64, text ? 16 : 12, text, 0 };
	}
	cols[n++] = (struct ks_col){ "count", KS_COL_U64, 10, false, 0 };
	for (i = 0; i < h->nvals; i++)
		cols[n++] = (struct ks_col){ h->vals[i].name, h->vals[i].f.is_signed ? KS_COL_S64 :
					     KS_COL_U64, 14, false, 0 };
	ks_analysis_table(a, cols, n);
	for (r = 0; r < l->n && (!h->top || r < (size_t)h->top); r++) {
		const struct hist_entry *e = l->v[r];

		for (n = 0; n < h->nkeys; n++) {
			if (cols[n].type == KS_COL_STR)
				c[n].s = key_text(a, h, n, e, bufs[n], sizeof(bufs[n]));
			else
				c[n].i = key_int(&h->keys[n], e);
		}
		c[n++].u = e->count;
		for (i = 0; i < h->nvals; i++, n++) {
			if (h->vals[i].f.is_signed)
				c[n].i = e->sum[i];
			else
				c[n].u = (uint64_t)e->sum[i];
		}
		ks_analysis_row(a, c);
	}
	ks_analysis_table_end(a);
}

static void report_hists(struct ks_analysis *a, struct hist *h, struct entry_list *l)
{
	char label[96], names[HIST_MAX_KEYS * 64], values[HIST_MAX_KEYS * 70], buf[64];
	size_t r;
	int i, n, m;

	if (h->step > 1)
		snprintf(label, sizeof(label), "%s/%llu", h->vals[0].name,
			 (unsigned long long)h->step);
	else
		snprintf(label, sizeof(label), "%s", h->vals[0].name);
	for (n = i = 0; i < h->nkeys; i++)
		n += snprintf(names + n, sizeof(names) - (size_t)n, "%s%s", i ? ", " : "",
			      h->keys[i].spec);
	for (r = 0; r < l->n && (!h->top || r < (size_t)h->top); r++) {
		struct hist_entry *e = l->v[r];

		for (m = i = 0; i < h->nkeys; i++)
			m += snprintf(values + m, sizeof(values) - (size_t)m, "%s%s", i ? ", " : "",
				      key_text(a, h, i, e, buf, sizeof(buf)));
		/* A key whose values were all left out has no histogram to show. */
		if (h->log2 ? !entry_log2(e)->count : !e->lin.n)
			continue;
		if (h->log2)
			ks_analysis_hist(a, h->nkeys ? names : NULL, values, label, entry_log2(e));
		else
			ks_analysis_linear(a, h->nkeys ? names : NULL, values, label, &e->lin);
	}
}

struct from_kernel {
	struct ks_analysis *a;
	struct hist *h;
};

/* One entry of the kernel's table, into ours: the same keys, counts and sums. */
static int from_kernel(void *arg, const struct ks_khist_entry *ke)
{
	struct from_kernel *c = arg;
	struct hist *h = c->h;
	unsigned char key[sizeof(((struct hist_entry *)0)->key)];
	int extra = (h->log2 || h->step || !h->nkeys) + ks_analysis_per_task(c->a), i;
	struct hist_entry *e;

	if (ke->nkeys != h->nkeys + extra || ke->nvals < 1 + (h->log2 || h->step ? 0 : h->nvals))
		return -EBADMSG;
	if (ks_analysis_per_task(c->a) &&
	    !ks_analysis_task_wanted(c->a, (int)ke->key[ke->nkeys - 1].num))
		return 0;
	memset(key, 0, (size_t)h->key_len);
	for (i = 0; i < h->nkeys; i++) {
		const struct hist_key *k = &h->keys[i];

		if (k->kind == KEY_STR)
			strncpy((char *)key + k->offset, ke->key[i].text, HIST_STR_BYTES - 1);
		else
			memcpy(key + k->offset, &ke->key[i].num, sizeof(uint64_t));
	}
	e = entry_of(h, key);
	if (!e)
		return 0;
	h->hits += ke->val[0];
	e->count += ke->val[0];
	if (h->log2 || h->step) {
		add_value(h, e, ke->key[h->nkeys].num, ke->val[0]);
		return 0;
	}
	for (i = 0; i < h->nvals; i++)
		e->sum[i] += (int64_t)ke->val[i + 1];
	return 0;
}

/* Free the linear histograms of @m's entries and empty it. */
static int free_lin(void *arg, uint64_t key, void *value)
{
	ks_linear_free(&((struct hist_entry *)value)->lin);
	return 0;
}

static void map_empty(struct ks_map *m)
{
	ks_map_for_each(m, free_lin, NULL);
	ks_map_clear(m);
}

/* The change in the kernel's table since the last report, into h->entries. */
static void read_kernel(struct ks_analysis *a, struct hist *h)
{
	struct from_kernel c = { a, h };
	struct ks_khist_totals tot;
	struct ks_err err;

	if (ks_analysis_kernel_hist_read(a, h->type, from_kernel, &c, &tot, &err))
		ks_analysis_note(a, "The kernel's table could not be read: %s", err.msg);
	h->kernel_dropped = tot.dropped;
}

static void hist_report(struct ks_analysis *a, void *priv, bool final)
{
	struct hist *h = priv;
	struct entry_list l = { NULL, 0 };

	if (ks_analysis_kernel_hist_on(a, h->type))
		read_kernel(a, h);
	l.v = calloc(ks_map_count(h->entries) + 1, sizeof(*l.v));
	if (!l.v)
		return;
	ks_map_for_each(h->entries, collect, &l);
	qsort_r(l.v, l.n, sizeof(*l.v), by_order, h);
	if (h->log2 || h->step)
		report_hists(a, h, &l);
	else
		report_table(a, h, &l);
	ks_analysis_note(a, "Totals: hits %llu, entries %zu%s", (unsigned long long)h->hits, l.n,
			 h->top && l.n > (size_t)h->top ? " (-n: the first shown)" : "");
	if (h->below)
		ks_analysis_note(a, "%llu values below 0 are not in the histograms",
				 (unsigned long long)h->below);
	if (h->over)
		ks_analysis_note(a, "%llu values at or over %llu are not in the histograms (a "
				 "larger --linear step shows them)", (unsigned long long)h->over,
				 (unsigned long long)h->step * HIST_LINEAR_MAX);
	if (h->kernel_dropped)
		ks_analysis_note(a, "%llu events were not counted: the kernel's table was full (a "
				 "larger --max-entries helps)",
				 (unsigned long long)h->kernel_dropped);
	if (!final) {
		map_empty(h->entries);
		h->hits = h->below = h->over = h->kernel_dropped = 0;
	}
	free(l.v);
}

static void hist_free(void *priv)
{
	struct hist *h = priv;
	if (h->entries)
		ks_map_for_each(h->entries, free_lin, NULL);
}

const struct ks_plugin ks_plugin_hist = {
	.name = "hist",
	.summary = "any tracepoint counted per key, its fields summed or as histograms",
	.peer = "hist triggers",
	.usage = "-e SYSTEM:EVENT [-k FIELD[,FIELD]] [-v FIELD[,FIELD]] [--log2 | --linear STEP]\n"
		 "                      [-f FILTER] [--sort key|value] [-n TOP] [options]\n"
		 "                      [interval [count]] [-- command [args]]",
	.description = "Aggregate one tracepoint as the kernel's hist triggers do: events\n"
		       "counted per key of up to three fields, fields summed per key, or one\n"
		       "field's values as a log2 or linear histogram per key; in the kernel\n"
		       "with a hist trigger where it has them, else in user space from the\n"
		       "streamed events, with the same output. With a command, only its\n"
		       "events count.",
	.tracing = "Tracing",
	.needs = "any tracepoint (-e)",
	.flags = KS_PLUGIN_KHIST,
	.opts = hist_opts,
	.priv_size = sizeof(struct hist),
	.opt = hist_opt,
	.setup = hist_setup,
	.report = hist_report,
	.free = hist_free,
};
