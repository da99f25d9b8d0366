/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tracing session: a private tracefs instance plus a journal of everything
 * kscope creates or changes, written before the change is made. Closing the
 * session undoes it; `kscope reset` undoes the journals of dead kscope processes.
 */
#ifndef KSCOPE_KERNEL_SESSION_H
#define KSCOPE_KERNEL_SESSION_H

#include <stdbool.h>
#include "kscope/base/util.h"

struct tracefs_instance;
struct ks_session;

/* Where journals live: $KSCOPE_STATE_DIR or /run/kscope. */
const char *ks_session_state_dir(void);

/* Mounts tracefs if needed; returns its path or NULL with err set. */
const char *ks_tracefs_dir(struct ks_err *err);

/* Creates the journal and the instance "kscope-<tag>-<pid>". */
int ks_session_open(struct ks_session **out, const char *tag, struct ks_err *err);
/*
 * A session on the top-level instance, for tracers that cannot run in an instance
 * (function_graph on many kernels, the latency tracers). Refused when another user
 * has a tracer or events there. Every ks_session_write() is journaled first.
 */
int ks_session_open_top(struct ks_session **out, const char *tag, struct ks_err *err);
bool ks_session_is_top(const struct ks_session *s);
/* The instance, or NULL (libtracefs' name for the top level) in a top-level session. */
struct tracefs_instance *ks_session_instance(struct ks_session *s);
const char *ks_session_name(const struct ks_session *s);
/* The instance's directory, e.g. /sys/kernel/tracing/instances/kscope-record-42. */
const char *ks_session_dir(const struct ks_session *s);

/*
 * Journal a top-level tracefs file's value, then write @val to it. Closing the
 * session writes the old values back in reverse order.
 */
int ks_session_set_top(struct ks_session *s, const char *file, const char *val,
		       struct ks_err *err);

/* Select a trace clock, checked against the kernel's list (the error names them). */
int ks_session_set_clock(struct ks_session *s, const char *clock, struct ks_err *err);

/* Journal, then append a probe definition to @file (kprobe_events, uprobe_events, ...). */
int ks_session_add_probe(struct ks_session *s, const char *file, const char *def,
			 struct ks_err *err);

/* Undoes everything, removes the instance and the journal, frees @s. */
int ks_session_close(struct ks_session *s, struct ks_err *err);

/* Write to a tracefs file of the instance; on failure err holds the kernel's error_log line. */
int ks_session_write(struct ks_session *s, const char *file, const char *val, struct ks_err *err);

struct ks_reset_result {
	int journals;		/* journals of dead processes undone */
	int instances;		/* instances removed */
	int restored;		/* top-level values restored */
	int alive;		/* journals left alone: their kscope still runs */
	int failed;		/* steps that failed (details in err) */
};

int ks_session_reset(struct ks_reset_result *res, struct ks_err *err);

/* The last line of a tracefs error_log (instance or top level); NULL if none. Caller frees. */
char *ks_tracefs_error_last(struct tracefs_instance *inst);

#endif
