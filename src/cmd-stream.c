// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope stream: enable events in a private instance and print them as they
 * arrive, in trace-cmd report's layout, until Ctrl-C or --duration.
 * parse -> setup (events, instance) -> run (read batches, print) -> cleanup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/kernel/capture.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/rawpipe.h"
#include "kscope/kernel/run.h"
#include "kscope/kernel/session.h"
#include "kscope/output/evprint.h"

enum { OPT_DURATION = 256 };

static const struct ks_opt stream_opts[] = {
	KS_CAPTURE_OPT_EVENT,
	KS_CAPTURE_OPT_FILTER,
	KS_CAPTURE_OPT_PID,
	KS_CAPTURE_OPT_CHILDREN,
	KS_CAPTURE_OPT_CLOCK,
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ 0 },
};

static const struct ks_cmd_help stream_help = {
	.name = "stream",
	.usage = "-e EVENT [-f FILTER] [-P PID] [-c] [-C CLOCK] [--duration SECS]",
	.summary = "Print events live as they happen (like trace-cmd stream), from a private\n"
		   "tracefs instance that is removed on exit. Events are ordered by time within\n"
		   "each batch read from the per-CPU buffers.",
	.opts = stream_opts,
};

struct stream_ctx {
	struct ks_capture_opts cap;
	double duration;
	const char *tracefs;
	struct ks_evsel all, sel;
	struct ks_session *sess;
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	struct ks_rawpipe *pipe;
	struct ks_printer pr;
	bool pr_ready;
	struct ks_run run;
	struct ks_err err;
};

static int stream_opt(void *ctx, int key, const char *arg)
{
	struct stream_ctx *c = ctx;
	int ret = ks_capture_opt(&c->cap, key, arg, &c->err);

	if (ret)
		return ret < 0 ? ret : 0;
	if (key != OPT_DURATION)
		return -EINVAL;
	if (ks_parse_duration(arg, &c->duration) || c->duration <= 0)
		return ks_err_set(&c->err, -EINVAL, "bad duration '%s'", arg);
	return 0;
}

static int stream_parse(struct stream_ctx *c, int argc, char **argv)
{
	int ret, i;

	ret = ks_capture_opts_init(&c->cap, argc);
	if (ret)
		return ks_err_set(&c->err, ret, "out of memory");
	ret = ks_opts_parse(&stream_help, argc, argv, stream_opt, c, &i, &c->err);
	if (ret)
		return ret;
	if (i < argc)
		return ks_err_set(&c->err, -EINVAL, "unexpected argument '%s'", argv[i]);
	if (!c->cap.npatterns)
		return ks_err_set(&c->err, -EINVAL, "no events given: add -e sys:event");
	if (c->cap.children && !c->cap.npids)
		return ks_err_set(&c->err, -EINVAL, "-c needs -P");
	return 0;
}

/* The formats of the selected events' systems, as the printer needs them. */
static int stream_load_events(struct stream_ctx *c)
{
	const char **systems;
	int n;

	systems = ks_evsel_systems(&c->sel, &n);
	if (!systems)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	systems[n] = NULL;
	c->tep = tracefs_local_events_system(c->tracefs, systems);
	free(systems);
	if (!c->tep)
		return ks_err_runtime(&c->err, -EIO, "cannot parse the event formats");
#ifndef KS_STATIC
	/* A static binary must not dlopen() shared plugins: it prints the raw formats. */
	c->plugins = tep_load_plugins(c->tep);
#endif
	tracefs_load_cmdlines(c->tracefs, c->tep);
	return 0;
}

static int stream_setup(struct stream_ctx *c)
{
	int ret;

	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs)
		return -ENODEV;
	ret = ks_capture_select(&c->cap, c->tracefs, &c->all, &c->sel, &c->err) ?:
	      stream_load_events(c) ?:
	      ks_run_init(&c->run, NULL, true, &c->err) ?:
	      ks_session_open(&c->sess, "stream", &c->err) ?:
	      ks_session_write(c->sess, "tracing_on", "0", &c->err) ?:
	      ks_capture_apply(c->sess, &c->cap, &c->sel, 0, &c->err) ?:
	      ks_rawpipe_open(&c->pipe, c->sess, ks_proc_ncpus(), &c->err);
	if (ret)
		return ret;
	ret = ks_printer_init(&c->pr, c->tep, STDOUT_FILENO,
			      ks_printer_time_mode(c->cap.clock ? c->cap.clock : "local"));
	if (ret)
		return ks_err_set(&c->err, ret, "out of memory");
	c->pr_ready = true;
	return ks_session_write(c->sess, "tracing_on", "1", &c->err);
}

static int print_one(void *arg, struct tep_record *rec)
{
	struct stream_ctx *c = arg;

	ks_rawpipe_learn_comm(c->tep, rec);
	ks_printer_record(&c->pr, rec);
	return 0;
}

/* One batch out to stdout. */
static int stream_batch(struct stream_ctx *c)
{
	int ret = ks_rawpipe_batch(c->pipe, UINT64_MAX, print_one, c);

	return ret < 0 ? ret : ks_printer_flush(&c->pr);
}

static int stream_run(struct stream_ctx *c)
{
	int ret;

	ret = ks_run_start(&c->run, c->duration, &c->err);
	if (ret)
		return ret;
	/* A stop signal asks for a clean end: the last events are still printed. */
	while ((ret = ks_run_wait(&c->run, NULL, 0, 100, &c->err)) > 0 && !(ret = stream_batch(c)))
		;
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	if (!ret)
		ret = stream_batch(c);
	/* A reader that went away ("| head") ends the stream; that is no failure. */
	if (ret == -EPIPE)
		return 0;
	if (ret < 0 && !c->err.msg[0])
		ks_err_runtime(&c->err, ret, "writing output: %s", strerror(-ret));
	return ret;
}

static int stream_cleanup(struct stream_ctx *c)
{
	struct ks_err e;
	int ret = 0;

	ks_rawpipe_free(c->pipe);
	if (c->sess && ks_session_close(c->sess, &e)) {
		fprintf(stderr, "kscope stream: cleanup: %s (run 'kscope reset')\n", e.msg);
		ret = -EIO;
	}
	if (c->pr_ready)
		ks_printer_free(&c->pr);
	if (c->tep) {
		if (c->plugins)
			tep_unload_plugins(c->plugins, c->tep);
		tep_free(c->tep);
	}
	ks_evsel_free(&c->sel);
	ks_evsel_free(&c->all);
	ks_capture_opts_free(&c->cap);
	ks_run_end(&c->run);
	return ret;
}

int ks_cmd_stream(int argc, char **argv)
{
	struct stream_ctx c = { 0 };
	int ret, code = KS_EXIT_OK;

	ret = stream_parse(&c, argc, argv);
	if (!ret)
		ret = stream_setup(&c) ?: stream_run(&c);
	if (ret < 0)
		code = ks_cmd_fail("stream", ret, &c.err);
	if (stream_cleanup(&c))
		code = KS_EXIT_FAIL;
	return code;
}
