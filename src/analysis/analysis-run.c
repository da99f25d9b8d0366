// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where an analysis's records come from: the live ring buffers of a private tracefs
 * instance (read in batches, as they fill), or a trace.dat read offline; and when its
 * reports are due: every interval of wall time (live) or of trace time (offline).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis-priv.h"
#include "kscope/analysis/analysis.h"
#include "kscope/kernel/evsel.h"
#include "kscope/kernel/recorder.h"

#define LIVE_TICK_MS 100	/* how often the buffers are read: latency of the output */

static int dispatch_one(void *arg, struct tep_record *rec)
{
	ks_analysis_dispatch(arg, rec);
	return 0;
}

/*
 * The plugin's report, framed as an interval (or the last one). 1 when the output is
 * gone: its reader went away ("| head"), which ends the run as a success; -EIO if it
 * cannot be written.
 */
static int report(struct ks_analysis *a, bool final)
{
	ks_analysis_emit_begin(a, final);
	if (a->p->report)
		a->p->report(a, a->priv, final);
	ks_analysis_emit_end(a, final);
	return ks_analysis_flush(a);
}

/* The events as an event selection, with their filters, for the capture settings. */
static int select_events(struct ks_analysis *a, struct ks_evsel *all, struct ks_evsel *sel)
{
	int i, ret;

	ret = ks_evsel_list_all(a->tracefs, all);
	if (ret)
		return ks_err_runtime(a->err, ret, "cannot read %s/events: %s", a->tracefs,
				      strerror(-ret));
	for (i = 0; i < a->ntypes; i++) {
		/* What the kernel aggregates is not streamed (its trigger comes after). */
		if (a->types[i].khist)
			continue;
		ret = ks_evsel_add(sel, all, a->types[i].name, a->types[i].filter, a->err);
		if (ret)
			return ret;
	}
	return 0;
}

int ks_analysis_live_open(struct ks_analysis *a)
{
	struct ks_capture_opts co = { .buffer_kb = a->o.buffer_kb };
	struct ks_evsel all = { 0 }, sel = { 0 };
	struct ks_err e;
	int ret;

	ret = select_events(a, &all, &sel);
	if (ret)
		goto out;
	ret = ks_run_init(&a->run, a->o.cmd, false, a->err);
	if (ret)
		goto out;
	a->running = true;
	/* The command is the first task a per-task analysis follows (then its children). */
	if (a->tasks && a->run.child.pid > 0)
		ks_map_get(a->tasks, (uint64_t)a->run.child.pid, NULL);
	ret = ks_session_open(&a->sess, a->p->name, a->err) ?:
	      ks_session_write(a->sess, "tracing_on", "0", a->err);
	if (ret)
		goto out;
	/*
	 * One clock for every CPU (a wakeup on one and its switch-in on another), and the
	 * one kscope reads too, to know which events every CPU has already handed over.
	 */
	a->clock_mono = !ks_session_set_clock(a->sess, "mono", &e);
	if (!a->clock_mono)
		ks_session_set_clock(a->sess, "global", &e);
	ret = ks_capture_apply(a->sess, &co, &sel, 0, a->err) ?:
	      ks_analysis_khist_start(a) ?:
	      ks_rawpipe_open(&a->pipe, a->sess, a->ncpus, a->err);
	if (!ret) {
		a->pollfds = calloc((size_t)a->ncpus, sizeof(*a->pollfds));
		if (!a->pollfds)
			ret = ks_err_set(a->err, -ENOMEM, "out of memory");
	}
out:
	ks_evsel_free(&sel);
	ks_evsel_free(&all);
	return ret;
}

void ks_analysis_live_close(struct ks_analysis *a)
{
	struct ks_err e;

	ks_analysis_khist_stop(a);
	ks_rawpipe_free(a->pipe);
	a->pipe = NULL;
	free(a->pollfds);
	a->pollfds = NULL;
	if (a->sess && ks_session_close(a->sess, &e))
		fprintf(stderr, "kscope %s: cleanup: %s (run 'kscope reset')\n", a->p->name, e.msg);
	a->sess = NULL;
	if (a->running)
		ks_run_end(&a->run);
	a->running = false;
}

/* Losses the per-CPU counters know of that no sub-buffer header said. */
static void count_overruns(struct ks_analysis *a)
{
	struct ks_cpustats *st = calloc((size_t)a->ncpus, sizeof(*st));
	uint64_t lost;

	if (!st)
		return;
	lost = ks_cpustats_read(ks_session_instance(a->sess), a->ncpus, st);
	if (lost > a->lost)
		a->lost = lost;
	free(st);
}

/*
 * What the buffers hold: more batches while a CPU had more than one batch takes, for
 * at most one tick, so that a busy trace is read as fast as it comes and signals and
 * reports still get their turn (and a quiet one costs one read a tick, no spinning).
 */
static int live_batch(struct ks_analysis *a, bool last)
{
	uint64_t until = ks_now_ns() + LIVE_TICK_MS * 1000000ull;
	int ret;

	do {
		/* ks_now_ns() is CLOCK_MONOTONIC: the trace clock "mono". */
		ret = ks_rawpipe_batch(a->pipe, last || !a->clock_mono ? UINT64_MAX : ks_now_ns(),
				       dispatch_one, a);
	} while (ret > 0 && ks_rawpipe_more(a->pipe) && ks_now_ns() < until);
	return ret < 0 ? ks_err_runtime(a->err, ret, "reading the ring buffers: %s",
					strerror(-ret)) : 0;
}

/*
 * The run ends within a tick: the last interval is the final report, not one more
 * interval and then a final one covering nothing.
 */
static bool ending(const struct ks_analysis *a, double duration)
{
	return duration > 0 && ks_now_ns() + LIVE_TICK_MS * 1000000ull >=
	       a->run.start_ns + (uint64_t)(duration * 1e9);
}

/* Live, a report is as of now: trace time goes on when no event comes. */
static int report_now(struct ks_analysis *a, bool final)
{
	if (a->clock_mono && ks_now_ns() > a->now)
		a->now = ks_now_ns();
	return report(a, final);
}

int ks_analysis_live_run(struct ks_analysis *a)
{
	const char *start = a->p->tracing_fn ? a->p->tracing_fn(a->priv) : a->p->tracing;
	double duration = a->o.duration;
	uint64_t next = 0, now;
	bool done = false;
	int ret, timeout, nfds;

	if (start && !a->o.json)
		fprintf(a->out, "%s... Hit Ctrl-C to end.\n", start);
	ks_analysis_stream_begin(a);
	fflush(a->out);
	ret = ks_session_write(a->sess, "tracing_on", "1", a->err) ?:
	      ks_run_start(&a->run, duration, a->err);
	if (ret)
		return ret;
	/* The trace clock is this one ("mono"): the start is now; else the first record. */
	if (a->clock_mono)
		a->start = a->now = ks_now_ns();
	if (a->o.interval > 0)
		next = a->run.start_ns + (uint64_t)(a->o.interval * 1e9);
	nfds = ks_rawpipe_pollfds(a->pipe, a->pollfds, a->ncpus);
	while (!done) {
		timeout = LIVE_TICK_MS;
		now = ks_now_ns();
		if (next && next > now && (next - now) / 1000000 < (uint64_t)timeout)
			timeout = (int)((next - now) / 1000000) + 1;
		/* A busy buffer wakes the reader before the tick: it must not overflow. */
		ret = ks_run_wait(&a->run, a->pollfds, nfds, timeout, a->err);
		if (ret < 0)
			break;
		done = !ret;
		ret = live_batch(a, false);
		/* A line per event goes out as it comes; "| head" having had enough ends it. */
		if (!ret && a->stream_cols)
			ret = ks_analysis_flush(a);
		if (ret)
			break;
		if (!done && next && ks_now_ns() >= next && !ending(a, duration)) {
			ret = report_now(a, false);
			next += (uint64_t)(a->o.interval * 1e9);
			/* The last interval of a count ends the run: bcc prints no extra one. */
			if (ret || (a->o.count && a->reports >= a->o.count))
				return ret < 0 ? ret : 0;
		}
	}
	ks_session_write(a->sess, "tracing_on", "0", NULL);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = live_batch(a, true);
	if (ret)
		return ret;
	/* The command could not be run: there is nothing to report (a->err says why). */
	if (ks_run_exec_failed(&a->run))
		return -a->run.child.exec_errno;
	count_overruns(a);
	ret = report_now(a, true);
	return ret < 0 ? ret : 0;
}

int ks_analysis_offline_run(struct ks_analysis *a)
{
	uint64_t step = a->o.interval > 0 ? (uint64_t)(a->o.interval * 1e9) : 0, next = 0;
	struct tep_record *rec;
	int err_ret = 0;

	ks_analysis_stream_begin(a);
	while ((rec = ks_tdat_next(a->tdat, &err_ret))) {
		if (step && !next)
			next = rec->ts + step;
		/* Intervals of trace time: what happened in each step of the recording. */
		while (step && rec->ts >= next) {
			int ret = report(a, false);

			next += step;
			if (ret || (a->o.count && a->reports >= a->o.count))
				return ret < 0 ? ret : 0;
		}
		ks_analysis_dispatch(a, rec);
		/* A line per event: stop reading once nobody reads them ("| head"). */
		if (a->stream_cols && ferror(a->out)) {
			int ret = ks_analysis_flush(a);

			return ret < 0 ? ret : 0;
		}
	}
	if (err_ret)
		return ks_err_input(a->err, err_ret, "%s is corrupted after %llu bytes of event data",
				    a->o.input, (unsigned long long)ks_tdat_consumed(a->tdat));
	err_ret = report(a, true);
	return err_ret < 0 ? err_ret : 0;
}
