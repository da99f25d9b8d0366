// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope record: enable events in a private instance, splice the per-CPU ring
 * buffers to disk, and write trace.dat v6.
 * parse -> setup (output, instance, events) -> run (capture loop) -> report (summary)
 * -> cleanup (instance and journal gone, whatever happened).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/kernel/capture.h"
#include "kscope/kernel/probe.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/recorder.h"
#include "kscope/kernel/run.h"
#include "kscope/kernel/session.h"
#include "kscope/kernel/tracer.h"
#include "kscope/tracedat/tracedat.h"

enum { OPT_DURATION = 256, OPT_MAX_DEPTH, OPT_DURATION_MIN, OPT_TOP_LEVEL, OPT_FUNCTION_TRACE,
       OPT_KPROBE, OPT_KRETPROBE, OPT_UPROBE, OPT_URETPROBE };

static const struct ks_opt record_opts[] = {
	KS_CAPTURE_OPT_EVENT,
	{ 'p', "tracer", "TRACER", "ftrace tracer: function, function_graph, irqsoff, wakeup, ..." },
	{ 'l', "func", "FUNC", "trace only these functions (set_ftrace_filter; globs, :mod:); repeat" },
	{ 'n', "notrace", "FUNC", "do not trace these functions (set_ftrace_notrace); repeat" },
	{ 'g', "graph", "FUNC", "function_graph: only the call graphs of FUNC; repeat" },
	{ OPT_MAX_DEPTH, "max-graph-depth", "N", "function_graph: stop N calls deep" },
	{ OPT_DURATION_MIN, "duration-min", "US", "function_graph: only calls longer than US (tracing_thresh)" },
	{ OPT_FUNCTION_TRACE, "function-trace", NULL, "latency tracers: also trace functions (slow)" },
	{ OPT_TOP_LEVEL, "top-level", NULL, "use the top-level instance (journaled) instead of a private one" },
	{ OPT_KPROBE, "kprobe", "DEF", "add a kprobe: '[p:[GRP/]NAME] FUNC[+OFF] [ARGS]'; repeat" },
	{ OPT_KRETPROBE, "kretprobe", "DEF", "add a return probe: '[r:[GRP/]NAME] FUNC [ARGS]'" },
	{ OPT_UPROBE, "uprobe", "DEF", "add a uprobe: 'BINARY:SYMBOL[+OFF] [ARGS]' (libc.so.6:malloc)" },
	{ OPT_URETPROBE, "uretprobe", "DEF", "add a return uprobe: 'BINARY:SYMBOL [ARGS]'" },
	{ 'f', "filter", "FILTER", "filter for the preceding -e or probe, tracefs syntax ('prev_pid > 0')" },
	KS_CAPTURE_OPT_STACKTRACE,
	KS_CAPTURE_OPT_PID,
	{ 'F', "filter-cmd", NULL, "only events of the command given after --" },
	KS_CAPTURE_OPT_CHILDREN,
	KS_CAPTURE_OPT_BUFFER,
	KS_CAPTURE_OPT_CLOCK,
	{ 'o', "output", "FILE", "output file (default trace.dat)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ 'q', "quiet", NULL, "no status line and no summary (warnings about lost events stay)" },
	{ 0 },
};

static const struct ks_cmd_help record_help = {
	.name = "record",
	.usage = "[-e EVENT [-f FILTER]]... [-p TRACER [-l FUNC] [-n FUNC] [-g FUNC]]\n"
		 "                     [--kprobe|--kretprobe|--uprobe|--uretprobe DEF [-f FILTER]]...\n"
		 "                     [-T] [-P PID] [-F] [-c] [-b KB] [-C CLOCK] [-o FILE] [-q]\n"
		 "                     [--duration SECS] [-- command [args]]",
	.summary = "Record trace events, an ftrace tracer and probes into a trace.dat file\n"
		   "(version 6, read by trace-cmd report and KernelShark). Works in a private\n"
		   "tracefs instance; what must run at the top level (function_graph on many\n"
		   "kernels, latency tracers, graph settings, --top-level) and probes are\n"
		   "journaled and undone at exit or by 'kscope reset'. Stops when the command\n"
		   "exits, after --duration, or on Ctrl-C. Needs at least one -e, -p or probe.",
	.opts = record_opts,
};

struct record_probe_arg {
	enum ks_probe_kind kind;
	const char *spec;
	const char *filter;
};

struct record_ctx {
	/* options */
	struct ks_capture_opts cap;	/* -e -f -P -c -C -T -b */
	struct ks_tracer_opts tracer;
	int top_level;
	struct record_probe_arg *probe_args;
	int last_is_probe;	/* does -f belong to the last probe or the last -e */
	int nprobes;
	struct ks_probe *probes;
	int *tracer_pids;	/* -P and the command: what the tracer follows */
	bool filter_cmd;
	const char *output;
	double duration;
	bool quiet;
	char **cmd;
	/* state */
	const char *tracefs;
	struct ks_evsel all;
	struct ks_evsel sel;
	struct ks_session *sess;
	struct ks_rec *rec;
	struct ks_tdat_writer *writer;
	struct ks_outfile out;
	struct ks_run run;
	int ncpus;
	uint64_t stop_ns;
	struct ks_err err;
};

static int record_opt(void *ctx, int opt, const char *arg)
{
	struct record_ctx *c = ctx;
	int ret;

	/* -f after a probe filters the probe's event. */
	if (opt == 'f' && c->last_is_probe) {
		c->probe_args[c->nprobes - 1].filter = arg;
		return 0;
	}
	if (opt == 'f' && !c->cap.npatterns)
		return ks_err_set(&c->err, -EINVAL, "-f '%s' must follow an -e or a probe", arg);
	ret = ks_capture_opt(&c->cap, opt, arg, &c->err);
	if (ret) {
		if (opt == 'e')
			c->last_is_probe = 0;
		return ret < 0 ? ret : 0;
	}
	switch (opt) {
	case 'p':
		c->tracer.name = arg;
		return 0;
	case 'l':
		c->tracer.filter[c->tracer.nfilter++] = arg;
		return 0;
	case 'n':
		c->tracer.notrace[c->tracer.nnotrace++] = arg;
		return 0;
	case 'g':
		c->tracer.graph[c->tracer.ngraph++] = arg;
		return 0;
	case OPT_MAX_DEPTH:
		if (ks_parse_int_range(arg, 1, INT_MAX, &c->tracer.max_depth))
			return ks_err_set(&c->err, -EINVAL, "bad --max-graph-depth '%s'", arg);
		return 0;
	case OPT_DURATION_MIN: {
		int v;

		if (ks_parse_int_range(arg, 0, INT_MAX, &v))
			return ks_err_set(&c->err, -EINVAL, "bad --duration-min '%s' (microseconds)",
					  arg);
		c->tracer.thresh_us = v;
		return 0;
	}
	case OPT_FUNCTION_TRACE:
		c->tracer.function_trace = true;
		return 0;
	case OPT_TOP_LEVEL:
		c->top_level = 1;
		return 0;
	case OPT_KPROBE:
	case OPT_KRETPROBE:
	case OPT_UPROBE:
	case OPT_URETPROBE:
		c->probe_args[c->nprobes].kind = opt == OPT_KPROBE ? KS_KPROBE :
			opt == OPT_KRETPROBE ? KS_KRETPROBE : opt == OPT_UPROBE ? KS_UPROBE :
			KS_URETPROBE;
		c->probe_args[c->nprobes++].spec = arg;
		c->last_is_probe = 1;
		return 0;
	case 'F':
		c->filter_cmd = true;
		return 0;
	case 'o':
		c->output = arg;
		return 0;
	case OPT_DURATION:
		if (ks_parse_duration(arg, &c->duration) || c->duration <= 0)
			return ks_err_set(&c->err, -EINVAL, "bad duration '%s'", arg);
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	}
	return -EINVAL;
}

/* What the options ask for, together. */
static int record_check(struct record_ctx *c)
{
	if (!c->cap.npatterns && !c->tracer.name && !c->nprobes)
		return ks_err_set(&c->err, -EINVAL, "nothing to record: add -e sys:event or -p "
				  "tracer (for example -e sched:sched_switch; see 'kscope list -e')");
	if (!c->tracer.name && (c->tracer.nfilter || c->tracer.nnotrace || c->tracer.ngraph ||
				c->tracer.max_depth || c->tracer.thresh_us >= 0))
		return ks_err_set(&c->err, -EINVAL, "-l, -n, -g, --max-graph-depth and "
				  "--duration-min need a tracer (-p function, -p function_graph, ...)");
	if (c->filter_cmd && !c->cmd)
		return ks_err_set(&c->err, -EINVAL, "-F needs a command after --");
	if (c->cap.children && !c->cap.npids && !c->filter_cmd)
		return ks_err_set(&c->err, -EINVAL, "-c needs -P or -F");
	return c->cmd ? ks_child_check(c->cmd, &c->err) : 0;
}

static int record_parse(struct record_ctx *c, int argc, char **argv)
{
	int ret, i;

	ret = ks_capture_opts_init(&c->cap, argc);
	c->tracer.filter = calloc(argc, sizeof(char *));
	c->tracer.notrace = calloc(argc, sizeof(char *));
	c->tracer.graph = calloc(argc, sizeof(char *));
	c->tracer.thresh_us = -1;
	c->probe_args = calloc(argc, sizeof(*c->probe_args));
	c->tracer_pids = calloc((size_t)argc + 1, sizeof(*c->tracer_pids));
	c->output = "trace.dat";
	c->cap.buffer_kb = KS_CAPTURE_DEFAULT_BUFFER_KB;
	if (ret || !c->tracer.filter || !c->tracer.notrace || !c->tracer.graph || !c->probe_args ||
	    !c->tracer_pids)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	ret = ks_opts_parse(&record_help, argc, argv, record_opt, c, &i, &c->err);
	if (ret)
		return ret;
	if (i < argc)
		c->cmd = argv + i;
	return record_check(c);
}

/* New probes are new event directories: list the events again, then select them. */
static int record_add_probes(struct record_ctx *c)
{
	char pat[160];
	int i, ret;

	for (i = 0; i < c->nprobes; i++) {
		ret = ks_probe_create(c->sess, &c->probes[i], &c->err);
		if (ret)
			return ret;
	}
	ks_evsel_free(&c->all);
	ret = ks_evsel_list_all(c->tracefs, &c->all);
	for (i = 0; !ret && i < c->nprobes; i++) {
		snprintf(pat, sizeof(pat), "%s:%s", c->probes[i].group, c->probes[i].name);
		ret = ks_evsel_add(&c->sel, &c->all, pat, c->probe_args[i].filter, &c->err);
	}
	return ret;
}

/* The tracer follows the same tasks as the events. */
static int record_apply_tracer(struct record_ctx *c)
{
	int n = c->cap.npids;

	if (!c->tracer.name)
		return 0;
	memcpy(c->tracer_pids, c->cap.pids, (size_t)n * sizeof(*c->tracer_pids));
	if (c->filter_cmd)
		c->tracer_pids[n++] = c->run.child.pid;
	c->tracer.pids = c->tracer_pids;
	c->tracer.npids = n;
	c->tracer.children = c->cap.children;
	return ks_tracer_apply(c->sess, &c->tracer, &c->err);
}

static int record_setup_instance(struct record_ctx *c)
{
	int ret;

	ret = ks_tracer_session(&c->sess, "record", &c->tracer, c->top_level, &c->err) ?:
	      ks_session_write(c->sess, "tracing_on", "0", &c->err);
	if (!ret && c->nprobes)
		ret = record_add_probes(c);
	return ret ?: ks_capture_apply(c->sess, &c->cap, &c->sel,
				       c->filter_cmd ? c->run.child.pid : 0, &c->err) ?:
		record_apply_tracer(c);
}

static int record_setup(struct record_ctx *c)
{
	char dir[PATH_MAX];
	int i, ret;

	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs)
		return -ENODEV;
	ret = ks_capture_select(&c->cap, c->tracefs, &c->all, &c->sel, &c->err);
	if (ret)
		return ret;
	/* Probe definitions (ELF symbols to file offsets) are checked before anything changes. */
	c->probes = calloc(c->nprobes ? c->nprobes : 1, sizeof(*c->probes));
	if (!c->probes)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	for (i = 0; i < c->nprobes; i++) {
		ret = ks_probe_parse(c->probe_args[i].kind, c->probe_args[i].spec, c->tracefs,
				     &c->probes[i], &c->err);
		if (ret)
			return ret;
	}
	ret = ks_outfile_open(&c->out, c->output);
	if (ret)
		return ks_err_runtime(&c->err, ret, "cannot write %s: %s", c->output,
				      strerror(-ret));
	/* From here on, signals arrive through signalfd: cleanup always runs. */
	ret = ks_run_init(&c->run, c->cmd, false, &c->err) ?: record_setup_instance(c);
	if (ret)
		return ret;
	c->ncpus = ks_proc_ncpus();
	if (ks_dirname(c->output, dir, sizeof(dir)))
		return ks_err_set(&c->err, -ENAMETOOLONG, "output path too long");
	ret = ks_rec_start(&c->rec, ks_session_instance(c->sess), c->ncpus, dir, &c->err);
	if (ret)
		return ret;
	return ks_tdat_writer_new(&c->writer, c->out.fd, c->tracefs, &c->sel, NULL, c->ncpus,
				  ks_rec_page_size(c->rec), &c->err);
}

static void human_bytes(char *buf, size_t size, double b)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, size, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

struct record_rates {
	uint64_t bytes, events, ns;	/* at the last status line */
};

static void record_status(struct record_ctx *c, struct ks_cpustats *st, struct record_rates *last)
{
	uint64_t now = ks_now_ns(), bytes = ks_rec_bytes(c->rec, -1), events = 0, lost;
	double dt = (now - last->ns) / 1e9;
	char b1[32], b2[32];
	int i;

	lost = ks_cpustats_read(ks_session_instance(c->sess), c->ncpus, st);
	/* Events still waiting in the buffer count too: a quiet trace is read in bursts. */
	for (i = 0; i < c->ncpus; i++)
		events += st[i].read + st[i].entries;
	if (dt <= 0)
		dt = 1;
	human_bytes(b1, sizeof(b1), bytes);
	human_bytes(b2, sizeof(b2), (bytes - last->bytes) / dt);
	fprintf(stderr, "\rkscope record: %.1fs  %s (%s/s)  %llu events (%.0f/s)  lost %llu\033[K",
		ks_run_elapsed_ns(&c->run) / 1e9, b1, b2, (unsigned long long)events,
		(events - last->events) / dt, (unsigned long long)lost);
	*last = (struct record_rates){ bytes, events, now };
}

static int record_run(struct record_ctx *c)
{
	struct ks_cpustats *st = calloc(c->ncpus, sizeof(*st));
	struct pollfd pfd = { .fd = ks_rec_error_fd(c->rec), .events = POLLIN };
	bool status = !c->quiet && isatty(STDERR_FILENO);
	struct record_rates last = { 0 };
	int ret;

	if (!st)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	/* The top-level buffer may hold old data: start from empty, once all is set up. */
	if (ks_session_is_top(c->sess))
		tracefs_instance_file_write(NULL, "trace", "");
	ret = ks_session_write(c->sess, "tracing_on", "1", &c->err) ?:
	      ks_run_start(&c->run, c->duration, &c->err);
	last.ns = ks_now_ns();
	while (!ret && (ret = ks_run_wait(&c->run, &pfd, 1, 1000, &c->err)) > 0) {
		ret = 0;
		if (pfd.revents) {
			ret = ks_rec_error(c->rec);
			ks_err_runtime(&c->err, ret, "writing trace data next to %s: %s", c->output,
				       strerror(-ret));
			break;
		}
		if (status)
			record_status(c, st, &last);
	}
	c->stop_ns = ks_now_ns();
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	if (status)
		fprintf(stderr, "\r\033[K");
	free(st);
	return ret;
}

/* The summary; with -q only the warning about lost events, which is never silent. */
static void record_summary(struct record_ctx *c, struct ks_cpustats *st, uint64_t kept)
{
	uint64_t events = 0, lost = 0, captured = ks_rec_bytes(c->rec, -1);
	char b[32], b2[32];
	int i;

	for (i = 0; i < c->ncpus; i++) {
		events += st[i].read;
		lost += ks_cpustats_lost(&st[i]);
	}
	if (!c->quiet) {
		human_bytes(b, sizeof(b), kept);
		fprintf(stderr, "kscope record: %llu events (%s) on %d CPUs in %.2fs -> %s\n",
			(unsigned long long)events, b, c->ncpus,
			(c->stop_ns - c->run.start_ns) / 1e9, c->output);
		for (i = 0; i < c->ncpus; i++) {
			fprintf(stderr, "  cpu%-3d %10llu events  %10llu lost", i,
				(unsigned long long)st[i].read,
				(unsigned long long)ks_cpustats_lost(&st[i]));
			if (ks_cpustats_lost(&st[i]))
				fprintf(stderr, " (overrun %llu, commit overrun %llu, dropped %llu)",
					(unsigned long long)st[i].overrun,
					(unsigned long long)st[i].commit_overrun,
					(unsigned long long)st[i].dropped);
			fputc('\n', stderr);
		}
	}
	if (ks_tracer_is_latency(c->tracer.name)) {
		/* What a latency tracer is for: the worst case it saw (the kernel's header line). */
		char *max = tracefs_instance_file_read(NULL, "tracing_max_latency", NULL);

		fprintf(stderr, "kscope record: %s latency: %llu us\n", c->tracer.name,
			max ? strtoull(max, NULL, 10) : 0ull);
		free(max);
	}
	if (kept < captured) {
		human_bytes(b, sizeof(b), kept);
		human_bytes(b2, sizeof(b2), captured);
		fprintf(stderr, "kscope record: WARNING: the file keeps %s of the %s captured: the "
			"newest events did not fit\n", b, b2);
	}
	if (lost)
		fprintf(stderr, "kscope record: WARNING: %llu events lost: the ring buffer "
			"overflowed; use a larger -b, fewer events or a filter\n",
			(unsigned long long)lost);
}

/* The file: header, options, every CPU's spool. A file cut at a page (disk full) is kept. */
static int record_write(struct record_ctx *c, uint64_t *kept)
{
	struct ks_tdat_cpu_src *src = calloc(c->ncpus, sizeof(*src));
	int i, ret, cret;

	if (!src)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	for (i = 0; i < c->ncpus; i++)
		src[i].fd = ks_rec_spool(c->rec, i, &src[i].size);
	ret = ks_tdat_writer_add_recording(c->writer, ks_session_instance(c->sess), c->ncpus);
	if (ret)
		ks_err_set(&c->err, ret, "out of memory");
	else
		ret = ks_tdat_writer_finish(c->writer, src, kept, &c->err);
	free(src);
	if (ret)
		fprintf(stderr, "kscope record: %s: %s\n", c->output, c->err.msg);
	if (ret && !*kept)
		return ret;
	cret = ks_outfile_commit(&c->out);
	if (cret) {
		fprintf(stderr, "kscope record: cannot create %s: %s\n", c->output, strerror(-cret));
		return cret;
	}
	return ret;
}

/* Stop capturing and keep what was captured, even after a failure; say what it holds. */
static int record_finish(struct record_ctx *c, int ret)
{
	struct ks_cpustats *st;
	uint64_t kept = 0;
	int wret;

	ks_rec_stop(c->rec);
	if (!ret)
		ret = ks_rec_error(c->rec);
	if (ret)
		fprintf(stderr, "kscope record: capture stopped: %s\n",
			c->err.msg[0] ? c->err.msg : strerror(-ret));
	st = calloc(c->ncpus, sizeof(*st));
	if (!st) {
		fprintf(stderr, "kscope record: out of memory\n");
		return -ENOMEM;
	}
	ks_cpustats_read(ks_session_instance(c->sess), c->ncpus, st);
	wret = record_write(c, &kept);
	record_summary(c, st, kept);
	free(st);
	return ret ? ret : wret;
}

static int record_cleanup(struct record_ctx *c)
{
	struct ks_err e;
	int ret = 0;

	/* Tracing ended first (Ctrl-C, --duration, an error): the command ends too. */
	ks_run_end(&c->run);
	if (c->rec) {
		ks_rec_stop(c->rec);
		ks_rec_free(c->rec);
	}
	if (c->sess && ks_session_close(c->sess, &e)) {
		fprintf(stderr, "kscope record: cleanup: %s (run 'kscope reset')\n", e.msg);
		ret = -EIO;
	}
	ks_tdat_writer_free(c->writer);
	ks_outfile_discard(&c->out);
	ks_evsel_free(&c->sel);
	ks_evsel_free(&c->all);
	ks_capture_opts_free(&c->cap);
	free(c->tracer.filter);
	free(c->tracer.notrace);
	free(c->tracer.graph);
	free(c->tracer_pids);
	free(c->probe_args);
	free(c->probes);
	return ret;
}

int ks_cmd_record(int argc, char **argv)
{
	struct record_ctx c = { .out.fd = -1 };
	int ret, code;

	ret = record_parse(&c, argc, argv);
	if (!ret)
		ret = record_setup(&c);
	if (ret) {
		code = ret > 0 ? KS_EXIT_OK : ks_cmd_fail("record", ret, &c.err);
		goto out;
	}
	ret = record_run(&c);
	if (ks_run_exec_failed(&c.run)) {
		/* The command could not be run: there is nothing worth keeping. */
		fprintf(stderr, "kscope record: %s\n", c.err.msg);
		code = ks_run_exit_status(&c.run);
		goto out;
	}
	ret = record_finish(&c, ret);
	code = ret ? KS_EXIT_FAIL : ks_run_exit_status(&c.run);
out:
	if (record_cleanup(&c))
		code = KS_EXIT_FAIL;
	return code;
}
