// SPDX-License-Identifier: GPL-2.0-only
/* kscope report: decode a trace.dat into one line per event, or a summary (--stat). */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>

#include "kscope/cmds.h"
#include "kscope/output/evprint.h"
#include "kscope/base/opts.h"
#include "kscope/profile/prof.h"
#include "kscope/output/proftop.h"
#include "kscope/kernel/recorder.h"
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
	bool stat;
	bool graph_stats;
	bool profile;
	bool by_total;
	bool sort_given;
	const char *symfs;
	bool no_demangle;
	bool progress;
	struct ks_tdat *t;
	struct ks_evmatch *match;
	struct ks_err err;
};

static int parse_list_ints(const char *s, int **out, int *n, int max)
{
	char **parts = ks_split(s, ',', n);
	int i, ret = 0;

	if (!parts)
		return -ENOMEM;
	*out = calloc(*n, sizeof(int));
	for (i = 0; *out && i < *n; i++)
		if (ks_parse_int(parts[i], &(*out)[i]) || (*out)[i] < 0 || (*out)[i] >= max)
			ret = -EINVAL;
	free(parts);
	return *out ? ret : -ENOMEM;
}

static int report_parse(struct report_ctx *c, int argc, char **argv)
{
	struct ks_opts_state st;
	int opt, ret = 0, i, n, *cpus;

	c->input = "trace.dat";
	c->progress = true;
	ks_opts_init(&st, &report_help, argc, argv);
	while (!ret && (opt = ks_opts_next(&st)) != -1) {
		switch (opt) {
		case 'i':
			c->input = st.optarg;
			c->input_given = true;
			break;
		case OPT_CPU:
			ret = parse_list_ints(st.optarg, &cpus, &n, 8192);
			if (ret) {
				ks_err_set(&c->err, ret, "bad --cpu '%s' (CPU numbers, comma separated)",
					   st.optarg);
			} else {
				for (i = 0; i < n; i++)
					c->cpu_mask[cpus[i] / 64] |= 1ull << (cpus[i] % 64);
				c->cpu_filter = true;
			}
			free(cpus);
			break;
		case OPT_EVENTS: {
			/* Repeated options add up, like --cpu. */
			int nmore, k;
			char **more = ks_split(st.optarg, ',', &nmore), **all;

			all = more ? realloc(c->events, (c->nevents + nmore) * sizeof(*all)) : NULL;
			if (all) {
				c->events = all;
				for (k = 0; k < nmore; k++)
					c->events[c->nevents++] = strdup(more[k]);
			} else {
				ret = ks_err_set(&c->err, -ENOMEM, "out of memory");
			}
			free(more);
			break;
		}
		case OPT_COMM:
			c->comm = st.optarg;
			break;
		case OPT_PID: {
			int *more, nmore, *all;

			ret = parse_list_ints(st.optarg, &more, &nmore, 1 << 30);
			all = ret ? NULL : realloc(c->pids, (c->npids + nmore) * sizeof(*all));
			if (all) {
				memcpy(all + c->npids, more, nmore * sizeof(*all));
				c->pids = all;
				c->npids += nmore;
			} else {
				ks_err_set(&c->err, ret ? ret : -ENOMEM, "bad --pid '%s'", st.optarg);
				ret = ret ? ret : -ENOMEM;
			}
			free(more);
			break;
		}
		case OPT_STAT:
			c->stat = true;
			break;
		case OPT_GRAPH_STATS:
			c->graph_stats = true;
			break;
		case OPT_NO_PROGRESS:
			c->progress = false;
			break;
		case OPT_PROFILE:
			c->profile = true;
			break;
		case OPT_SORT:
			if (strcmp(st.optarg, "self") && strcmp(st.optarg, "total"))
				ret = ks_err_set(&c->err, -EINVAL, "bad --sort '%s' (self or total)",
						 st.optarg);
			c->by_total = !strcmp(st.optarg, "total");
			c->sort_given = true;
			break;
		case OPT_SYMFS:
			c->symfs = st.optarg;
			break;
		case OPT_NO_DEMANGLE:
			c->no_demangle = true;
			break;
		case 'h':
			ks_opts_help(stdout, &report_help);
			ks_opts_free(&st);
			return 1;
		default:
			ret = ks_err_set(&c->err, -EINVAL, "%s (see --help)", st.bad);
		}
	}
	/* "kscope report FILE", as with trace-cmd. */
	if (!ret && ks_opts_index(&st) < argc) {
		if (ks_opts_index(&st) + 1 < argc)
			ret = ks_err_set(&c->err, -EINVAL, "unexpected argument '%s'",
					 argv[ks_opts_index(&st) + 1]);
		else if (c->input_given)
			ret = ks_err_set(&c->err, -EINVAL, "give the file once: -i %s or %s",
					 c->input, argv[ks_opts_index(&st)]);
		else
			c->input = argv[ks_opts_index(&st)];
	}
	ks_opts_free(&st);
	if (!ret && c->stat + c->graph_stats + c->profile > 1)
		ret = ks_err_set(&c->err, -EINVAL, "--stat, --graph-stats and --profile: choose one");
	if (!ret && !c->profile && (c->sort_given || c->symfs || c->no_demangle))
		ret = ks_err_set(&c->err, -EINVAL, "--sort, --symfs and --no-demangle need "
				 "--profile");
	/* kscope profile writes profile.dat, as perf record writes perf.data. */
	if (!ret && c->profile && !c->input_given && !strcmp(c->input, "trace.dat"))
		c->input = "profile.dat";
	if (!ret && c->profile && (c->cpu_filter || c->nevents))
		ret = ks_err_set(&c->err, -EINVAL, "--profile takes --pid and --comm, not --cpu or "
				 "--events");
	return ret;
}

static bool report_wants(struct report_ctx *c, struct tep_handle *tep, struct tep_record *rec)
{
	int i, pid;

	if (!ks_evmatch_test(c->match, tep, rec))
		return false;
	if (!c->npids && !c->comm)
		return true;
	pid = tep_data_pid(tep, rec);
	if (c->npids) {
		for (i = 0; i < c->npids; i++)
			if (c->pids[i] == pid)
				break;
		if (i == c->npids)
			return false;
	}
	return !c->comm || !fnmatch(c->comm, tep_data_comm_from_pid(tep, pid), 0);
}

struct stat_entry {
	int id;
	uint64_t count;
};

static void progress(struct report_ctx *c, uint64_t total)
{
	fprintf(stderr, "\rkscope report: %3.0f%%", total ? 100.0 * ks_tdat_consumed(c->t) / total : 100);
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

static int report_graph_stats(struct report_ctx *c)
{
	struct ks_ftrace *f = ks_ftrace_new(ks_tdat_tep(c->t));
	struct tep_record *rec;
	int err_ret = 0;

	if (!f)
		return ks_err_set(&c->err, -ENOENT, "%s has no function_graph events (record with "
				  "-p function_graph)", c->input);
	while ((rec = ks_tdat_next(c->t, &err_ret)))
		if (report_wants(c, ks_tdat_tep(c->t), rec))
			ks_ftrace_stats_add(f, rec);
	if (!ks_ftrace_stats_print(f, stdout) && !err_ret) {
		ks_ftrace_free(f);
		return ks_err_set(&c->err, -ENOENT, "%s has no function_graph events (record with "
				  "-p function_graph)", c->input);
	}
	ks_ftrace_free(f);
	if (err_ret)
		return ks_err_set(&c->err, err_ret, "%s is corrupted after %llu bytes of event data; "
				  "stats cover the events before that", c->input,
				  (unsigned long long)ks_tdat_consumed(c->t));
	return 0;
}

static int report_events(struct report_ctx *c, uint64_t total)
{
	const struct ks_peek peek = { report_peek, report_consume, c->t };
	struct tep_handle *tep = ks_tdat_tep(c->t);
	const struct ks_tdat_info *info = ks_tdat_info(c->t);
	struct ks_printer pr;
	struct tep_record *rec;
	char head[64];
	uint64_t n = 0;
	int ret, err_ret = 0;

	ret = ks_printer_init(&pr, tep, STDOUT_FILENO, ks_printer_time_mode(info->clock));
	if (ret)
		return ks_err_set(&c->err, ret, "out of memory");
	ks_printer_set_peek(&pr, &peek);
	snprintf(head, sizeof(head), "cpus=%d\n", info->ncpus);
	ks_printer_text(&pr, head, strlen(head));
	while ((rec = ks_tdat_next(c->t, &err_ret))) {
		if (report_wants(c, tep, rec))
			ks_printer_record(&pr, rec);
		if (pr.error)
			break;
		if (c->progress && !(++n & 0xfffff))
			progress(c, total);
	}
	ret = ks_printer_flush(&pr);
	ks_printer_free(&pr);
	if (c->progress && n > 0xfffff)
		fprintf(stderr, "\r\033[K");
	if (ret == -EPIPE)
		return 0;
	if (ret)
		return ks_err_set(&c->err, ret, "writing the report: %s", strerror(-ret));
	if (err_ret)
		return ks_err_set(&c->err, err_ret, "%s is corrupted after %llu bytes of event data; "
				  "events up to there were printed", c->input,
				  (unsigned long long)ks_tdat_consumed(c->t));
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct stat_entry *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : x->id - y->id;
}

static int report_stat(struct report_ctx *c, uint64_t total)
{
	struct tep_handle *tep = ks_tdat_tep(c->t);
	const struct ks_tdat_info *info = ks_tdat_info(c->t);
	uint64_t *per_cpu, events = 0, drops = 0, unknown_drops = 0, first = 0, last = 0, n = 0;
	struct stat_entry *ids;
	struct tep_record *rec;
	int max_id = 0, i, err_ret = 0, nev = tep_get_events_count(tep);
	struct tep_event **list = tep_list_events(tep, TEP_EVENT_SORT_ID);

	for (i = 0; list && i < nev; i++)
		if (list[i]->id > max_id)
			max_id = list[i]->id;
	ids = calloc(max_id + 1, sizeof(*ids));
	per_cpu = calloc(info->ncpus, sizeof(*per_cpu));
	if (!ids || !per_cpu) {
		free(ids);
		free(per_cpu);
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	}
	while ((rec = ks_tdat_next(c->t, &err_ret))) {
		int id;

		if (rec->missed_events > 0)
			drops += rec->missed_events;
		else if (rec->missed_events < 0)
			unknown_drops++;
		if (!report_wants(c, tep, rec))
			continue;
		id = tep_data_type(tep, rec);
		if (id >= 0 && id <= max_id)
			ids[id].count++;
		per_cpu[rec->cpu]++;
		if (!events++)
			first = rec->ts;
		last = rec->ts;
		if (c->progress && !(++n & 0xfffff))
			progress(c, total);
	}
	if (c->progress && n > 0xfffff)
		fprintf(stderr, "\r\033[K");
	for (i = 0; i <= max_id; i++)
		ids[i].id = i;
	qsort(ids, max_id + 1, sizeof(*ids), entry_cmp);

	printf("file:     %s (trace.dat v%d%s%s, read by %s)\n", c->input, info->version,
	       info->writer[0] ? ", written by " : "", info->writer, info->backend);
	if (info->uname[0])
		printf("kernel:   %s\n", info->uname);
	printf("clock:    %s\n", info->clock[0] ? info->clock : "unknown");
	printf("cpus:     %d\n", info->ncpus);
	printf("events:   %llu", (unsigned long long)events);
	if (events)
		printf(" over %.6f s", (last - first) / (ks_printer_time_mode(info->clock) ==
						       KS_TIME_RAW ? 1.0 : 1e9));
	printf("\n");
	printf("dropped:  %llu events in sub-buffers marked as lossy%s\n", (unsigned long long)drops,
	       unknown_drops ? " (plus sub-buffers with an unknown count)" : "");
	printf("\n%12s  %s\n", "count", "event");
	for (i = 0; i <= max_id && ids[i].count; i++) {
		struct tep_event *e = tep_find_event(tep, ids[i].id);

		printf("%12llu  %s:%s\n", (unsigned long long)ids[i].count, e ? e->system : "?",
		       e ? e->name : "?");
	}
	printf("\n%6s %12s %12s %12s\n", "cpu", "events", "bytes", "lost");
	for (i = 0; i < info->ncpus; i++) {
		struct ks_cpustats cs = { 0 };
		char key[32];
		const char *p;

		snprintf(key, sizeof(key), "CPU: %d\n", i);
		p = strstr(info->cpustats, key);
		if (p)
			ks_cpustats_parse(p + strlen(key), &cs);
		printf("%6d %12llu %12llu %12s\n", i, (unsigned long long)per_cpu[i],
		       (unsigned long long)ks_tdat_cpu_size(c->t, i),
		       p ? (snprintf(key, sizeof(key), "%llu",
				     (unsigned long long)ks_cpustats_lost(&cs)), key) : "-");
	}
	free(ids);
	free(per_cpu);
	if (err_ret)
		return ks_err_set(&c->err, err_ret, "%s is corrupted after %llu bytes of event data; "
				  "counts cover the events before that", c->input,
				  (unsigned long long)ks_tdat_consumed(c->t));
	return 0;
}

static bool profile_wants(struct report_ctx *c, const struct ks_prof_sample *s)
{
	int i;

	for (i = 0; i < c->npids && c->pids[i] != s->pid; i++)
		;
	if (c->npids && i == c->npids)
		return false;
	return !c->comm || !fnmatch(c->comm, s->comm, 0);
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

/* The hottest functions of a profile (weights as kscope flame's: samples, or us). */
static int report_profile(struct report_ctx *c)
{
	/* The table counts real functions: no DWARF lines or inlines needed. */
	struct ks_prof_opts po = { .symfs = c->symfs, .no_lines = true,
				   .no_demangle = c->no_demangle };
	const struct ks_proftop_row *rows;
	const struct ks_prof_info *in;
	struct ks_proftop *top = NULL;
	struct ks_prof_sample s;
	struct ks_prof *p = NULL;
	uint64_t total, done, all, seen = 0;
	const char *path, *why;
	size_t n, i;
	bool in_us;
	int ret;

	ret = ks_prof_open(c->input, &po, &p, &c->err);
	if (ret) {
		char msg[sizeof(c->err.msg)];

		snprintf(msg, sizeof(msg), "%s", c->err.msg);
		if (!strstr(msg, c->input))
			ks_err_set(&c->err, ret, "%s: %s", c->input, msg);
		return ret;
	}
	in = ks_prof_info(p);
	in_us = in->offcpu_event >= 0;
	top = ks_proftop_new();
	if (!top) {
		ret = ks_err_set(&c->err, -ENOMEM, "out of memory");
		goto out;
	}
	while ((ret = ks_prof_next(p, &s)) > 0) {
		uint64_t w = 1;

		if (!profile_wants(c, &s))
			continue;
		if (in_us)
			w = s.offcpu || in->event_clock[s.event] ? (s.weight + 500) / 1000 :
			    in->freq ? 1000000 / in->freq : s.weight;
		ret = ks_proftop_add(top, &s, w);
		if (ret)
			break;
		if (c->progress && !(++seen & 4095)) {
			ks_prof_progress(p, &done, &all);
			fprintf(stderr, "\rkscope report: %3.0f%%", all ? 100.0 * done / all : 100);
		}
	}
	if (c->progress)
		fprintf(stderr, "\r\033[K");
	if (ret < 0) {
		ks_err_set(&c->err, ret, "%s: corrupted profile data", c->input);
		goto out;
	}
	for (i = 0; !ks_prof_missing(p, (unsigned int)i, &path, &why); i++)
		if (i < 8)
			fprintf(stderr, "kscope report: %s: %s: %s\n", c->input, path, why);
	if (i > 8)
		fprintf(stderr, "kscope report: %s: %zu more binaries without symbols\n", c->input,
			i - 8);
	total = ks_proftop_total(top);
	profile_header(in, ks_prof_stats(p), in_us, total);
	rows = ks_proftop_rows(top, c->by_total, &n);
	for (i = 0; rows && i < n; i++)
		printf("%7.2f%% %6.2f%%  %-12llu  %-24s %s%s\n",
		       total ? 100.0 * rows[i].self / total : 0.0,
		       total ? 100.0 * rows[i].total / total : 0.0,
		       (unsigned long long)rows[i].self, rows[i].object, rows[i].func,
		       rows[i].kernel ? " [k]" : "");
	ret = 0;
out:
	ks_proftop_free(top);
	ks_prof_close(p);
	return ret;
}

int ks_cmd_report(int argc, char **argv)
{
	struct report_ctx c = { 0 };
	uint64_t total = 0;
	const char *unmatched = NULL;
	int ret, code = KS_EXIT_OK, i;

	ret = report_parse(&c, argc, argv);
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "kscope report: %s\n", c.err.msg);
		code = ret > 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
		goto out;
	}
	if (c.profile) {
		c.progress = c.progress && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
		ret = report_profile(&c);
		if (ret) {
			fprintf(stderr, "kscope report: %s\n", c.err.msg);
			code = ret == -ENOENT || ret == -EACCES || ret == -ENOMEM ? KS_EXIT_FAIL :
			       KS_EXIT_USAGE;
		}
		goto out;
	}
	ret = ks_tdat_open(c.input, &c.t, &c.err);
	if (ret) {
		fprintf(stderr, "kscope report: %s\n", c.err.msg);
		code = ret == -ENOENT || ret == -EACCES ? KS_EXIT_FAIL : KS_EXIT_USAGE;
		goto out;
	}
	if (c.nevents) {
		c.match = ks_evmatch_new(ks_tdat_tep(c.t), (const char *const *)c.events, c.nevents,
					 &unmatched);
		if (!c.match) {
			fprintf(stderr, "kscope report: no event in %s matches '%s'\n", c.input,
				unmatched ? unmatched : "?");
			code = KS_EXIT_USAGE;
			goto out;
		}
	}
	if (c.cpu_filter)
		ks_tdat_rewind(c.t, c.cpu_mask);
	for (i = 0; i < ks_tdat_info(c.t)->ncpus; i++)
		total += ks_tdat_cpu_size(c.t, i);
	c.progress = c.progress && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	ret = c.stat ? report_stat(&c, total) : c.graph_stats ? report_graph_stats(&c) :
		report_events(&c, total);
	if (ret) {
		fprintf(stderr, "kscope report: %s\n", c.err.msg);
		code = KS_EXIT_FAIL;
	}
out:
	ks_evmatch_free(c.match);
	ks_tdat_close(c.t);
	for (i = 0; i < c.nevents; i++)
		free(c.events[i]);
	free(c.events);
	free(c.pids);
	return code;
}
