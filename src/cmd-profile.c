// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope profile: sample call stacks with perf_event (no eBPF) — on-CPU with a
 * hardware or software clock, off-CPU by sampling sched:sched_switch — and store
 * them with mappings, build-ids and comms in a trace.dat (kscope:* events).
 * parse -> setup (target, events, rings) -> run (read rings) -> write -> report.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/kernel/evsel.h"
#include "kscope/kernel/perf.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/run.h"
#include "kscope/kernel/session.h"
#include "kscope/profile/profrec.h"
#include "kscope/profile/unwind.h"

#define PROFILE_MAX_EVENTS	8
#define PROFILE_DEFAULT_FREQ	99
#define PROFILE_DEFAULT_STACK	8192
#define OFFCPU_EVENT		"sched:sched_switch"

enum { OPT_CALL_GRAPH = 256, OPT_DURATION, OPT_OFF_CPU, OPT_MMAP_PAGES };

static const struct ks_opt profile_opts[] = {
	{ 'e', "event", "EVENT", "what to sample: cycles (default), instructions, cpu-clock, "
	  "task-clock, page-faults, sys:tracepoint, ...; :u/:k suffix; repeat" },
	{ 'F', "freq", "HZ", "samples per second per CPU (default 99)" },
	{ 'c', "count", "N", "sample every N events instead of at a frequency" },
	{ 'g', NULL, NULL, "record call stacks, kernel and user (frame pointers)" },
	{ OPT_CALL_GRAPH, "call-graph", "fp|dwarf[,SIZE]", "how to get user stacks: frame "
	  "pointers, or DWARF unwinding of a SIZE-byte stack copy (default 8192)" },
	{ OPT_OFF_CPU, "off-cpu", NULL, "off-CPU stacks: where threads block, weighted by the "
	  "time off CPU (samples " OFFCPU_EVENT "; implies -g; add -e cpu-clock for on-CPU "
	  "samples too)" },
	{ 'a', "all-cpus", NULL, "every process on the CPUs (default without -p or a command; "
	  "with a command: until it exits)" },
	{ 'p', "pid", "PID[,PID]", "these processes and the threads they start; repeat" },
	{ 'C', "cpu", "LIST", "only these CPUs: 0,2-3 (system-wide on them unless -p)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ OPT_MMAP_PAGES, "mmap-pages", "N", "ring buffer pages per CPU, a power of two "
	  "(default 128; 512 with dwarf)" },
	{ 'o', "output", "FILE", "output file (default profile.dat)" },
	{ 'q', "quiet", NULL, "no status line and no summary (warnings stay)" },
	{ 0 },
};

static const struct ks_cmd_help profile_help = {
	.name = "profile",
	.usage = "[-e EVENT]... [-F HZ | -c N] [-g | --call-graph fp|dwarf[,SIZE]] [--off-cpu]\n"
		 "                      [-a | -p PID[,PID] | -C CPUS] [--duration SECS] [-o FILE]\n"
		 "                      [-- command [args]]",
	.summary = "Sample call stacks with perf_event, no eBPF: on-CPU (hardware cycles where\n"
		   "a PMU exists, else cpu-clock) and, with --off-cpu, where threads block.\n"
		   "The file is a trace.dat (trace-cmd report lists the kscope:* samples) that\n"
		   "holds raw addresses, mappings, build-ids, comms and kallsyms, so it can be\n"
		   "symbolized later or elsewhere: kscope flame, kscope report --profile.\n"
		   "Profiles the command until it exits (with -a: everything, until it exits),\n"
		   "-p PIDs until they exit, or every CPU (-a, the default) until --duration\n"
		   "or Ctrl-C.",
	.opts = profile_opts,
};

struct profile_ctx {
	/* options */
	const char *event_names[PROFILE_MAX_EVENTS];
	int nevent_names;
	uint64_t freq, count;
	enum ks_perf_callgraph cg;
	uint32_t stack_size;
	bool offcpu, all_cpus;
	int *pids;
	int npids;
	const char *cpu_list;
	double duration;
	unsigned int mmap_pages;
	const char *output;
	bool quiet;
	char **cmd;
	/* state */
	const char *tracefs;
	struct ks_perf_evspec events[PROFILE_MAX_EVENTS + 1];
	int nevents;
	int offcpu_event;		/* index of sched_switch, or -1 */
	int *cpus, ncpus, ncpus_kernel;
	int *tids, ntids;
	struct ks_perf *perf;
	struct ks_profrec *rec;
	struct ks_outfile out;
	struct ks_run run;
	char machine[65];
	uint64_t regs_mask;
	const char *clock;
	uint64_t start_ns, stop_ns;
	uint64_t start_epoch_ns;	/* wall clock at start_ns */
	struct ks_err err;
};

static int parse_call_graph(struct profile_ctx *c, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	uint64_t size;

	if (n == 2 && !strncmp(arg, "fp", 2) && !comma) {
		c->cg = KS_PERF_CG_FP;
		return 0;
	}
	if (n != 5 || strncmp(arg, "dwarf", 5))
		return ks_err_set(&c->err, -EINVAL, "bad --call-graph '%s' (fp or dwarf[,SIZE])",
				  arg);
	c->cg = KS_PERF_CG_DWARF;
	if (!comma)
		return 0;
	/* The kernel takes at most 65528 and a multiple of 8; one sample must fit a page. */
	if (ks_parse_u64(comma + 1, &size) || size < 8 || size > 60000)
		return ks_err_set(&c->err, -EINVAL, "bad stack size '%s' (8 to 60000 bytes)",
				  comma + 1);
	c->stack_size = (uint32_t)(size + 7) / 8 * 8;
	return 0;
}

static int profile_opt(void *ctx, int opt, const char *arg)
{
	struct profile_ctx *c = ctx;
	int v;

	switch (opt) {
	case 'e':
		if (c->nevent_names == PROFILE_MAX_EVENTS)
			return ks_err_set(&c->err, -EINVAL, "at most %d events", PROFILE_MAX_EVENTS);
		c->event_names[c->nevent_names++] = arg;
		return 0;
	case 'F':
		if (ks_parse_u64(arg, &c->freq) || !c->freq || c->freq > 100000)
			return ks_err_set(&c->err, -EINVAL, "bad frequency '%s' (1 to 100000 Hz)", arg);
		return 0;
	case 'c':
		if (ks_parse_u64(arg, &c->count) || !c->count)
			return ks_err_set(&c->err, -EINVAL, "bad count '%s'", arg);
		return 0;
	case 'g':
		if (c->cg == KS_PERF_CG_NONE)
			c->cg = KS_PERF_CG_FP;
		return 0;
	case OPT_CALL_GRAPH:
		return parse_call_graph(c, arg);
	case OPT_OFF_CPU:
		c->offcpu = true;
		return 0;
	case 'a':
		c->all_cpus = true;
		return 0;
	case 'p': {
		int ret = ks_parse_int_list(arg, 1, 1 << 30, &c->pids, &c->npids);

		return ret == -ENOMEM ? ks_err_set(&c->err, ret, "out of memory") :
		       ret ? ks_err_set(&c->err, ret, "bad pid list '%s'", arg) : 0;
	}
	case 'C':
		c->cpu_list = arg;
		return 0;
	case OPT_DURATION:
		if (ks_parse_duration(arg, &c->duration) || c->duration <= 0)
			return ks_err_set(&c->err, -EINVAL, "bad duration '%s'", arg);
		return 0;
	case OPT_MMAP_PAGES:
		if (ks_parse_int_range(arg, 1, 1 << 20, &v) || (v & (v - 1)))
			return ks_err_set(&c->err, -EINVAL, "bad --mmap-pages '%s' (a power of two)",
					  arg);
		c->mmap_pages = (unsigned int)v;
		return 0;
	case 'o':
		c->output = arg;
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	}
	return -EINVAL;
}

static int profile_parse(struct profile_ctx *c, int argc, char **argv)
{
	int ret, i;

	c->stack_size = PROFILE_DEFAULT_STACK;
	c->output = "profile.dat";
	ret = ks_opts_parse(&profile_help, argc, argv, profile_opt, c, &i, &c->err);
	if (ret)
		return ret;
	if (i < argc)
		c->cmd = argv + i;
	if (c->freq && c->count)
		return ks_err_set(&c->err, -EINVAL, "-F and -c exclude each other");
	if (c->cmd && c->npids)
		return ks_err_set(&c->err, -EINVAL, "a command excludes -p");
	if (c->npids && c->all_cpus)
		return ks_err_set(&c->err, -EINVAL, "-p and -a exclude each other");
	/* -C alone means those CPUs system-wide, as in perf. */
	if ((!c->cmd && !c->npids) || (c->cpu_list && !c->npids))
		c->all_cpus = true;
	/* A blocked thread without its stack says nothing: off-CPU implies call graphs. */
	if (c->offcpu && c->cg == KS_PERF_CG_NONE)
		c->cg = KS_PERF_CG_FP;
	if (!c->freq && !c->count)
		c->freq = PROFILE_DEFAULT_FREQ;
	if (!c->mmap_pages)
		c->mmap_pages = c->cg == KS_PERF_CG_DWARF ? 512 : 128;
	return c->cmd ? ks_child_check(c->cmd, &c->err) : 0;
}

static int setup_cpus(struct profile_ctx *c)
{
	int ret;

	c->ncpus_kernel = ks_proc_ncpus();
	if (c->cpu_list) {
		ret = ks_parse_cpu_list(c->cpu_list, c->ncpus_kernel, &c->cpus, &c->ncpus);
		if (ret)
			return ks_err_set(&c->err, ret, "bad CPU list '%s' (this machine has CPUs "
					  "0-%d)", c->cpu_list, c->ncpus_kernel - 1);
	} else {
		ret = ks_proc_cpus_online(&c->cpus, &c->ncpus);
		if (ret)
			return ks_err_runtime(&c->err, ret, "cannot read the online CPUs");
	}
	return c->ncpus ? 0 : ks_err_set(&c->err, -EINVAL, "no CPU to profile");
}

/* Every thread of the -p processes, which must exist now. */
static int setup_tids(struct profile_ctx *c)
{
	int i, ret;

	for (i = 0; i < c->npids; i++) {
		ret = ks_proc_threads(c->pids[i], &c->tids, &c->ntids);
		if (ret == -ESRCH)
			return ks_err_set(&c->err, ret, "no process with pid %d", c->pids[i]);
		if (ret)
			return ks_err_set(&c->err, ret, "out of memory");
	}
	return 0;
}

/* The events: the user's, or cycles (cpu-clock without a PMU); --off-cpu adds sched_switch. */
static int setup_events(struct profile_ctx *c)
{
	int i, ret;

	if (!c->nevent_names && !c->offcpu)
		c->event_names[c->nevent_names++] = "cycles";
	c->offcpu_event = -1;
	for (i = 0; i < c->nevent_names; i++) {
		ret = ks_perf_parse_event(c->event_names[i], c->tracefs, &c->events[c->nevents],
					  &c->err);
		if (ret)
			return ret;
		c->nevents++;
	}
	if (ks_perf_fallback_cycles(c->events, c->nevents))
		fprintf(stderr, "kscope profile: no hardware cycles counter here (no PMU): "
			"sampling cpu-clock instead\n");
	if (c->offcpu) {
		ret = ks_perf_parse_event(OFFCPU_EVENT, c->tracefs, &c->events[c->nevents],
					  &c->err);
		if (ret)
			return ks_err_prefix(&c->err, ret, "--off-cpu needs the %s tracepoint",
					     OFFCPU_EVENT);
		/* Every switch: a missed one would merge two blocked intervals. */
		c->events[c->nevents].period = 1;
		c->offcpu_event = c->nevents++;
	}
	return 0;
}

static bool needs_tracefs(const struct profile_ctx *c)
{
	int i;

	for (i = 0; i < c->nevent_names; i++)
		if (ks_perf_event_is_tracepoint(c->event_names[i]))
			return true;
	return false;
}

static int open_perf(struct profile_ctx *c)
{
	struct ks_perf_opts po = {
		.events = c->events, .nevents = c->nevents,
		.freq = c->count ? 0 : c->freq, .period = c->count,
		.callgraph = c->cg, .stack_size = c->stack_size, .regs_mask = c->regs_mask,
		.cpus = c->cpus, .ncpus = c->ncpus, .tids = c->tids, .ntids = c->ntids,
		.enable_on_exec = c->cmd && !c->all_cpus,
		/*
		 * Off-CPU time ends when the thread runs again: PERF_RECORD_SWITCH(_CPU_WIDE)
		 * says when. sched_switch samples cannot: the kernel takes none when the idle
		 * task is the one leaving, which is how most sleepers come back.
		 */
		.context_switch = c->offcpu,
		.build_id = true, .use_clockid = true, .allow_user_only = !c->all_cpus,
		.mmap_pages = c->mmap_pages,
	};
	int ret;

	ret = ks_perf_open(&c->perf, &po, &c->err);
	if (ret)
		return ret;
	if (ks_perf_user_only(c->perf))
		fprintf(stderr, "kscope profile: kernel sampling not allowed here "
			"(perf_event_paranoid): user space only; root or 'sysctl "
			"kernel.perf_event_paranoid=1' adds kernel frames\n");
	c->clock = ks_perf_uses_clockid(c->perf) ? "mono" : "perf";
	return 0;
}

static int profile_setup(struct profile_ctx *c)
{
	struct utsname u;
	char dir[PATH_MAX];
	int ret;

	/* Only tracepoints need tracefs: profiles without them work unprivileged too. */
	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs && (c->offcpu || needs_tracefs(c)))
		return -EACCES;
	ret = setup_cpus(c) ?: setup_tids(c) ?: setup_events(c);
	if (ret)
		return ret;
	if (!uname(&u))
		snprintf(c->machine, sizeof(c->machine), "%s", u.machine);
	if (c->cg == KS_PERF_CG_DWARF) {
		c->regs_mask = ks_unwind_regs_mask(c->machine);
		if (!c->regs_mask)
			return ks_err_set(&c->err, -EOPNOTSUPP, "--call-graph dwarf: kscope cannot "
					  "unwind %s stacks; use -g (frame pointers)", c->machine);
	}
	ret = ks_outfile_open(&c->out, c->output);
	if (ret)
		return ks_err_runtime(&c->err, ret, "cannot create %s: %s", c->output,
				      strerror(-ret));
	ret = ks_run_init(&c->run, c->cmd, false, &c->err);
	if (ret)
		return ret;
	/* A command alone is followed from its exec on, with the threads it starts. */
	if (c->cmd && !c->all_cpus) {
		c->tids = calloc(1, sizeof(*c->tids));
		if (!c->tids)
			return ks_err_set(&c->err, -ENOMEM, "out of memory");
		c->tids[c->ntids++] = c->run.child.pid;
	}
	ret = open_perf(c);
	if (ret)
		return ret;
	if (ks_dirname(c->output, dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), ".");
	return ks_profrec_new(&c->rec, c->perf, dir,
			      c->cg == KS_PERF_CG_DWARF ? 65536 : (int)sysconf(_SC_PAGESIZE),
			      &c->err);
}

static void profile_status(struct profile_ctx *c)
{
	const struct ks_profrec_stats *st = ks_profrec_stats(c->rec);

	fprintf(stderr, "\rkscope profile: %.1fs  %llu samples  %.1f MB read  lost %llu\033[K",
		ks_run_elapsed_ns(&c->run) / 1e9, (unsigned long long)st->samples,
		st->bytes / 1e6, (unsigned long long)(st->lost + st->lost_samples));
}

static int drain(struct profile_ctx *c)
{
	int64_t n = ks_perf_read(c->perf, ks_profrec_add, c->rec);

	if (n < 0)
		return ks_err_runtime(&c->err, (int)n, "cannot keep the samples next to %s: %s",
				      c->output, strerror((int)-n));
	return 0;
}

/* -p: whether any of the processes still runs (perf record -p stops when they end). */
static bool targets_alive(const struct profile_ctx *c)
{
	int i;

	for (i = 0; i < c->npids; i++)
		if (ks_pid_alive(c->pids[i]))
			return true;
	return false;
}

/* What already runs, stamped @ts: before any sample. */
static int synth_running(struct profile_ctx *c, uint64_t ts)
{
	int i, ret = 0;

	if (c->all_cpus)
		ret = ks_profrec_synth_all(c->rec, ts, c->cpus[0]);
	for (i = 0; !c->all_cpus && !ret && i < c->npids; i++)
		ret = ks_profrec_synth_proc(c->rec, c->pids[i], ts, c->cpus[0]);
	if (ret)
		return ks_err_runtime(&c->err, ret, "cannot record the running processes: %s",
				      strerror(-ret));
	return 0;
}

static int profile_run(struct profile_ctx *c)
{
	int nr = ks_perf_nrings(c->perf), i, ret;
	struct pollfd *pfd = calloc((size_t)nr, sizeof(*pfd));
	bool status = !c->quiet && isatty(STDERR_FILENO);
	struct timespec wall;
	uint64_t ts;

	if (!pfd)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	for (i = 0; i < nr; i++)
		pfd[i] = (struct pollfd){ .fd = ks_perf_ring_fd(c->perf, i), .events = POLLIN };
	ts = ks_profrec_now(c->clock);
	/*
	 * System-wide, what runs is read before sampling starts (a long read would fill
	 * the rings). A few -p processes are read quickly, after: one that execs in
	 * between is then seen by the kernel's mmap records if not by /proc.
	 */
	ret = c->all_cpus ? synth_running(c, ts) : 0;
	if (ret)
		goto out;
	c->start_ns = ks_now_ns();
	clock_gettime(CLOCK_REALTIME, &wall);
	c->start_epoch_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
	/* A command alone starts its events itself when it execs (enable_on_exec). */
	if (!c->cmd || c->all_cpus)
		ks_perf_enable(c->perf);
	ret = (c->all_cpus ? 0 : synth_running(c, ts)) ?: ks_run_start(&c->run, c->duration,
									&c->err);
	while (!ret && (ret = ks_run_wait(&c->run, pfd, nr, status ? 250 : 1000, &c->err)) > 0) {
		ret = drain(c);
		if (c->npids && !targets_alive(c))
			ks_run_stop(&c->run);
		if (status)
			profile_status(c);
	}
	c->stop_ns = ks_now_ns();
	ks_perf_disable(c->perf);
	if (!ret)
		ret = drain(c);
	if (status)
		fprintf(stderr, "\r\033[K");
out:
	free(pfd);
	return ret;
}

static int profile_write(struct profile_ctx *c)
{
	struct ks_profrec_meta meta = {
		.machine = c->machine, .clock = c->clock,
		.freq = c->count ? 0 : c->freq, .period = c->count,
		.callgraph = c->cg, .stack_size = c->stack_size, .regs_mask = c->regs_mask,
		.target = c->all_cpus ? "system" : c->cmd ? "command" : "pids",
		.events = c->events, .nevents = c->nevents, .offcpu_event = c->offcpu_event,
		.start_ns = c->start_ns, .duration_ns = c->stop_ns - c->start_ns,
		.start_epoch_ns = c->start_epoch_ns, .cmd = c->cmd,
	};
	struct ks_evsel all = { 0 }, sel = { 0 };
	int i, ret = 0;

	/* Tracepoint samples carry raw records: their formats go into the file. */
	for (i = 0; i < c->nevents && !ret; i++) {
		if (!c->events[i].tracepoint)
			continue;
		if (!all.n)
			ret = ks_evsel_list_all(c->tracefs, &all);
		if (!ret)
			ret = ks_evsel_add(&sel, &all, c->events[i].name, NULL, &c->err);
	}
	if (!ret)
		ret = ks_profrec_write(c->rec, c->out.fd, c->tracefs, &sel, &meta, c->ncpus_kernel,
				       &c->err);
	if (!ret) {
		ret = ks_outfile_commit(&c->out);
		if (ret)
			ks_err_runtime(&c->err, ret, "cannot write %s: %s", c->output,
				       strerror(-ret));
	}
	ks_evsel_free(&all);
	ks_evsel_free(&sel);
	return ret;
}

static void profile_report(struct profile_ctx *c)
{
	const struct ks_profrec_stats *st = ks_profrec_stats(c->rec);
	struct stat sb;
	int i;

	if (st->lost || st->lost_samples)
		fprintf(stderr, "kscope profile: warning: %llu records and %llu samples lost "
			"(rings full: raise --mmap-pages or lower -F)\n",
			(unsigned long long)st->lost, (unsigned long long)st->lost_samples);
	if (st->truncated)
		fprintf(stderr, "kscope profile: warning: %llu stack copies cut to fit\n",
			(unsigned long long)st->truncated);
	if (c->quiet)
		return;
	fprintf(stderr, "kscope profile: %llu samples in %.2f s (", (unsigned long long)st->samples,
		(c->stop_ns - c->start_ns) / 1e9);
	for (i = 0; i < c->nevents; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", c->events[i].name);
	fprintf(stderr, "; call graph %s%s), %llu throttled, %llu lost; ",
		ks_perf_callgraph_name(c->cg),
		c->cg == KS_PERF_CG_DWARF ? ", user stacks unwound when read" : "",
		(unsigned long long)st->throttled,
		(unsigned long long)(st->lost + st->lost_samples));
	if (!stat(c->output, &sb))
		fprintf(stderr, "%s: %.1f MB\n", c->output, sb.st_size / 1e6);
	else
		fprintf(stderr, "%s\n", c->output);
}

static void profile_cleanup(struct profile_ctx *c)
{
	ks_perf_close(c->perf);
	ks_run_end(&c->run);
	ks_profrec_free(c->rec);
	ks_outfile_discard(&c->out);
	free(c->pids);
	free(c->tids);
	free(c->cpus);
}

int ks_cmd_profile(int argc, char **argv)
{
	struct profile_ctx c = { .out = { .fd = -1 } };
	int ret, code;

	ret = profile_parse(&c, argc, argv);
	if (ret > 0)
		return KS_EXIT_OK;
	ret = ret ?: profile_setup(&c) ?: profile_run(&c);
	if (!ret && ks_run_exec_failed(&c.run)) {
		/* The command could not be run: there is nothing worth keeping. */
		fprintf(stderr, "kscope profile: %s\n", c.err.msg);
		code = ks_run_exit_status(&c.run);
		goto out;
	}
	ret = ret ?: profile_write(&c);
	if (ret) {
		code = ks_cmd_fail("profile", ret, &c.err);
	} else {
		profile_report(&c);
		if (c.run.stop == KS_RUN_SIGNAL)
			fprintf(stderr, "kscope profile: stopped by %s\n",
				strsignal(c.run.stop_signal));
		code = ks_run_exit_status(&c.run);
	}
out:
	profile_cleanup(&c);
	return code;
}
