/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrace's own events as people read them: "func <-- parent" for the function
 * tracer, and the nested call graph with durations for function_graph, laid out
 * as trace-cmd report does (with the function name on closing braces).
 */
#ifndef KSCOPE_TRACEDAT_EVFTRACE_H
#define KSCOPE_TRACEDAT_EVFTRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <event-parse.h>
#include <trace-seq.h>

struct ks_ftrace;

/* How a graph entry looks at the record after it (to print leaves as "func();"). */
struct ks_peek {
	struct tep_record *(*peek)(void *ctx);
	void (*consume)(void *ctx);
	void *ctx;
};

/* NULL when the file has none of these events (or out of memory). */
struct ks_ftrace *ks_ftrace_new(struct tep_handle *tep);
/*
 * If @rec is a function or function_graph event, write its text to @s and return
 * true. A graph entry whose exit is the very next record is printed as a leaf and
 * that exit is consumed through @peek (when given).
 */
bool ks_ftrace_info(struct ks_ftrace *f, struct tep_record *rec, struct trace_seq *s,
		    const struct ks_peek *peek);
/* --graph-stats: add a record (only funcgraph_exit counts), then print the table. */
void ks_ftrace_stats_add(struct ks_ftrace *f, struct tep_record *rec);
int ks_ftrace_stats_print(struct ks_ftrace *f, FILE *out);
void ks_ftrace_free(struct ks_ftrace *f);

#endif
