/* SPDX-License-Identifier: GPL-2.0-only */
/* The analysis framework's own state, shared by its files (analysis*.c) and nothing else. */
#ifndef KSCOPE_ANALYSIS_PRIV_H
#define KSCOPE_ANALYSIS_PRIV_H

#include <stdio.h>
#include <sys/utsname.h>

#include <event-parse.h>

#include "kscope/analysis/analysis.h"
#include "kscope/kernel/capture.h"
#include "kscope/kernel/rawpipe.h"
#include "kscope/kernel/run.h"
#include "kscope/kernel/session.h"
#include "kscope/profile/prof.h"
#include "kscope/tracedat/evexpr.h"
#include "kscope/tracedat/tracedat.h"

#define KS_ANALYSIS_MAX_EVENTS 32
#define KS_ANALYSIS_MAX_MAPS 16
#define KS_ANALYSIS_DEFAULT_ENTRIES 10240
#define KS_ANALYSIS_MAX_STACK_EVENTS 4

struct ks_evtype {
	char name[128];			/* "sys:event" */
	struct tep_event *ev;
	char *filter;			/* in the kernel, when live */
	const char *user_filter;	/* as the plugin gave it, without kscope's part */
	struct ks_evexpr *expr;		/* offline: the same, as the kernel means it */
	ks_event_fn fn;
	char *khist;			/* "hist:keys=...:size=N", for the kernel to aggregate */
	bool khist_required, khist_on;
	struct ks_map *khist_prev, *khist_next;	/* the table at the last read, and scratch */
	uint64_t khist_dropped;		/* the kernel's Dropped: at the last read */
};

/* The common options (the plugin's own are its business). */
struct ks_analysis_opts {
	double interval;		/* seconds; 0: one report at the end */
	long count;			/* intervals to report; 0: until stopped */
	double duration;		/* -d */
	bool timestamp;			/* -T */
	bool json;
	const char *input;		/* -i: offline */
	bool print_events;		/* --events */
	int *pids, npids;		/* -p */
	int *cpus, ncpus;		/* -C */
	const char *cpu_list;		/* -C as given */
	size_t max_entries;
	int buffer_kb;
	char **cmd;			/* after "--" */
	enum ks_analysis_path path;	/* --path */
};

struct ks_analysis {
	const struct ks_plugin *p;
	void *priv;
	struct ks_analysis_opts o;
	FILE *out;
	struct ks_err *err;
	/* events */
	struct tep_handle *tep;		/* live: the formats of the events read; offline: the file's */
	bool own_tep;
	const char *tracefs;
	struct ks_evtype types[KS_ANALYSIS_MAX_EVENTS];
	int ntypes;
	uint16_t *slot;			/* event id -> types index + 1 */
	int nslots;
	struct ks_field common_type, common_pid;
	char missing[128];		/* offline: the first event the file lacks */
	/* where records come from */
	struct ks_tdat *tdat;
	struct ks_session *sess;
	struct ks_rawpipe *pipe;
	struct pollfd *pollfds;		/* the pipe's per-CPU files */
	struct ks_run run;
	bool running;
	bool clock_mono;		/* the session's trace clock is CLOCK_MONOTONIC */
	int ncpus;
	struct utsname uts;
	const char *machine;		/* live: uname -m */
	uint64_t *cpu_allowed;		/* -C as a bit mask; NULL: all */
	/* state */
	uint64_t now;
	uint64_t start;			/* trace time it began: tracing on, or the first record */
	uint64_t lost;			/* events the ring buffers said they lost */
	uint64_t lossy_pages;		/* sub-buffers that lost an unknown number */
	struct ks_map *maps[KS_ANALYSIS_MAX_MAPS];
	int nmaps;
	struct ks_map *tasks;		/* -- command: the command and its children */
	struct ks_evtype *fork_type;
	struct ks_field fork_parent, fork_child, fork_comm;
	struct ks_evtype *exec_type;	/* live: names follow exec */
	struct ks_field exec_filename, exec_pid;
	struct ks_map *tgids;		/* tid -> tgid, live */
	struct ks_map *comms;		/* pid -> index into comm_names, live */
	char (*comm_names)[16];
	size_t ncomm_names;
	/* output */
	int reports;			/* intervals printed */
	int items;			/* items in the current JSON document */
	bool table_open;
	const struct ks_col *cols;
	int ncols;
	int rows;
	const struct ks_col *stream_cols;	/* KS_PLUGIN_STREAM: a line per event */
	int nstream_cols;
	/* KS_PLUGIN_STACKS */
	const char *stack_events[KS_ANALYSIS_MAX_STACK_EVENTS];	/* sampled with the switches */
	int nstack_events;
	int stack_event_index[KS_ANALYSIS_MAX_STACK_EVENTS];	/* in the recording's events */
	struct ks_prof *prof;
	int cmd_pid;			/* live with a command: its pid */
	bool stack_header;		/* the start line was printed */
};

/* analysis.c */
void ks_analysis_dispatch(struct ks_analysis *a, const struct tep_record *rec);
void ks_analysis_emit_begin(struct ks_analysis *a, bool final);
void ks_analysis_emit_end(struct ks_analysis *a, bool final);
/* The stream's header (text), before the first record. */
void ks_analysis_stream_begin(struct ks_analysis *a);
/* Hand what is printed to its reader: 0, 1 when the reader is gone, -EIO (with a->err). */
int ks_analysis_flush(struct ks_analysis *a);
/* The kscope record line that records what the analysis reads. */
void ks_analysis_print_events(struct ks_analysis *a, FILE *f);
/* Where @name is in the records of @ev; -ENOENT. */
int ks_analysis_field_of(struct tep_event *ev, const char *name, struct ks_field *out);
/* A JSON item of @type begins (its "data" follows); nothing in text. */
void ks_analysis_item_begin(struct ks_analysis *a, const char *type);

/* analysis-run.c */
int ks_analysis_live_open(struct ks_analysis *a);
int ks_analysis_live_run(struct ks_analysis *a);
int ks_analysis_offline_run(struct ks_analysis *a);
void ks_analysis_live_close(struct ks_analysis *a);

/* analysis-khist.c: the hist triggers, written when the run starts, removed at its end. */
int ks_analysis_khist_start(struct ks_analysis *a);
void ks_analysis_khist_stop(struct ks_analysis *a);

/* analysis-stacks.c: a KS_PLUGIN_STACKS plugin's whole run. */
int ks_analysis_stacks_run(struct ks_analysis *a, struct ks_analysis_end *end);

#endif
