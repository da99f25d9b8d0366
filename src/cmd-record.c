// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope record: enable events in a private instance, splice the per-CPU ring
 * buffers to disk, and write trace.dat v6.
 * parse -> setup (output, instance, events) -> run (capture loop) -> report (summary)
 * -> cleanup (instance and journal gone, whatever happened).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/kernel/child.h"
#include "kscope/cmds.h"
#include "kscope/kernel/evsel.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/recorder.h"
#include "kscope/kernel/session.h"
#include "kscope/tracedat/tracedat.h"
#include "kscope/kernel/tracer.h"
#include "kscope/kernel/probe.h"

#define RECORD_DEFAULT_BUFFER_KB 4096

enum { OPT_DURATION = 256, OPT_MAX_DEPTH, OPT_DURATION_MIN, OPT_TOP_LEVEL, OPT_FUNCTION_TRACE,
       OPT_KPROBE, OPT_KRETPROBE, OPT_UPROBE, OPT_URETPROBE };

static const struct ks_opt record_opts[] = {
	{ 'e', "event", "EVENT", "event to record: sys:event, sys, event, globs ('sched:*'); repeat" },
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
	{ 'f', "filter", "FILTER", "filter for the preceding -e, tracefs syntax ('prev_pid > 0')" },
	{ 'T', "stacktrace", NULL, "record a kernel stack with each event (stacktrace trigger)" },
	{ 'P', "pid", "PID", "only events of this pid (set_event_pid); repeat for more" },
	{ 'F', "filter-cmd", NULL, "only events of the command given after --" },
	{ 'c', "children", NULL, "with -P or -F: follow children forked later (event-fork)" },
	{ 'b', "buffer-kb", "KB", "ring buffer size per CPU in KiB (default 4096)" },
	{ 'C', "clock", "CLOCK", "trace clock: local, global, mono, perf, ... (see kscope check)" },
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

struct record_ctx {
	/* options */
	struct ks_tracer_opts tracer;
	int top_level;
	struct {
		enum ks_probe_kind kind;
		const char *spec;
		const char *filter;
	} *probe_args;
	int last_is_probe;	/* does -f belong to the last probe or the last -e */
	int nprobes;
	struct ks_probe *probes;
	const char **patterns;
	const char **filters;
	int npatterns;
	int stacktrace;
	int *pids;
	int npids;
	int filter_cmd;
	int children;
	int buffer_kb;
	const char *clock;
	const char *output;
	double duration;
	int quiet;
	char **cmd;
	/* state */
	const char *tracefs;
	struct ks_evsel all;
	struct ks_evsel sel;
	struct ks_session *sess;
	struct ks_rec *rec;
	struct ks_tdat_writer *writer;
	struct ks_outfile out;
	int sig_fd;
	sigset_t old_mask;
	struct ks_child child;
	int ncpus;
	uint64_t start_ns;
	uint64_t stop_ns;
	int stop_reason;	/* a signal number, 0 for command exit/duration */
	int show_status;
	struct ks_err err;
};


static int record_parse(struct record_ctx *c, int argc, char **argv)
{
	struct ks_opts_state st;
	int opt, v, ret = 0;

	c->patterns = calloc(argc, sizeof(*c->patterns));
	c->filters = calloc(argc, sizeof(*c->filters));
	c->pids = calloc(argc, sizeof(*c->pids));
	c->tracer.filter = calloc(argc, sizeof(char *));
	c->tracer.notrace = calloc(argc, sizeof(char *));
	c->tracer.graph = calloc(argc, sizeof(char *));
	c->tracer.thresh_us = -1;
	c->probe_args = calloc(argc, sizeof(*c->probe_args));
	c->output = "trace.dat";
	c->buffer_kb = RECORD_DEFAULT_BUFFER_KB;
	if (!c->patterns || !c->filters || !c->pids || !c->tracer.filter || !c->tracer.notrace ||
	    !c->tracer.graph || !c->probe_args)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	ks_opts_init(&st, &record_help, argc, argv);
	while (!ret && (opt = ks_opts_next(&st)) != -1) {
		switch (opt) {
		case 'e':
			c->patterns[c->npatterns++] = st.optarg;
			c->last_is_probe = 0;
			break;
		case 'f':
			if (c->last_is_probe)
				c->probe_args[c->nprobes - 1].filter = st.optarg;
			else if (!c->npatterns)
				ret = ks_err_set(&c->err, -EINVAL, "-f '%s' must follow an -e or a probe",
						 st.optarg);
			else
				c->filters[c->npatterns - 1] = st.optarg;
			break;
		case 'T':
			c->stacktrace = 1;
			break;
		case 'p':
			c->tracer.name = st.optarg;
			break;
		case 'l':
			c->tracer.filter[c->tracer.nfilter++] = st.optarg;
			break;
		case 'n':
			c->tracer.notrace[c->tracer.nnotrace++] = st.optarg;
			break;
		case 'g':
			c->tracer.graph[c->tracer.ngraph++] = st.optarg;
			break;
		case OPT_MAX_DEPTH:
			if (ks_parse_int(st.optarg, &c->tracer.max_depth) || c->tracer.max_depth <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad --max-graph-depth '%s'", st.optarg);
			break;
		case OPT_DURATION_MIN:
			if (ks_parse_int(st.optarg, &v) || v < 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad --duration-min '%s' (microseconds)",
						 st.optarg);
			else
				c->tracer.thresh_us = v;
			break;
		case OPT_FUNCTION_TRACE:
			c->tracer.function_trace = true;
			break;
		case OPT_TOP_LEVEL:
			c->top_level = 1;
			break;
		case OPT_KPROBE:
		case OPT_KRETPROBE:
		case OPT_UPROBE:
		case OPT_URETPROBE:
			c->probe_args[c->nprobes].kind = opt == OPT_KPROBE ? KS_KPROBE :
				opt == OPT_KRETPROBE ? KS_KRETPROBE : opt == OPT_UPROBE ? KS_UPROBE :
				KS_URETPROBE;
			c->probe_args[c->nprobes++].spec = st.optarg;
			c->last_is_probe = 1;
			break;
		case 'P':
			if (ks_parse_int(st.optarg, &v) || v <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad pid '%s'", st.optarg);
			else if (!ks_pid_alive(v))
				ret = ks_err_set(&c->err, -ESRCH, "no process with pid %d", v);
			else
				c->pids[c->npids++] = v;
			break;
		case 'F':
			c->filter_cmd = 1;
			break;
		case 'c':
			c->children = 1;
			break;
		case 'b':
			if (ks_parse_int(st.optarg, &c->buffer_kb) || c->buffer_kb <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad buffer size '%s' (KiB)", st.optarg);
			break;
		case 'C':
			c->clock = st.optarg;
			break;
		case 'o':
			c->output = st.optarg;
			break;
		case OPT_DURATION:
			if (ks_parse_duration(st.optarg, &c->duration) || c->duration <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad duration '%s'", st.optarg);
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'h':
			ks_opts_help(stdout, &record_help);
			ks_opts_free(&st);
			return 1;
		default:
			ret = ks_err_set(&c->err, -EINVAL, "%s (see --help)", st.bad);
		}
	}
	if (!ret) {
		int i = ks_opts_index(&st);

		if (i < argc)
			c->cmd = argv + i;
	}
	ks_opts_free(&st);
	if (ret)
		return ret;
	if (!c->npatterns && !c->tracer.name && !c->nprobes)
		return ks_err_set(&c->err, -EINVAL, "nothing to record: add -e sys:event or -p tracer "
				  "(for example -e sched:sched_switch; see 'kscope list -e')");
	if (!c->tracer.name && (c->tracer.nfilter || c->tracer.nnotrace || c->tracer.ngraph ||
				c->tracer.max_depth || c->tracer.thresh_us >= 0))
		return ks_err_set(&c->err, -EINVAL, "-l, -n, -g, --max-graph-depth and "
				  "--duration-min need a tracer (-p function, -p function_graph, ...)");
	if (c->cmd && ks_child_check(c->cmd, &c->err))
		return -ENOENT;
	if (c->filter_cmd && !c->cmd)
		return ks_err_set(&c->err, -EINVAL, "-F needs a command after --");
	if (c->children && !c->npids && !c->filter_cmd)
		return ks_err_set(&c->err, -EINVAL, "-c needs -P or -F");
	return 0;
}


/*
 * A private instance when the kernel allows one and the tracer runs there; the
 * top level (journaled) otherwise: function_graph on many kernels, latency
 * tracers, graph settings, kernels without instances, or --top-level.
 */
static int record_open_session(struct record_ctx *c)
{
	struct ks_err e;
	int ret;

	if (!c->top_level && !ks_tracer_needs_top(&c->tracer)) {
		ret = ks_session_open(&c->sess, "record", &e);
		if (ret == -EPERM || ret == -EACCES || ret == -ENOENT)
			return ks_session_open_top(&c->sess, "record", &c->err);
		if (ret)
			return ks_err_set(&c->err, ret, "%s", e.msg);
		if (!c->tracer.name || ks_tracer_available(c->sess, c->tracer.name))
			return 0;
		ks_session_close(c->sess, &e);
		c->sess = NULL;
	}
	return ks_session_open_top(&c->sess, "record", &c->err);
}

static int record_setup_instance(struct record_ctx *c)
{
	char buf[64];
	int i, ret;

	ret = record_open_session(c);
	if (ret)
		return ret;
	ret = ks_session_write(c->sess, "tracing_on", "0", &c->err);
	if (ret)
		return ret;
	if (c->nprobes) {
		/* New probes are new event directories: list again, then select them. */
		for (i = 0; i < c->nprobes; i++) {
			ret = ks_probe_create(c->sess, &c->probes[i], &c->err);
			if (ret)
				return ret;
		}
		ks_evsel_free(&c->all);
		ret = ks_evsel_list_all(c->tracefs, &c->all);
		for (i = 0; !ret && i < c->nprobes; i++) {
			char pat[160];

			snprintf(pat, sizeof(pat), "%s:%s", c->probes[i].group, c->probes[i].name);
			ret = ks_evsel_add(&c->sel, &c->all, pat, c->probe_args[i].filter, &c->err);
		}
		if (ret)
			return ret;
	}
	snprintf(buf, sizeof(buf), "%d", c->buffer_kb);
	ret = ks_session_write(c->sess, "buffer_size_kb", buf, &c->err);
	if (ret)
		return ks_err_set(&c->err, ret, "cannot set the buffer to %d KiB per CPU: %s",
				  c->buffer_kb, c->err.msg);
	if (c->clock) {
		ret = ks_session_set_clock(c->sess, c->clock, &c->err);
		if (ret)
			return ret;
	}
	if (c->npids || c->filter_cmd) {
		struct ks_buf pids = { 0 };

		for (i = 0; i < c->npids; i++)
			ks_buf_addf(&pids, "%d ", c->pids[i]);
		if (c->filter_cmd)
			ks_buf_addf(&pids, "%d", (int)c->child.pid);
		ret = pids.data ? ks_session_write(c->sess, "set_event_pid", pids.data, &c->err) :
			-ENOMEM;
		ks_buf_free(&pids);
		if (ret)
			return ret;
	}
	if (c->children) {
		ret = ks_session_write(c->sess, "options/event-fork", "1", &c->err);
		if (ret)
			return ret;
	}
	ret = ks_evsel_apply(c->sess, &c->sel, c->stacktrace, &c->err);
	if (ret || !c->tracer.name)
		return ret;
	/* The tracer follows the same tasks as the events. */
	if (c->filter_cmd)
		c->pids[c->npids++] = c->child.pid;
	c->tracer.pids = c->pids;
	c->tracer.npids = c->npids;
	c->tracer.children = c->children;
	ret = ks_tracer_apply(c->sess, &c->tracer, &c->err);
	if (c->filter_cmd)
		c->npids--;
	return ret;
}

static char *output_dir(const char *path)
{
	char *copy = strdup(path), *dir;

	if (!copy)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

static int record_setup(struct record_ctx *c)
{
	char *dir;
	int i, ret;

	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs)
		return -ENODEV;
	ret = ks_evsel_list_all(c->tracefs, &c->all);
	if (ret)
		return ks_err_set(&c->err, ret, "cannot read %s/events: %s", c->tracefs,
				  strerror(-ret));
	for (i = 0; i < c->npatterns; i++) {
		ret = ks_evsel_add(&c->sel, &c->all, c->patterns[i], c->filters[i], &c->err);
		if (ret)
			return ret;
	}
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
		return ks_err_set(&c->err, ret, "cannot write %s: %s", c->output, strerror(-ret));

	/* From here on, signals arrive through signalfd: cleanup always runs. */
	c->sig_fd = ks_child_signalfd(&c->old_mask);
	if (c->sig_fd < 0)
		return ks_err_set(&c->err, c->sig_fd, "signalfd: %s", strerror(-c->sig_fd));
	if (c->cmd) {
		ret = ks_child_fork(&c->child, c->cmd, &c->old_mask, &c->err);
		if (ret)
			return ret;
	}
	ret = record_setup_instance(c);
	if (ret)
		return ret;
	c->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	dir = output_dir(c->output);
	if (!dir)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	ret = ks_rec_start(&c->rec, ks_session_instance(c->sess), c->ncpus, dir, &c->err);
	free(dir);
	if (ret)
		return ret;
	return ks_tdat_writer_new(&c->writer, c->out.fd, c->tracefs, &c->sel, NULL, c->ncpus,
				  ks_rec_page_size(c->rec), &c->err);
}

static uint64_t stats_total(struct record_ctx *c, struct ks_cpustats *per_cpu)
{
	uint64_t lost = 0;
	char file[64];
	int i;

	for (i = 0; i < c->ncpus; i++) {
		char *text;

		memset(&per_cpu[i], 0, sizeof(per_cpu[i]));
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", i);
		text = tracefs_instance_file_read(ks_session_instance(c->sess), file, NULL);
		if (!text)
			continue;
		ks_cpustats_parse(text, &per_cpu[i]);
		lost += ks_cpustats_lost(&per_cpu[i]);
		free(text);
	}
	return lost;
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

static void record_status(struct record_ctx *c, struct ks_cpustats *st, uint64_t *last_bytes,
			  uint64_t *last_events, uint64_t *last_ns)
{
	uint64_t now = ks_now_ns(), bytes = ks_rec_bytes(c->rec, -1), events = 0, lost;
	double dt = (now - *last_ns) / 1e9;
	char b1[32], b2[32];
	int i;

	lost = stats_total(c, st);
	/* Events still waiting in the buffer count too: a quiet trace is read in bursts. */
	for (i = 0; i < c->ncpus; i++)
		events += st[i].read + st[i].entries;
	if (dt <= 0)
		dt = 1;
	human_bytes(b1, sizeof(b1), bytes);
	human_bytes(b2, sizeof(b2), (bytes - *last_bytes) / dt);
	fprintf(stderr, "\rkscope record: %.1fs  %s (%s/s)  %llu events (%.0f/s)  lost %llu\033[K",
		(now - c->start_ns) / 1e9, b1, b2, (unsigned long long)events,
		(events - *last_events) / dt, (unsigned long long)lost);
	*last_bytes = bytes;
	*last_events = events;
	*last_ns = now;
}


static int record_run(struct record_ctx *c)
{
	struct ks_cpustats *st = calloc(c->ncpus, sizeof(*st));
	uint64_t last_bytes = 0, last_events = 0, last_ns, deadline = 0;
	int ret = 0;

	if (!st)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	c->show_status = !c->quiet && isatty(STDERR_FILENO);
	/* The top-level buffer may hold old data: start from empty, once all is set up. */
	if (ks_session_is_top(c->sess))
		tracefs_instance_file_write(NULL, "trace", "");
	ret = ks_session_write(c->sess, "tracing_on", "1", &c->err);
	if (ret)
		goto out;
	c->start_ns = last_ns = ks_now_ns();
	if (c->duration > 0)
		deadline = c->start_ns + (uint64_t)(c->duration * 1e9);
	ret = ks_child_start(&c->child);
	if (ret) {
		ks_err_set(&c->err, ret, "cannot start the command: %s", strerror(-ret));
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->sig_fd, .events = POLLIN },
			{ .fd = ks_rec_error_fd(c->rec), .events = POLLIN },
		};
		struct signalfd_siginfo si;
		uint64_t now = ks_now_ns();
		int timeout = 1000;

		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			ret = ks_err_set(&c->err, -errno, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			ret = ks_rec_error(c->rec);
			ks_err_set(&c->err, ret, "writing trace data next to %s: %s", c->output,
				   strerror(-ret));
			break;
		}
		if (pfd[0].revents && read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				if (ks_child_reap(&c->child)) {
					if (c->child.exec_errno)
						ks_err_set(&c->err, -c->child.exec_errno,
							   "cannot run '%s': %s", c->cmd[0],
							   strerror(c->child.exec_errno));
					break;
				}
			} else {
				c->stop_reason = (int)si.ssi_signo;
				break;
			}
		}
		if (c->show_status)
			record_status(c, st, &last_bytes, &last_events, &last_ns);
	}
out:
	c->stop_ns = ks_now_ns();
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	if (c->show_status)
		fprintf(stderr, "\r\033[K");
	free(st);
	return ret;
}

static int record_write(struct record_ctx *c, uint64_t *kept)
{
	struct tracefs_instance *inst = ks_session_instance(c->sess);
	struct ks_tdat_cpu_src *src;
	struct utsname u;
	struct ks_buf b = { 0 };
	char *clock;
	uint32_t n = c->ncpus;
	int i, ret = 0;

	src = calloc(c->ncpus, sizeof(*src));
	if (!src)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	clock = tracefs_instance_file_read(inst, "trace_clock", NULL);
	if (clock)
		ks_tdat_writer_add_option(c->writer, KS_TDAT_OPT_TRACECLOCK, clock,
					  strlen(clock) + 1);
	free(clock);
	if (!uname(&u)) {
		ks_buf_addf(&b, "%s %s %s %s %s", u.sysname, u.nodename, u.release, u.version,
			    u.machine);
		if (b.data)
			ks_tdat_writer_add_option(c->writer, KS_TDAT_OPT_UNAME, b.data, b.len + 1);
		ks_buf_free(&b);
	}
	ks_tdat_writer_add_option(c->writer, KS_TDAT_OPT_VERSION, "kscope " KSCOPE_VERSION,
				  sizeof("kscope " KSCOPE_VERSION));
	ks_tdat_writer_add_option(c->writer, KS_TDAT_OPT_CPUCOUNT, &n, sizeof(n));
	for (i = 0; i < c->ncpus; i++) {
		char file[64], *text;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", i);
		text = tracefs_instance_file_read(inst, file, NULL);
		if (!text)
			continue;
		ks_buf_addf(&b, "CPU: %d\n%s", i, text);
		if (b.data)
			ks_tdat_writer_add_option(c->writer, KS_TDAT_OPT_CPUSTAT, b.data, b.len + 1);
		ks_buf_free(&b);
		free(text);
	}
	for (i = 0; i < c->ncpus; i++)
		src[i].fd = ks_rec_spool(c->rec, i, &src[i].size);
	ret = ks_tdat_writer_finish(c->writer, src, kept, &c->err);
	free(src);
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
			(unsigned long long)events, b, c->ncpus, (c->stop_ns - c->start_ns) / 1e9,
			c->output);
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

static int record_cleanup(struct record_ctx *c)
{
	struct ks_err e;
	int ret = 0;

	/* Tracing ended first (Ctrl-C, --duration, an error): end the command too. */
	ks_child_end(&c->child);

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
	if (c->sig_fd >= 0)
		close(c->sig_fd);
	ks_evsel_free(&c->sel);
	ks_evsel_free(&c->all);
	free(c->patterns);
	free(c->filters);
	free(c->pids);
	free(c->tracer.filter);
	free(c->tracer.notrace);
	free(c->tracer.graph);
	free(c->probe_args);
	free(c->probes);
	return ret;
}

int ks_cmd_record(int argc, char **argv)
{
	struct record_ctx c = { .out.fd = -1, .sig_fd = -1, .child.go_fd = -1, .child.exec_fd = -1 };
	struct ks_cpustats *st = NULL;
	uint64_t kept = 0;
	int ret, wret, code = KS_EXIT_OK;

	ret = record_parse(&c, argc, argv);
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "kscope record: %s\n", c.err.msg);
		record_cleanup(&c);
		return ret > 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
	}
	ret = record_setup(&c);
	if (ret) {
		fprintf(stderr, "kscope record: %s\n", c.err.msg);
		code = ret == -ENOENT || ret == -EINVAL ? KS_EXIT_USAGE : KS_EXIT_FAIL;
		goto out;
	}
	ret = record_run(&c);
	ks_rec_stop(c.rec);
	if (!ret)
		ret = ks_rec_error(c.rec);
	if (!ret && c.err.msg[0]) {
		/* The command could not be run: there is nothing worth keeping. */
		fprintf(stderr, "kscope record: %s\n", c.err.msg);
		code = KS_EXIT_FAIL;
		goto out;
	}
	if (ret) {
		/* Keep going: whatever was captured still becomes a readable file. */
		fprintf(stderr, "kscope record: capture stopped: %s\n",
			c.err.msg[0] ? c.err.msg : strerror(-ret));
		code = KS_EXIT_FAIL;
	}
	st = calloc(c.ncpus, sizeof(*st));
	if (!st) {
		fprintf(stderr, "kscope record: out of memory\n");
		code = KS_EXIT_FAIL;
		goto out;
	}
	stats_total(&c, st);
	wret = record_write(&c, &kept);
	if (wret)
		fprintf(stderr, "kscope record: %s: %s\n", c.output, c.err.msg);
	/* A file cut at a page boundary (disk full) is still a valid trace.dat. */
	if (!wret || kept) {
		int cret = ks_outfile_commit(&c.out);

		if (cret) {
			fprintf(stderr, "kscope record: cannot create %s: %s\n", c.output,
				strerror(-cret));
			wret = cret;
		}
	}
	if (wret)
		code = KS_EXIT_FAIL;
	record_summary(&c, st, kept);
out:
	free(st);
	if (record_cleanup(&c))
		code = KS_EXIT_FAIL;
	return code;
}
