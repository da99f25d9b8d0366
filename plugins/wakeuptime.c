// SPDX-License-Identifier: GPL-2.0-only
/*
 * wakeuptime: how long threads were blocked until something woke them, summed per
 * waker, waker's kernel and user stack and woken thread's name, as bcc's wakeuptime
 * prints it (bcc shows the kernel stack only):
 * the time from the block (the switch out) to the wakeup being sent, so the time the
 * woken thread then waits for a CPU is not in it. From perf_event samples of
 * sched_switch and sched_waking with call stacks (no eBPF, no kprobes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/plugins/plugins.h"
#include "stackagg.h"
#include "wakepair.h"

static const struct ks_opt wakeup_opts[] = {
	{ 'u', "useronly", NULL, "only user threads woken (no kernel threads)" },
	{ 'v', "verbose", NULL, "the frames' addresses too" },
	{ 'f', "folded", NULL, "folded output, one line per stack, for flame graphs" },
	{ 'm', "min-block-time", "US", "only blocks of at least this many microseconds "
	  "(default 1)" },
	{ 'M', "max-block-time", "US", "only blocks of at most this many microseconds" },
	{ 0 },
};

struct wakeup {
	struct stack_opts so;		/* -u, -f, -m, -M of them */
	struct wakepair wp;
	struct stackagg agg;		/* (woken name, waker name, waker's frames) -> us */
	struct stack_names names;
};

static int wakeup_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		      struct ks_err *err)
{
	struct wakeup *w = priv;
	int ret = stack_opts_parse(&w->so, key, arg, err);

	if (ret <= 0)
		return ret;
	if (key == 'v') {
		w->names.addresses = true;
		return 0;
	}
	return -EINVAL;
}

static const char *wakeup_tracing(const void *priv)
{
	const struct wakeup *w = priv;

	return w->so.folded ? NULL : "Tracing blocked time (us) by user + kernel stack";
}

static int wakeup_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct wakeup *w = priv;
	int ret;

	ret = stack_opts_check(&w->so, a, "-p and -u", err);
	if (ret)
		return ret;
	ret = wakepair_setup(a, &w->wp, err);
	if (ret < 0)
		return ret;
	if (stack_names_init(&w->names))
		return ks_err_set(err, -ENOMEM, "out of memory");
	return stackagg_init(&w->agg, a, err);
}

static void wakeup_sample(struct ks_analysis *a, void *priv, const struct ks_prof_sample *s)
{
	struct wakeup *w = priv;
	const struct ks_prof_loc *k, *u;
	const struct wake *wk;
	unsigned int nk, nu;
	uint64_t us;

	if (!s->offcpu) {
		wakepair_waking(a, &w->wp, s);
		return;
	}
	wk = wakepair_end(&w->wp, s);
	if (!wk)
		return;
	stack_split(s, &k, &nk, &u, &nu);
	us = (wk->time - s->time) / 1000;
	if (!stack_opts_wanted(&w->so, s, nu, us))
		return;
	stackagg_add(&w->agg, &(struct stack_key){
		.comm = { s->comm, wk->waker_comm },
		.part = { wk->locs, wk->locs + wk->nk }, .n = { wk->nk, wk->nu },
	}, us);
}

static void wakeup_report(struct ks_analysis *a, void *priv, bool final)
{
	struct wakeup *w = priv;

	stackagg_print(a, &w->agg, &w->names, KS_STACK_WAKER, &w->so);
}

static void wakeup_free(void *priv)
{
	struct wakeup *w = priv;

	wakepair_free(&w->wp);
	stackagg_free(&w->agg);
	stack_names_free(&w->names);
}

const struct ks_plugin ks_plugin_wakeuptime = {
	.name = "wakeuptime",
	.summary = "time blocked until woken, per waker stack",
	.peer = "bcc wakeuptime",
	.usage = "[-p PID] [-u] [-v] [-f] [-m US] [-M US] [options] [duration]\n"
		 "                      [-- command [args]]",
	.description = "Summarize how long threads were blocked until they were woken, per\n"
		       "waker, stack of the wakeup (kernel and user) and woken thread, like bcc's\n"
		       "wakeuptime, in microseconds: from the block to the wakeup (not the wait\n"
		       "for a CPU after it). From perf_event samples of sched:sched_switch and\n"
		       "sched:sched_waking with call stacks (no eBPF). -p and a command choose\n"
		       "the threads woken; their wakers may be anyone.",
	.tracing_fn = wakeup_tracing,
	.needs = "sched:sched_switch, sched:sched_waking",
	.opts = wakeup_opts,
	.flags = KS_PLUGIN_STACKS,
	.priv_size = sizeof(struct wakeup),
	.opt = wakeup_opt,
	.setup = wakeup_setup,
	.sample = wakeup_sample,
	.report = wakeup_report,
	.free = wakeup_free,
};
