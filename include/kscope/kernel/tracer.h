/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrace tracers (function, function_graph, irqsoff, wakeup, ...) set up in a
 * session: function filters, graph options, thresholds. Where a tracer or a
 * setting exists only at the top level, the session must be a top-level one.
 */
#ifndef KSCOPE_KERNEL_TRACER_H
#define KSCOPE_KERNEL_TRACER_H

#include <stdbool.h>
#include "kscope/base/util.h"

struct ks_session;

struct ks_tracer_opts {
	const char *name;		/* -p */
	const char **filter;		/* -l: set_ftrace_filter */
	int nfilter;
	const char **notrace;		/* -n: set_ftrace_notrace */
	int nnotrace;
	const char **graph;		/* -g: set_graph_function */
	int ngraph;
	int max_depth;			/* --max-graph-depth, 0 = unset */
	long long thresh_us;		/* --duration-min / --threshold (tracing_thresh), -1 = unset */
	bool function_trace;		/* latency tracers: keep options/function-trace on */
	const int *pids;		/* set_ftrace_pid */
	int npids;
	bool children;			/* options/function-fork */
};

bool ks_tracer_is_latency(const char *name);
/* Settings or a tracer that only the top-level instance has. */
bool ks_tracer_needs_top(const struct ks_tracer_opts *o);
/* Whether @name is selectable in the session (its available_tracers). */
bool ks_tracer_available(struct ks_session *s, const char *name);
/*
 * The session a tracer (or none, @o->name NULL) runs in: a private instance when the
 * kernel has them and the tracer is available there; the top level (journaled)
 * otherwise, for function_graph on many kernels, latency tracers, graph settings,
 * kernels without instances, or when @top_level asks for it.
 */
int ks_tracer_session(struct ks_session **out, const char *tag, const struct ks_tracer_opts *o,
		      bool top_level, struct ks_err *err);
/* Filters first, then options, then current_tracer. Nothing traced before it is ready. */
int ks_tracer_apply(struct ks_session *s, const struct ks_tracer_opts *o, struct ks_err *err);

#endif
