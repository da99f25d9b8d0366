// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope latency: run a latency tracer (irqsoff, preemptoff, preemptirqsoff,
 * wakeup, wakeup_rt, wakeup_dl) at the top level, journaled, and print the worst
 * latency with where it started and ended and its trace; with --threshold, every
 * latency above it as it happens.
 * parse -> setup (journaled top level) -> run (watch tracing_max_latency) -> report -> cleanup
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/kernel/lattrace.h"
#include "kscope/kernel/run.h"
#include "kscope/kernel/session.h"
#include "kscope/kernel/tracer.h"

enum { OPT_THRESHOLD = 256, OPT_DURATION, OPT_FUNCTION_TRACE };

static const struct ks_opt latency_opts[] = {
	{ OPT_THRESHOLD, "threshold", "US", "list every latency above US microseconds (tracing_thresh)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ OPT_FUNCTION_TRACE, "function-trace", NULL, "also trace every function inside (very slow)" },
	{ 'q', "quiet", NULL, "print only the latency lines, not the trace of the worst case" },
	{ 0 },
};

static const struct ks_cmd_help latency_help = {
	.name = "latency",
	.usage = "irqsoff|preemptoff|preemptirqsoff|wakeup|wakeup_rt|wakeup_dl\n"
		 "                      [--threshold US] [--duration SECS] [--function-trace] [-q]\n"
		 "                      [-- command [args]]",
	.summary = "Measure the longest irqs-off / preempt-off section or wakeup latency with the\n"
		   "kernel's latency tracer and print \"latency: N us\", the task and CPU, where it\n"
		   "started and ended, and the trace with its stack. These tracers only run at the\n"
		   "top level: every setting changed there is journaled and restored on exit,\n"
		   "Ctrl-C, SIGTERM, or by 'kscope reset' after SIGKILL.",
	.opts = latency_opts,
	.operands_anywhere = 1,
};

struct latency_ctx {
	const char *tracer;
	long long threshold;
	double duration;
	bool function_trace;
	bool quiet;
	char **cmd;
	struct ks_session *sess;
	struct ks_run run;
	struct ks_lat *lat;
	struct ks_lat_hit worst;
	int hits;
	struct ks_err err;
};

static int latency_opt(void *ctx, int key, const char *arg)
{
	struct latency_ctx *c = ctx;
	int v;

	switch (key) {
	case OPT_THRESHOLD:
		if (ks_parse_int_range(arg, 0, 1 << 30, &v))
			return ks_err_set(&c->err, -EINVAL, "bad --threshold '%s' (microseconds)", arg);
		c->threshold = v;
		return 0;
	case OPT_DURATION:
		if (ks_parse_duration(arg, &c->duration) || c->duration <= 0)
			return ks_err_set(&c->err, -EINVAL, "bad duration '%s'", arg);
		return 0;
	case OPT_FUNCTION_TRACE:
		c->function_trace = true;
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	}
	return -EINVAL;
}

static int latency_parse(struct latency_ctx *c, int argc, char **argv)
{
	int ret, i;

	c->threshold = -1;
	ret = ks_opts_parse(&latency_help, argc, argv, latency_opt, c, &i, &c->err);
	if (ret)
		return ret;
	if (i >= argc)
		return ks_err_set(&c->err, -EINVAL, "which tracer? irqsoff, preemptoff, "
				  "preemptirqsoff, wakeup, wakeup_rt or wakeup_dl");
	c->tracer = argv[i++];
	if (!ks_tracer_is_latency(c->tracer))
		return ks_err_set(&c->err, -EINVAL, "'%s' is not a latency tracer (irqsoff, "
				  "preemptoff, preemptirqsoff, wakeup, wakeup_rt, wakeup_dl); "
				  "for other tracers use 'kscope record -p'", c->tracer);
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i < argc)
		c->cmd = argv + i;
	return c->cmd ? ks_child_check(c->cmd, &c->err) : 0;
}

static int latency_setup(struct latency_ctx *c)
{
	struct ks_tracer_opts o = { .name = c->tracer, .function_trace = c->function_trace,
				    .thresh_us = c->threshold >= 0 ? c->threshold : 0 };
	int ret;

	ret = ks_run_init(&c->run, c->cmd, false, &c->err) ?:
	      ks_session_open_top(&c->sess, "latency", &c->err) ?:
	      ks_session_write(c->sess, "tracing_on", "0", &c->err) ?:
	      ks_tracer_apply(c->sess, &o, &c->err);
	if (ret)
		return ret;
	ret = ks_lat_open(&c->lat, c->sess, c->threshold >= 0);
	return ret ? ks_err_set(&c->err, ret, "out of memory") : 0;
}

static void print_hit(const struct ks_lat_hit *h, const char *tracer)
{
	printf("latency: %llu us  %s  cpu %d  task %s  started at %s  ended at %s\n", h->us, tracer,
	       h->cpu, h->task[0] ? h->task : "-", h->started[0] ? h->started : "-",
	       h->ended[0] ? h->ended : "-");
	fflush(stdout);
}

/* A new maximum (or, with a threshold, a new latency over it). */
static void latency_check(struct latency_ctx *c)
{
	struct ks_lat_hit h;

	if (ks_lat_poll(c->lat, &h) <= 0)
		return;
	if (c->threshold >= 0) {
		c->hits++;
		print_hit(&h, c->tracer);
	}
	if (h.us >= c->worst.us) {
		ks_lat_hit_free(&c->worst);
		c->worst = h;
	} else {
		ks_lat_hit_free(&h);
	}
}

static int latency_run(struct latency_ctx *c)
{
	struct pollfd pfd = { .fd = ks_lat_fd(c->lat), .events = POLLIN };
	int ret;

	ret = ks_session_write(c->sess, "tracing_on", "1", &c->err) ?:
	      ks_run_start(&c->run, c->duration, &c->err);
	if (ret)
		return ret;
	while ((ret = ks_run_wait(&c->run, &pfd, pfd.fd >= 0, ks_lat_timeout(c->lat),
				  &c->err)) > 0)
		latency_check(c);
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	latency_check(c);
	return ret;
}

static void latency_report(struct latency_ctx *c)
{
	if (c->threshold >= 0)
		printf("%d latenc%s above %lld us\n", c->hits, c->hits == 1 ? "y" : "ies",
		       c->threshold);
	if (!c->worst.us && !c->worst.body) {
		printf("latency: 0 us (no %s latency was recorded)\n", c->tracer);
		return;
	}
	if (c->threshold >= 0)
		printf("worst:\n");
	printf("latency: %llu us\n", c->worst.us);
	/* The wakeup tracers' header has no start and end: "-" as in the threshold lines. */
	printf("tracer:  %s\ncpu:     %d\ntask:    %s\nstarted: %s\nended:   %s\n", c->tracer,
	       c->worst.cpu, c->worst.task[0] ? c->worst.task : "-",
	       c->worst.started[0] ? c->worst.started : "-",
	       c->worst.ended[0] ? c->worst.ended : "-");
	if (!c->quiet && c->worst.body)
		printf("\n%s", c->worst.body);
}

int ks_cmd_latency(int argc, char **argv)
{
	struct latency_ctx c = { 0 };
	struct ks_err e;
	int ret, code = KS_EXIT_OK;

	ret = latency_parse(&c, argc, argv);
	if (ret > 0)
		return KS_EXIT_OK;
	if (!ret)
		ret = latency_setup(&c);
	if (!ret)
		ret = latency_run(&c);
	if (ret < 0) {
		code = ks_cmd_fail("latency", ret, &c.err);
	} else if (ks_run_exec_failed(&c.run)) {
		fprintf(stderr, "kscope latency: %s\n", c.err.msg);
		code = ks_run_exit_status(&c.run);
	} else {
		latency_report(&c);
		code = ks_cmd_flush("latency") ?: ks_run_exit_status(&c.run);
	}
	ks_run_end(&c.run);
	if (c.sess && ks_session_close(c.sess, &e)) {
		fprintf(stderr, "kscope latency: cleanup: %s (run 'kscope reset')\n", e.msg);
		code = KS_EXIT_FAIL;
	}
	ks_lat_free(c.lat);
	ks_lat_hit_free(&c.worst);
	return code;
}
