// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope profile: sample call stacks with perf_event (no eBPF) — on-CPU with a
 * hardware or software clock, off-CPU by sampling sched:sched_switch — and store
 * them with mappings, build-ids and comms in a trace.dat (kscope:* events). The
 * session (src/profile/profsess.c) does the work; this is its command line and its
 * messages: parse -> setup -> run -> write -> report.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/kernel/child.h"
#include "kscope/profile/profsess.h"

#define PROFILE_DEFAULT_FREQ	99
#define PROFILE_DEFAULT_STACK	8192

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
	  "time off CPU (samples " KS_PROFSESS_OFFCPU_EVENT "; implies -g; add -e cpu-clock for on-CPU "
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
	const char *event_names[KS_PROFSESS_MAX_EVENTS];
	struct ks_profsess_opts o;
	bool quiet;
	int *pids;
	/* state */
	struct ks_profsess *sess;
	struct ks_err err;
};

static int parse_call_graph(struct profile_ctx *c, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	uint64_t size;

	if (n == 2 && !strncmp(arg, "fp", 2) && !comma) {
		c->o.cg = KS_PERF_CG_FP;
		return 0;
	}
	if (n != 5 || strncmp(arg, "dwarf", 5))
		return ks_err_set(&c->err, -EINVAL, "bad --call-graph '%s' (fp or dwarf[,SIZE])",
				  arg);
	c->o.cg = KS_PERF_CG_DWARF;
	if (!comma)
		return 0;
	/* The kernel takes at most 65528 and a multiple of 8; one sample must fit a page. */
	if (ks_parse_u64(comma + 1, &size) || size < 8 || size > 60000)
		return ks_err_set(&c->err, -EINVAL, "bad stack size '%s' (8 to 60000 bytes)",
				  comma + 1);
	c->o.stack_size = (uint32_t)(size + 7) / 8 * 8;
	return 0;
}

static int profile_opt(void *ctx, int opt, const char *arg)
{
	struct profile_ctx *c = ctx;
	int v;

	switch (opt) {
	case 'e':
		if (c->o.nevents == KS_PROFSESS_MAX_EVENTS)
			return ks_err_set(&c->err, -EINVAL, "at most %d events",
					  KS_PROFSESS_MAX_EVENTS);
		c->event_names[c->o.nevents++] = arg;
		return 0;
	case 'F':
		if (ks_parse_u64(arg, &c->o.freq) || !c->o.freq || c->o.freq > 100000)
			return ks_err_set(&c->err, -EINVAL, "bad frequency '%s' (1 to 100000 Hz)", arg);
		return 0;
	case 'c':
		if (ks_parse_u64(arg, &c->o.count) || !c->o.count)
			return ks_err_set(&c->err, -EINVAL, "bad count '%s'", arg);
		return 0;
	case 'g':
		if (c->o.cg == KS_PERF_CG_NONE)
			c->o.cg = KS_PERF_CG_FP;
		return 0;
	case OPT_CALL_GRAPH:
		return parse_call_graph(c, arg);
	case OPT_OFF_CPU:
		c->o.offcpu = true;
		return 0;
	case 'a':
		c->o.all_cpus = true;
		return 0;
	case 'p': {
		int ret = ks_parse_int_list(arg, 1, 1 << 30, &c->pids, &c->o.npids);

		return ret == -ENOMEM ? ks_err_set(&c->err, ret, "out of memory") :
		       ret ? ks_err_set(&c->err, ret, "bad pid list '%s'", arg) : 0;
	}
	case 'C':
		c->o.cpu_list = arg;
		return 0;
	case OPT_DURATION:
		if (ks_parse_duration(arg, &c->o.duration) || c->o.duration <= 0)
			return ks_err_set(&c->err, -EINVAL, "bad duration '%s'", arg);
		return 0;
	case OPT_MMAP_PAGES:
		if (ks_parse_int_range(arg, 1, 1 << 20, &v) || (v & (v - 1)))
			return ks_err_set(&c->err, -EINVAL, "bad --mmap-pages '%s' (a power of two)",
					  arg);
		c->o.mmap_pages = (unsigned int)v;
		return 0;
	case 'o':
		c->o.output = arg;
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

	c->o.stack_size = PROFILE_DEFAULT_STACK;
	c->o.output = "profile.dat";
	ret = ks_opts_parse(&profile_help, argc, argv, profile_opt, c, &i, &c->err);
	if (ret)
		return ret;
	if (i < argc)
		c->o.cmd = argv + i;
	if (c->o.freq && c->o.count)
		return ks_err_set(&c->err, -EINVAL, "-F and -c exclude each other");
	if (c->o.cmd && c->o.npids)
		return ks_err_set(&c->err, -EINVAL, "a command excludes -p");
	if (c->o.npids && c->o.all_cpus)
		return ks_err_set(&c->err, -EINVAL, "-p and -a exclude each other");
	/* -C alone means those CPUs system-wide, as in perf. */
	if ((!c->o.cmd && !c->o.npids) || (c->o.cpu_list && !c->o.npids))
		c->o.all_cpus = true;
	/* A blocked thread without its stack says nothing: off-CPU implies call graphs. */
	if (c->o.offcpu && c->o.cg == KS_PERF_CG_NONE)
		c->o.cg = KS_PERF_CG_FP;
	if (!c->o.freq && !c->o.count)
		c->o.freq = PROFILE_DEFAULT_FREQ;
	if (!c->o.mmap_pages)
		c->o.mmap_pages = c->o.cg == KS_PERF_CG_DWARF ? 512 : 128;
	c->o.events = c->event_names;
	c->o.pids = c->pids;
	return c->o.cmd ? ks_child_check(c->o.cmd, &c->err) : 0;
}

static int profile_setup(struct profile_ctx *c)
{
	int ret = ks_profsess_new(&c->sess, &c->o, &c->err);

	if (ret)
		return ret;
	if (ks_profsess_cycles_fallback(c->sess))
		fprintf(stderr, "kscope profile: no hardware cycles counter here (no PMU): "
			"sampling cpu-clock instead\n");
	if (ks_profsess_user_only(c->sess))
		fprintf(stderr, "kscope profile: kernel sampling not allowed here "
			"(perf_event_paranoid): user space only; root or 'sysctl "
			"kernel.perf_event_paranoid=1' adds kernel frames\n");
	return 0;
}

static void profile_status(void *arg, struct ks_profsess *s)
{
	const struct ks_profrec_stats *st = ks_profsess_stats(s);

	fprintf(stderr, "\rkscope profile: %.1fs  %llu samples  %.1f MB read  lost %llu\033[K",
		ks_profsess_elapsed(s), (unsigned long long)st->samples, st->bytes / 1e6,
		(unsigned long long)(st->lost + st->lost_samples));
}

static int profile_run(struct profile_ctx *c)
{
	bool status = !c->quiet && isatty(STDERR_FILENO);
	int ret = ks_profsess_run(c->sess, 250, status ? profile_status : NULL, c);

	if (status)
		fprintf(stderr, "\r\033[K");
	return ret;
}

static void profile_report(struct profile_ctx *c)
{
	const struct ks_profrec_stats *st = ks_profsess_stats(c->sess);
	const struct ks_perf_evspec *ev;
	struct stat sb;
	int i, n;

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
		ks_profsess_elapsed(c->sess));
	ev = ks_profsess_events(c->sess, &n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", ev[i].name);
	fprintf(stderr, "; call graph %s%s), %llu throttled, %llu lost; ",
		ks_perf_callgraph_name(c->o.cg),
		c->o.cg == KS_PERF_CG_DWARF ? ", user stacks unwound when read" : "",
		(unsigned long long)st->throttled,
		(unsigned long long)(st->lost + st->lost_samples));
	if (!stat(c->o.output, &sb))
		fprintf(stderr, "%s: %.1f MB\n", c->o.output, sb.st_size / 1e6);
	else
		fprintf(stderr, "%s\n", c->o.output);
}

int ks_cmd_profile(int argc, char **argv)
{
	struct profile_ctx c = { 0 };
	struct ks_run *run;
	int ret, code;

	ret = profile_parse(&c, argc, argv);
	if (ret > 0) {
		free(c.pids);
		return KS_EXIT_OK;
	}
	ret = ret ?: profile_setup(&c) ?: profile_run(&c);
	run = c.sess ? ks_profsess_run_state(c.sess) : NULL;
	if (!ret && ks_run_exec_failed(run)) {
		/* The command could not be run: there is nothing worth keeping. */
		fprintf(stderr, "kscope profile: %s\n", c.err.msg);
		code = ks_run_exit_status(run);
		goto out;
	}
	ret = ret ?: ks_profsess_write(c.sess);
	if (ret) {
		code = ks_cmd_fail("profile", ret, &c.err);
	} else {
		profile_report(&c);
		if (run->stop == KS_RUN_SIGNAL)
			fprintf(stderr, "kscope profile: stopped by %s\n", strsignal(run->stop_signal));
		code = ks_run_exit_status(run);
	}
out:
	ks_profsess_free(c.sess);
	free(c.pids);
	return code;
}
