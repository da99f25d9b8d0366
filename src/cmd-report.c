// SPDX-License-Identifier: GPL-2.0-only
/* kscope report: decode a trace.dat into one line per event, or a summary (--stat). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/output/evprint.h"
#include "kscope/output/proftop.h"
#include "kscope/profile/profagg.h"
#include "kscope/tracedat/evfilter.h"
#include "kscope/tracedat/tdatstat.h"
#include "kscope/tracedat/tracedat.h"

enum { OPT_CPU = 256, OPT_EVENTS, OPT_COMM, OPT_PID, OPT_STAT, OPT_NO_PROGRESS, OPT_GRAPH_STATS,
       OPT_PROFILE, OPT_SORT, OPT_SYMFS, OPT_NO_DEMANGLE };

static const struct ks_opt report_opts[] = {
	{ 'i', "input", "FILE", "trace.dat to read (default trace.dat, with --profile "
	  "profile.dat); v6 or v7, kscope's or trace-cmd's" },
	{ OPT_CPU, "cpu", "N[,N]", "only events of these CPUs" },
	{ OPT_EVENTS, "events", "EV[,EV]", "only these events: sys:event, sys, event, globs" },
	{ OPT_COMM, "comm", "GLOB", "only events of tasks whose name matches" },
	{ OPT_PID, "pid", "N[,N]", "only events of these pids" },
	{ OPT_STAT, "stat", NULL, "print a summary (counts per event and CPU, lost events) instead" },
	{ OPT_GRAPH_STATS, "graph-stats", NULL, "function_graph: calls, total, average, max time per function" },
	{ OPT_PROFILE, "profile", NULL, "a kscope profile: the hottest functions, self and total" },
	{ OPT_SORT, "sort", "self|total", "--profile: order by self (default) or total" },
	{ OPT_SYMFS, "symfs", "DIR", "--profile: binaries and debuginfo under DIR" },
	{ OPT_NO_DEMANGLE, "no-demangle", NULL, "--profile: C++ names as the symbol table has "
	  "them" },
	{ OPT_NO_PROGRESS, "no-progress", NULL, "no progress line on stderr" },
	{ 0 },
};

static const struct ks_cmd_help report_help = {
	.name = "report",
	.usage = "[-i FILE | FILE] [--cpu N] [--events EV,...] [--comm X] [--pid N]\n"
		 "                     [--stat | --graph-stats | --profile [--sort total]]",
	.summary = "Decode a trace.dat with libtraceevent and print one line per event, like\n"
		   "trace-cmd report: comm-pid [cpu] timestamp: event: fields. Sub-buffers that\n"
		   "lost events show \"CPU:N [M EVENTS DROPPED]\". With --profile, a table of\n"
		   "a kscope profile's hottest functions, like perf report --stdio without\n"
		   "the call tree.",
	.opts = report_opts,
	.operands_anywhere = 1,
};

struct report_ctx {
	const char *input;
	bool input_given;
	uint64_t cpu_mask[128];		/* 8192 CPUs */
	bool cpu_filter;
	char **events;
	int nevents;
	const char *comm;
	int *pids;
	int npids;
	const char *pid_arg;		/* --pid as given (the last one), for messages */
	bool stat;
	bool graph_stats;
	bool profile;
	bool by_total;
	bool sort_given;
	const char *symfs;
	bool no_demangle;
	bool progress;
	struct ks_tdat *t;
	struct ks_evfilter *filter;
	uint64_t total;			/* bytes of event data, for progress */
	struct ks_err err;
};

/* --events: repeated options add up, like --cpu. */
static int add_events(struct report_ctx *c, const char *arg)
{
	int n, k;
	char **more = ks_split(arg, ',', &n), **all;

	all = more ? realloc(c->events, (size_t)(c->nevents + n) * sizeof(*all)) : NULL;
	if (!all) {
		free(more);
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	}
	c->events = all;
	for (k = 0; k < n; k++)
		c->events[c->nevents++] = strdup(more[k]);
	free(more);
	return 0;
}

static int add_cpus(struct report_ctx *c, const char *arg)
{
	int *cpus = NULL, n = 0, i, ret;

	ret = ks_parse_int_list(arg, 0, 8191, &cpus, &n);
	if (ret)
		ks_err_set(&c->err, ret, "bad --cpu '%s' (CPU numbers, comma separated)", arg);
	for (i = 0; !ret && i < n; i++)
		c->cpu_mask[cpus[i] / 64] |= 1ull << (cpus[i] % 64);
	c->cpu_filter |= !ret;
	free(cpus);
	return ret;
}

static int report_opt(void *ctx, int opt, const char *arg)
{
	struct report_ctx *c = ctx;
	int ret;

	switch (opt) {
	case 'i':
		c->input = arg;
		c->input_given = true;
		return 0;
	case OPT_CPU:
		return add_cpus(c, arg);
	case OPT_EVENTS:
		return add_events(c, arg);
	case OPT_COMM:
		c->comm = arg;
		return 0;
	case OPT_PID:
		c->pid_arg = arg;
		ret = ks_parse_int_list(arg, 0, 1 << 30, &c->pids, &c->npids);
		return ret ? ks_err_set(&c->err, ret, "bad --pid '%s'", arg) : 0;
	case OPT_STAT:
		c->stat = true;
		return 0;
	case OPT_GRAPH_STATS:
		c->graph_stats = true;
		return 0;
	case OPT_NO_PROGRESS:
		c->progress = false;
		return 0;
	case OPT_PROFILE:
		c->profile = true;
		return 0;
	case OPT_SORT:
		if (strcmp(arg, "self") && strcmp(arg, "total"))
			return ks_err_set(&c->err, -EINVAL, "bad --sort '%s' (self or total)", arg);
		c->by_total = !strcmp(arg, "total");
		c->sort_given = true;
		return 0;
	case OPT_SYMFS:
		c->symfs = arg;
		return 0;
	case OPT_NO_DEMANGLE:
		c->no_demangle = true;
		return 0;
	}
	return -EINVAL;
}

/* What the options ask for, together. */
static int report_check(struct report_ctx *c)
{
	if (c->stat + c->graph_stats + c->profile > 1)
		return ks_err_set(&c->err, -EINVAL, "--stat, --graph-stats and --profile: choose one");
	if (!c->profile && (c->sort_given || c->symfs || c->no_demangle))
		return ks_err_set(&c->err, -EINVAL, "--sort, --symfs and --no-demangle need "
				  "--profile");
	/* kscope profile writes profile.dat, as perf record writes perf.data. */
	if (c->profile && !c->input_given && !strcmp(c->input, "trace.dat"))
		c->input = "profile.dat";
	if (c->profile && (c->cpu_filter || c->nevents))
		return ks_err_set(&c->err, -EINVAL, "--profile takes --pid and --comm, not --cpu "
				  "or --events");
	return 0;
}

static int report_parse(struct report_ctx *c, int argc, char **argv)
{
	int ret, i;

	c->input = "trace.dat";
	c->progress = true;
	ret = ks_opts_parse(&report_help, argc, argv, report_opt, c, &i, &c->err);
	/* "kscope report FILE", as with trace-cmd. */
	if (!ret && i < argc) {
		if (i + 1 < argc)
			ret = ks_err_set(&c->err, -EINVAL, "unexpected argument '%s'", argv[i + 1]);
		else if (c->input_given)
			ret = ks_err_set(&c->err, -EINVAL, "give the file once: -i %s or %s",
					 c->input, argv[i]);
		else
			c->input = argv[i];
	}
	return ret ?: report_check(c);
}

static void progress(void *arg)
{
	struct report_ctx *c = arg;

	fprintf(stderr, "\rkscope report: %3.0f%%",
		c->total ? 100.0 * ks_tdat_consumed(c->t) / c->total : 100);
}

static struct tep_record *report_peek(void *ctx)
{
	int err;

	return ks_tdat_peek(ctx, &err);
}

static void report_consume(void *ctx)
{
	int err;

	ks_tdat_next(ctx, &err);
}

/* A file that turned out corrupted part way: bad input, after what could be read. */
static int corrupted(struct report_ctx *c, int ret, const char *what)
{
	return ks_err_input(&c->err, ret, "%s is corrupted after %llu bytes of event data; %s",
			    c->input, (unsigned long long)ks_tdat_consumed(c->t), what);
}

static int report_graph_stats(struct report_ctx *c)
{
	struct ks_ftrace *f = ks_ftrace_new(ks_tdat_tep(c->t));
	struct tep_record *rec;
	int err_ret = 0;
	bool any;

	if (!f)
		return ks_err_set(&c->err, -ENOENT, "%s has no function_graph events (record with "
				  "-p function_graph)", c->input);
	while ((rec = ks_tdat_next(c->t, &err_ret)))
		if (ks_evfilter_test(c->filter, ks_tdat_tep(c->t), rec))
			ks_ftrace_stats_add(f, rec);
	any = ks_ftrace_stats_print(f, stdout);
	ks_ftrace_free(f);
	if (!any && !err_ret)
		return ks_err_set(&c->err, -ENOENT, "%s has no function_graph events (record with "
				  "-p function_graph)", c->input);
	return err_ret ? corrupted(c, err_ret, "stats cover the events before that") : 0;
}

static int report_events(struct report_ctx *c)
{
	const struct ks_peek peek = { report_peek, report_consume, c->t };
	struct tep_handle *tep = ks_tdat_tep(c->t);
	const struct ks_tdat_info *info = ks_tdat_info(c->t);
	struct ks_printer pr;
	struct tep_record *rec;
	char head[64];
	uint64_t n = 0, matched = 0;
	int ret, err_ret = 0;

	ret = ks_printer_init(&pr, tep, STDOUT_FILENO, ks_printer_time_mode(info->clock));
	if (ret)
		return ks_err_set(&c->err, ret, "out of memory");
	ks_printer_set_peek(&pr, &peek);
	snprintf(head, sizeof(head), "cpus=%d\n", info->ncpus);
	ks_printer_text(&pr, head, strlen(head));
	while ((rec = ks_tdat_next(c->t, &err_ret))) {
		if (ks_evfilter_test(c->filter, tep, rec)) {
			ks_printer_record(&pr, rec);
			matched++;
		}
		if (pr.error)
			break;
		if (c->progress && !(++n & 0xfffff))
			progress(c);
	}
	ret = ks_printer_flush(&pr);
	ks_printer_free(&pr);
	if (c->progress && n > 0xfffff)
		fprintf(stderr, "\r\033[K");
	/* A reader that went away ("| head") got what it wanted. */
	if (ret == -EPIPE)
		return 0;
	if (ret)
		return ks_err_runtime(&c->err, ret, "writing the report: %s", strerror(-ret));
	if (err_ret)
		return corrupted(c, err_ret, "events up to there were printed");
	/* A task the file never saw is a mistake, not an empty report. */
	if (!matched && (c->npids || c->comm))
		return ks_err_input(&c->err, -ENOENT, "%s has no events of %s %s", c->input,
				    c->npids ? "pid" : "a task named", c->npids ? c->pid_arg :
				    c->comm);
	return 0;
}

struct stat_entry {
	int id;
	uint64_t count;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct stat_entry *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : x->id - y->id;
}

static void print_stat_header(struct report_ctx *c, const struct ks_tdat_counts *n)
{
	const struct ks_tdat_info *info = ks_tdat_info(c->t);

	printf("file:     %s (trace.dat v%d%s%s, read by %s)\n", c->input, info->version,
	       info->writer[0] ? ", written by " : "", info->writer, info->backend);
	if (info->uname[0])
		printf("kernel:   %s\n", info->uname);
	printf("clock:    %s\n", info->clock[0] ? info->clock : "unknown");
	printf("cpus:     %d\n", info->ncpus);
	printf("events:   %llu", (unsigned long long)n->events);
	if (n->events)
		printf(" over %.6f s", (n->last_ts - n->first_ts) /
		       (ks_printer_time_mode(info->clock) == KS_TIME_RAW ? 1.0 : 1e9));
	printf("\n");
	printf("dropped:  %llu events in sub-buffers marked as lossy%s\n",
	       (unsigned long long)n->drops,
	       n->unknown_drops ? " (plus sub-buffers with an unknown count)" : "");
}

static int report_stat(struct report_ctx *c)
{
	struct tep_handle *tep = ks_tdat_tep(c->t);
	struct ks_tdat_counts n;
	struct stat_entry *ids;
	int i, ret;

	ret = ks_tdat_count(c->t, c->filter, &n, c->progress ? progress : NULL, c);
	if (ret == -ENOMEM)
		return ks_err_set(&c->err, ret, "out of memory");
	if (c->progress && ks_tdat_consumed(c->t) > (1u << 20))
		fprintf(stderr, "\r\033[K");
	ids = calloc((size_t)n.max_id + 1, sizeof(*ids));
	if (!ids) {
		ks_tdat_counts_free(&n);
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	}
	for (i = 0; i <= n.max_id; i++)
		ids[i] = (struct stat_entry){ i, n.per_id[i] };
	qsort(ids, (size_t)n.max_id + 1, sizeof(*ids), entry_cmp);
	print_stat_header(c, &n);
	printf("\n%12s  %s\n", "count", "event");
	for (i = 0; i <= n.max_id && ids[i].count; i++) {
		struct tep_event *e = tep_find_event(tep, ids[i].id);

		printf("%12llu  %s:%s\n", (unsigned long long)ids[i].count, e ? e->system : "?",
		       e ? e->name : "?");
	}
	printf("\n%6s %12s %12s %12s\n", "cpu", "events", "bytes", "lost");
	for (i = 0; i < n.ncpus; i++) {
		char lost[32] = "-";
		uint64_t l;

		if (ks_tdat_cpu_lost(c->t, i, &l))
			snprintf(lost, sizeof(lost), "%llu", (unsigned long long)l);
		printf("%6d %12llu %12llu %12s\n", i, (unsigned long long)n.per_cpu[i],
		       (unsigned long long)ks_tdat_cpu_size(c->t, i), lost);
	}
	free(ids);
	ks_tdat_counts_free(&n);
	return ret ? corrupted(c, ret, "counts cover the events before that") : 0;
}

static void profile_header(const struct ks_prof_info *in, const struct ks_prof_stats *st,
			   bool in_us, uint64_t total)
{
	int i;

	printf("# kscope profile:");
	for (i = 0; i < in->nevents; i++) {
		printf("%s %s", i ? "," : "", in->event[i]);
		if (i == in->offcpu_event)
			printf(" (off-CPU)");
		else if (in->freq)
			printf(" at %llu Hz", (unsigned long long)in->freq);
		else
			printf(" every %llu events", (unsigned long long)in->period);
	}
	printf(", call graph %s, %s%s%s\n", in->callgraph, in->target,
	       *in->command ? ": " : "", in->command);
	printf("# %llu on-CPU samples, %llu off-CPU intervals, %llu lost; total %llu %s\n",
	       (unsigned long long)st->samples, (unsigned long long)st->offcpu,
	       (unsigned long long)st->lost, (unsigned long long)total,
	       in_us ? "us" : "samples");
	printf("#\n#   Self   Total  %-12s  %-24s %s\n", in_us ? "Self us" : "Samples", "Object",
	       "Function");
}

static void print_missing(struct report_ctx *c, struct ks_prof *p)
{
	const char *path, *why;
	unsigned int i;

	for (i = 0; !ks_prof_missing(p, i, &path, &why); i++)
		if (i < 8)
			fprintf(stderr, "kscope report: %s: %s: %s\n", c->input, path, why);
	if (i > 8)
		fprintf(stderr, "kscope report: %s: %u more binaries without symbols\n", c->input,
			i - 8);
}

/* Every sample that passes the filter into the table: 0, or -errno. */
static int top_add_all(struct report_ctx *c, struct ks_prof *p, struct ks_proftop *top)
{
	const struct ks_prof_filter f = { .pids = c->pids, .npids = c->npids,
					  .comms = &c->comm, .ncomms = c->comm != NULL };
	const struct ks_prof_info *in = ks_prof_info(p);
	bool in_us = ks_prof_weighs_time(in);
	struct ks_prof_sample s;
	uint64_t done, all, seen = 0;
	int ret;

	while ((ret = ks_prof_next(p, &s)) > 0) {
		if (!ks_prof_filter_test(&f, &s))
			continue;
		ret = ks_proftop_add(top, &s, ks_prof_weight(in, &s, in_us));
		if (ret)
			return ks_err_set(&c->err, ret, "out of memory");
		if (c->progress && !(++seen & 4095)) {
			ks_prof_progress(p, &done, &all);
			fprintf(stderr, "\rkscope report: %3.0f%%", all ? 100.0 * done / all : 100);
		}
	}
	if (c->progress)
		fprintf(stderr, "\r\033[K");
	return ret < 0 ? ks_err_input(&c->err, ret, "%s: corrupted profile data", c->input) : 0;
}

/* The hottest functions of a profile (weights as kscope flame's: samples, or us). */
static int report_profile(struct report_ctx *c)
{
	/* The table counts real functions: no DWARF lines or inlines needed. */
	struct ks_prof_opts po = { .symfs = c->symfs, .no_lines = true,
				   .no_demangle = c->no_demangle };
	const struct ks_proftop_row *rows;
	struct ks_proftop *top = NULL;
	struct ks_prof *p = NULL;
	uint64_t total;
	size_t n, i;
	int ret;

	ret = ks_prof_open(c->input, &po, &p, &c->err);
	if (ret && !strstr(c->err.msg, c->input))
		ks_err_prefix(&c->err, ret, "%s", c->input);
	if (ret)
		return ret == -ENOMEM ? ret : ks_err_mark_input(&c->err, ret);
	top = ks_proftop_new();
	ret = top ? top_add_all(c, p, top) : ks_err_set(&c->err, -ENOMEM, "out of memory");
	if (ret)
		goto out;
	print_missing(c, p);
	total = ks_proftop_total(top);
	profile_header(ks_prof_info(p), ks_prof_stats(p), ks_prof_weighs_time(ks_prof_info(p)),
		       total);
	rows = ks_proftop_rows(top, c->by_total, &n);
	for (i = 0; rows && i < n; i++)
		printf("%7.2f%% %6.2f%%  %-12llu  %-24s %s%s\n",
		       total ? 100.0 * rows[i].self / total : 0.0,
		       total ? 100.0 * rows[i].total / total : 0.0,
		       (unsigned long long)rows[i].self, rows[i].object, rows[i].func,
		       rows[i].kernel ? " [k]" : "");
out:
	ks_proftop_free(top);
	ks_prof_close(p);
	return ret;
}

/* The file, its filters, and what it holds to read. */
static int report_open(struct report_ctx *c)
{
	const struct ks_evfilter_opts fo = {
		.events = (const char *const *)c->events, .nevents = c->nevents,
		.pids = c->pids, .npids = c->npids, .comm = c->comm,
	};
	int i, ret;

	ret = ks_tdat_open(c->input, &c->t, &c->err);
	if (ret && !strstr(c->err.msg, c->input))
		ks_err_prefix(&c->err, ret, "%s", c->input);
	if (ret)
		return ret == -ENOMEM ? ret : ks_err_mark_input(&c->err, ret);
	ret = ks_evfilter_new(&c->filter, ks_tdat_tep(c->t), &fo, &c->err);
	if (ret)
		return ks_err_prefix(&c->err, ret, "%s", c->input);
	if (c->cpu_filter) {
		int ncpus = ks_tdat_info(c->t)->ncpus;

		/* A CPU the file has no buffer of is a mistake, not an empty report. */
		for (i = ncpus; i < 8192; i++)
			if (c->cpu_mask[i / 64] & (1ull << (i % 64)))
				return ks_err_input(&c->err, -ERANGE, "%s has no CPU %d (it has "
						    "CPUs 0-%d)", c->input, i, ncpus - 1);
		ks_tdat_rewind(c->t, c->cpu_mask);
	}
	for (i = 0; i < ks_tdat_info(c->t)->ncpus; i++)
		c->total += ks_tdat_cpu_size(c->t, i);
	return 0;
}

int ks_cmd_report(int argc, char **argv)
{
	struct report_ctx c = { 0 };
	int ret, code = KS_EXIT_OK, i;

	ret = report_parse(&c, argc, argv);
	if (ret > 0)
		goto out;
	/* Progress only where someone watches and the report itself goes elsewhere. */
	c.progress = c.progress && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	if (!ret && c.profile)
		ret = report_profile(&c);
	else if (!ret)
		ret = report_open(&c) ?: c.stat ? report_stat(&c) :
		      c.graph_stats ? report_graph_stats(&c) : report_events(&c);
	code = ret < 0 ? ks_cmd_fail("report", ret, &c.err) : ks_cmd_flush("report");
out:
	ks_evfilter_free(c.filter);
	ks_tdat_close(c.t);
	for (i = 0; i < c.nevents; i++)
		free(c.events[i]);
	free(c.events);
	free(c.pids);
	return code;
}
