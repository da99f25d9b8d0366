// SPDX-License-Identifier: GPL-2.0-only
/*
 * offwaketime: blocked time per off-CPU stack and the stack of the thread that woke
 * it, as bcc's offwaketime prints it (or folded, for an off-wake flame graph): a block
 * runs from the switch out to the thread's next switch in, and is joined to the first
 * wakeup sent to the thread meanwhile. From perf_event samples of sched_switch and
 * sched_waking with call stacks (no eBPF, no kprobes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/plugins/plugins.h"
#include "stackagg.h"
#include "wakepair.h"

static const struct ks_opt offwake_opts[] = {
	{ 't', "tid", "TID", "only this thread blocked" },
	{ 'u', "user-threads-only", NULL, "only user threads blocked (no kernel threads)" },
	{ 'k', "kernel-threads-only", NULL, "only kernel threads blocked" },
	{ 'U', "user-stacks-only", NULL, "show only the user stacks (no kernel frames)" },
	{ 'K', "kernel-stacks-only", NULL, "show only the kernel stacks (no user frames)" },
	{ 'd', "delimited", NULL, "a line (folded: a frame '-') between kernel and user frames" },
	{ 'f', "folded", NULL, "folded output, one line per stack pair, for flame graphs" },
	{ 'm', "min-block-time", "US", "only blocks of at least this many microseconds "
	  "(default 1)" },
	{ 'M', "max-block-time", "US", "only blocks of at most this many microseconds" },
	{ 0 },
};

struct offwake {
	struct stack_opts so;
	char header[96];
	struct wakepair wp;
	/* (blocked thread, waker; its kernel, its user, waker's kernel, user frames) -> us */
	struct stackagg agg;
	struct stack_names names;
};

static int offwake_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		       struct ks_err *err)
{
	struct offwake *o = priv;
	int ret = stack_opts_parse(&o->so, key, arg, err);

	return ret > 0 ? -EINVAL : ret;
}

static const char *offwake_tracing(const void *priv)
{
	const struct offwake *o = priv;

	return o->so.folded ? NULL : o->header;
}

static int offwake_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct offwake *o = priv;
	int ret = stack_opts_check(&o->so, a, "-p, -t, -u and -k", err);

	if (ret)
		return ret;
	snprintf(o->header, sizeof(o->header), "Tracing blocked time (us) by %s off-CPU and "
		 "waker stack", o->so.user_stacks ? "user" : o->so.kernel_stacks ? "kernel" :
		 "user + kernel");
	ret = wakepair_setup(a, &o->wp, err);
	if (ret < 0)
		return ret;
	if (stack_names_init(&o->names))
		return ks_err_set(err, -ENOMEM, "out of memory");
	return stackagg_init(&o->agg, a, err);
}

static void offwake_sample(struct ks_analysis *a, void *priv, const struct ks_prof_sample *s)
{
	struct offwake *o = priv;
	struct stack_key key = { .comm = { s->comm }, .tid = { s->tid } };
	const struct wake *wk;
	uint64_t us;

	if (!s->offcpu) {
		wakepair_waking(a, &o->wp, s);
		return;
	}
	wk = wakepair_end(&o->wp, s);
	if (!wk)
		return;
	us = s->weight / 1000;
	stack_split(s, &key.part[0], &key.n[0], &key.part[1], &key.n[1]);
	if (!stack_opts_wanted(&o->so, s, key.n[1], us))
		return;
	key.comm[1] = wk->waker_comm;
	key.tid[1] = wk->waker_tid;
	key.part[2] = wk->locs;
	key.n[2] = wk->nk;
	key.part[3] = wk->locs + wk->nk;
	key.n[3] = wk->nu;
	stack_opts_trim(&o->so, &key);
	stackagg_add(&o->agg, &key, us);
}

static void offwake_report(struct ks_analysis *a, void *priv, bool final)
{
	struct offwake *o = priv;

	stackagg_print(a, &o->agg, &o->names, KS_STACK_OFFWAKE, &o->so);
}

static void offwake_free(void *priv)
{
	struct offwake *o = priv;

	wakepair_free(&o->wp);
	stackagg_free(&o->agg);
	stack_names_free(&o->names);
}

const struct ks_plugin ks_plugin_offwaketime = {
	.name = "offwaketime",
	.summary = "blocked time per off-CPU stack and waker stack",
	.peer = "bcc offwaketime",
	.usage = "[-p PID | -t TID | -u | -k] [-U | -K] [-d] [-f] [-m US] [-M US]\n"
		 "                      [options] [duration] [-- command [args]]",
	.description = "Summarize the time threads spend blocked per off-CPU stack and the stack\n"
		       "of the thread that woke them, as bcc's offwaketime does, in\n"
		       "microseconds: from the block to running again, joined to the first\n"
		       "wakeup sent meanwhile. From perf_event samples of sched:sched_switch\n"
		       "and sched:sched_waking with call stacks (no eBPF). -p, -t and a command\n"
		       "choose the threads blocked; their wakers may be anyone.",
	.tracing_fn = offwake_tracing,
	.needs = "sched:sched_switch, sched:sched_waking",
	.opts = offwake_opts,
	.flags = KS_PLUGIN_STACKS,
	.priv_size = sizeof(struct offwake),
	.opt = offwake_opt,
	.setup = offwake_setup,
	.sample = offwake_sample,
	.report = offwake_report,
	.free = offwake_free,
};
