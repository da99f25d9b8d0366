// SPDX-License-Identifier: GPL-2.0-only
/* Text of ftrace's function and function_graph events, and per-function graph stats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/tracedat/evftrace.h"
#include "kscope/base/util.h"

#define GRAPH_INDENT 2

struct fstat {
	unsigned long long func;
	unsigned long long count;
	unsigned long long total;
	unsigned long long max;
};

struct ks_ftrace {
	struct tep_handle *tep;
	int fn_id, ent_id, exit_id;
	struct tep_format_field *fn_ip, *fn_parent;
	struct tep_format_field *ent_func, *ent_depth;
	struct tep_format_field *exit_func, *exit_depth, *exit_calltime, *exit_rettime;
	/* --graph-stats: open addressing on the function address */
	struct fstat *stats;
	size_t nstats, cap;
};

static int event_id(struct tep_handle *tep, const char *name, struct tep_event **ev)
{
	*ev = tep_find_event_by_name(tep, "ftrace", name);
	return *ev ? (*ev)->id : -1;
}

struct ks_ftrace *ks_ftrace_new(struct tep_handle *tep)
{
	struct ks_ftrace *f = calloc(1, sizeof(*f));
	struct tep_event *ev;

	if (!f)
		return NULL;
	f->tep = tep;
	f->fn_id = event_id(tep, "function", &ev);
	if (ev) {
		f->fn_ip = tep_find_field(ev, "ip");
		f->fn_parent = tep_find_field(ev, "parent_ip");
	}
	f->ent_id = event_id(tep, "funcgraph_entry", &ev);
	if (ev) {
		f->ent_func = tep_find_field(ev, "func");
		f->ent_depth = tep_find_field(ev, "depth");
	}
	f->exit_id = event_id(tep, "funcgraph_exit", &ev);
	if (ev) {
		f->exit_func = tep_find_field(ev, "func");
		f->exit_depth = tep_find_field(ev, "depth");
		f->exit_calltime = tep_find_field(ev, "calltime");
		f->exit_rettime = tep_find_field(ev, "rettime");
	}
	if (!(f->fn_ip && f->fn_parent) && !(f->ent_func && f->ent_depth) &&
	    !(f->exit_func && f->exit_depth && f->exit_calltime && f->exit_rettime)) {
		free(f);
		return NULL;
	}
	return f;
}

static bool field(struct tep_format_field *fld, struct tep_record *rec, unsigned long long *v)
{
	if (!fld || rec->size < 0 || (long)fld->offset + fld->size > (long)rec->size)
		return false;
	return !tep_read_number_field(fld, rec->data, v);
}

static void put_func(struct ks_ftrace *f, struct trace_seq *s, unsigned long long addr)
{
	const char *name = tep_find_function(f->tep, addr);

	if (name)
		trace_seq_puts(s, name);
	else
		trace_seq_printf(s, "0x%llx", addr);
}

/* Marks for long calls: + over 10 us, ! over 100 us, # over 1 ms, $ over 1 s. */
static void put_overhead(struct trace_seq *s, unsigned long long ns)
{
	const char *mark = ns > 1000000000ULL ? "$ " : ns > 1000000ULL ? "# " :
		ns > 100000ULL ? "! " : ns > 10000ULL ? "+ " : "  ";

	trace_seq_puts(s, mark);
}

/* "12.345 us " padded to a fixed column, then the graph's "|  ". */
static void put_duration(struct trace_seq *s, unsigned long long ns)
{
	char num[48];
	int n = snprintf(num, sizeof(num), "%llu", ns / 1000), i;

	if (n < 7)
		n += snprintf(num + n, sizeof(num) - n, ".%03llu", ns % 1000);
	trace_seq_puts(s, num);
	trace_seq_puts(s, " us ");
	for (i = n; i < 7; i++)
		trace_seq_putc(s, ' ');
	trace_seq_puts(s, "|  ");
}

static void put_indent(struct trace_seq *s, unsigned long long depth)
{
	unsigned long long i;

	for (i = 0; i < depth * GRAPH_INDENT && i < 1024; i++)
		trace_seq_putc(s, ' ');
}

/* The entry's exit, when it is the very next record: same task, same function. */
static struct tep_record *leaf_exit(struct ks_ftrace *f, struct tep_record *rec,
				    unsigned long long func, const struct ks_peek *peek)
{
	struct tep_record *next;
	unsigned long long v;

	if (!peek || !peek->peek || !(next = peek->peek(peek->ctx)))
		return NULL;
	if (tep_data_type(f->tep, next) != f->exit_id ||
	    tep_data_pid(f->tep, next) != tep_data_pid(f->tep, rec) ||
	    !field(f->exit_func, next, &v) || v != func)
		return NULL;
	return next;
}

static bool graph_exit_text(struct ks_ftrace *f, struct tep_record *rec, struct trace_seq *s,
			    bool closing)
{
	unsigned long long call, ret, depth, func;

	if (!field(f->exit_calltime, rec, &call) || !field(f->exit_rettime, rec, &ret) ||
	    !field(f->exit_depth, rec, &depth) || !field(f->exit_func, rec, &func))
		return false;
	put_overhead(s, ret - call);
	put_duration(s, ret - call);
	put_indent(s, depth);
	if (closing) {
		trace_seq_puts(s, "} /* ");
		put_func(f, s, func);
		trace_seq_puts(s, " */");
	}
	return true;
}

bool ks_ftrace_info(struct ks_ftrace *f, struct tep_record *rec, struct trace_seq *s,
		    const struct ks_peek *peek)
{
	unsigned long long a, b;
	struct tep_record *exit_rec;
	int id;

	if (!f)
		return false;
	id = tep_data_type(f->tep, rec);
	if (id == f->fn_id) {
		if (!field(f->fn_ip, rec, &a) || !field(f->fn_parent, rec, &b))
			return false;
		put_func(f, s, a);
		trace_seq_puts(s, " <-- ");
		put_func(f, s, b);
		return true;
	}
	if (id == f->ent_id) {
		if (!field(f->ent_func, rec, &a) || !field(f->ent_depth, rec, &b))
			return false;
		exit_rec = leaf_exit(f, rec, a, peek);
		if (exit_rec && graph_exit_text(f, exit_rec, s, false)) {
			put_func(f, s, a);
			trace_seq_puts(s, "();");
			peek->consume(peek->ctx);
			return true;
		}
		trace_seq_puts(s, "  ");
		trace_seq_puts(s, "           |  ");
		put_indent(s, b);
		put_func(f, s, a);
		trace_seq_puts(s, "() {");
		return true;
	}
	if (id == f->exit_id)
		return graph_exit_text(f, rec, s, true);
	return false;
}

static size_t hash_addr(unsigned long long a, size_t cap)
{
	return (size_t)((a * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static int stats_grow(struct ks_ftrace *f)
{
	size_t cap = f->cap ? f->cap * 2 : 1024, i;
	struct fstat *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < f->cap; i++) {
		size_t h;

		if (!f->stats[i].count)
			continue;
		for (h = hash_addr(f->stats[i].func, cap); n[h].count; h = (h + 1) & (cap - 1))
			;
		n[h] = f->stats[i];
	}
	free(f->stats);
	f->stats = n;
	f->cap = cap;
	return 0;
}

void ks_ftrace_stats_add(struct ks_ftrace *f, struct tep_record *rec)
{
	unsigned long long func, call, ret, d;
	size_t h;

	if (!f || tep_data_type(f->tep, rec) != f->exit_id || !field(f->exit_func, rec, &func) ||
	    !field(f->exit_calltime, rec, &call) || !field(f->exit_rettime, rec, &ret))
		return;
	if ((f->nstats + 1) * 2 > f->cap && stats_grow(f))
		return;
	for (h = hash_addr(func, f->cap); f->stats[h].count && f->stats[h].func != func;
	     h = (h + 1) & (f->cap - 1))
		;
	if (!f->stats[h].count) {
		f->stats[h].func = func;
		f->nstats++;
	}
	d = ret - call;
	f->stats[h].count++;
	f->stats[h].total += d;
	if (d > f->stats[h].max)
		f->stats[h].max = d;
}

static int by_total(const void *a, const void *b)
{
	const struct fstat *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

int ks_ftrace_stats_print(struct ks_ftrace *f, FILE *out)
{
	size_t i, n = 0;

	if (!f || !f->nstats)
		return 0;
	fprintf(out, "%10s %14s %12s %12s  %s\n", "calls", "total_us", "avg_us", "max_us",
		"function");
	for (i = 0; i < f->cap; i++)
		if (f->stats[i].count)
			f->stats[n++] = f->stats[i];
	qsort(f->stats, n, sizeof(*f->stats), by_total);
	for (i = 0; i < n; i++) {
		const struct fstat *st = &f->stats[i];
		const char *name = tep_find_function(f->tep, st->func);

		fprintf(out, "%10llu %14.3f %12.3f %12.3f  ", st->count, st->total / 1000.0,
			st->total / 1000.0 / st->count, st->max / 1000.0);
		if (name)
			fprintf(out, "%s\n", name);
		else
			fprintf(out, "0x%llx\n", st->func);
	}
	/* The table was compacted in place: no more adds after printing. */
	f->nstats = 0;
	memset(f->stats, 0, f->cap * sizeof(*f->stats));
	return (int)n;
}

void ks_ftrace_free(struct ks_ftrace *f)
{
	if (!f)
		return;
	free(f->stats);
	free(f);
}
