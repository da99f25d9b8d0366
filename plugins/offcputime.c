// SPDX-License-Identifier: GPL-2.0-only
/*
 * offcputime: where threads block, and for how long, summed per call stack (kernel
 * and user) and thread, as bcc's offcputime prints it; from perf_event samples of
 * sched_switch with callchains (no eBPF, no kprobe on finish_task_switch). A blocked
 * interval runs from the switch out to the thread's next switch in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/parse.h"
#include "kscope/plugins/plugins.h"
#include "stackagg.h"

enum { OPT_STATE = 256 };

static const struct ks_opt offcpu_opts[] = {
	{ 't', "tid", "TID", "only this thread" },
	{ 'u', "user-threads-only", NULL, "only user threads (no kernel threads)" },
	{ 'k', "kernel-threads-only", NULL, "only kernel threads (no user threads)" },
	{ 'U', "user-stacks-only", NULL, "show only the user stacks (no kernel frames)" },
	{ 'K', "kernel-stacks-only", NULL, "show only the kernel stacks (no user frames)" },
	{ 'd', "delimited", NULL, "a line (folded: a frame '-') between kernel and user frames" },
	{ 'f', "folded", NULL, "folded output, one line per stack, for flame graphs" },
	{ 's', "offset", NULL, "function offsets: name+0x1f" },
	{ 'm', "min-block-time", "US", "only blocks of at least this many microseconds "
	  "(default 1)" },
	{ 'M', "max-block-time", "US", "only blocks of at most this many microseconds" },
	{ OPT_STATE, "state", "STATE", "only threads that blocked in this state: a mask of the "
	  "kernel's task states (1 sleeping, 2 uninterruptible, ...); 0 preempted" },
	{ 0 },
};

struct offcpu {
	struct stack_opts so;
	long state;			/* --state, when state_set */
	bool state_set;
	char header[160];
	struct stackagg agg;		/* (thread, kernel frames, user frames) -> microseconds */
	struct stack_names names;
};

static int offcpu_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		      struct ks_err *err)
{
	struct offcpu *o = priv;
	uint64_t v;
	int ret = stack_opts_parse(&o->so, key, arg, err);

	if (ret <= 0)
		return ret;
	switch (key) {
	case 's':
		o->names.offsets = true;
		return 0;
	case OPT_STATE:
		if (ks_parse_u64(arg, &v) || v > 0xffff)
			return ks_err_set(err, -EINVAL, "bad --state '%s' (a mask of task states, "
					  "such as 2 for uninterruptible; 0 preempted)", arg);
		o->state = (long)v;
		o->state_set = true;
		return 0;
	}
	return -EINVAL;
}

static const char *offcpu_tracing(const void *priv)
{
	const struct offcpu *o = priv;

	return o->so.folded ? NULL : o->header;
}

static int offcpu_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct offcpu *o = priv;
	const char *who = "all threads", *stacks = "user + kernel";
	char buf[64] = "";
	const int *pids;
	int npids = ks_analysis_pids(a, &pids), i, n = 0, ret;

	ret = stack_opts_check(&o->so, a, "-p, -t, -u and -k", err);
	if (ret)
		return ret;
	if (npids) {
		for (i = 0; i < npids && n < (int)sizeof(buf) - 12; i++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%d", i ? "," : "",
				      pids[i]);
		who = buf;
	} else if (o->so.tid) {
		snprintf(buf, sizeof(buf), "TID %d", o->so.tid);
		who = buf;
	} else if (o->so.user_threads) {
		who = "user threads";
	} else if (o->so.kernel_threads) {
		who = "kernel threads";
	} else if (ks_analysis_has_command(a)) {
		who = "the command";
	}
	if (o->so.user_stacks)
		stacks = "user";
	else if (o->so.kernel_stacks)
		stacks = "kernel";
	snprintf(o->header, sizeof(o->header), "Tracing off-CPU time (us) of %s%s by %s stack",
		 npids ? "PID " : "", who, stacks);
	if (stack_names_init(&o->names))
		return ks_err_set(err, -ENOMEM, "out of memory");
	return stackagg_init(&o->agg, a, err);
}

/* The kernel's task state bit of a state letter (0: preempted, still runnable). */
static long state_bit(char st)
{
	static const char letters[] = "SDTtXZPI";
	const char *p = st ? strchr(letters, st) : NULL;

	return p ? 1l << (p - letters) : 0;
}

/* --state: bcc's mask of task states, 0 for preempted. */
static bool state_wanted(const struct offcpu *o, char st)
{
	long bit = state_bit(st);

	return !o->state_set || (o->state ? (bit & o->state) != 0 : bit == 0);
}

static void offcpu_sample(struct ks_analysis *a, void *priv, const struct ks_prof_sample *s)
{
	struct offcpu *o = priv;
	uint64_t us = s->weight / 1000;
	struct stack_key k = { .comm = { s->comm }, .tid = { s->tid } };

	stack_split(s, &k.part[0], &k.n[0], &k.part[1], &k.n[1]);
	if (!stack_opts_wanted(&o->so, s, k.n[1], us) || !state_wanted(o, s->state))
		return;
	stack_opts_trim(&o->so, &k);
	/* A full map counts what it drops: the framework says so under the output. */
	stackagg_add(&o->agg, &k, us);
}

static void offcpu_report(struct ks_analysis *a, void *priv, bool final)
{
	struct offcpu *o = priv;

	stackagg_print(a, &o->agg, &o->names, KS_STACK_OFFCPU, &o->so);
}

static void offcpu_free(void *priv)
{
	struct offcpu *o = priv;

	stackagg_free(&o->agg);
	stack_names_free(&o->names);
}

const struct ks_plugin ks_plugin_offcputime = {
	.name = "offcputime",
	.summary = "off-CPU time summed per call stack and thread",
	.peer = "bcc offcputime",
	.usage = "[-p PID | -t TID | -u | -k] [-U | -K] [-d] [-f] [-s] [-m US] [-M US]\n"
		 "                      [--state STATE] [options] [duration] [-- command [args]]",
	.description = "Summarize the time threads spend blocked, off CPU, per kernel and user\n"
		       "call stack and thread, as bcc's offcputime does, in microseconds; from\n"
		       "perf_event samples of sched:sched_switch with call stacks (no eBPF).\n"
		       "A block lasts from the switch out to the thread's next switch in. With\n"
		       "a command, only it and its children count.",
	.tracing_fn = offcpu_tracing,
	.needs = "sched:sched_switch",
	.opts = offcpu_opts,
	.flags = KS_PLUGIN_STACKS,
	.priv_size = sizeof(struct offcpu),
	.opt = offcpu_opt,
	.setup = offcpu_setup,
	.sample = offcpu_sample,
	.report = offcpu_report,
	.free = offcpu_free,
};
