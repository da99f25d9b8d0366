/* SPDX-License-Identifier: GPL-2.0-only */
/* Event selection: "sys:event", globs, bare system or event names, filters, -T. */
#ifndef KSCOPE_KERNEL_EVSEL_H
#define KSCOPE_KERNEL_EVSEL_H

#include <stdbool.h>
#include "kscope/base/util.h"

struct ks_session;

struct ks_event_ref {
	char *system;
	char *name;
	const char *filter;	/* tracefs filter syntax, or NULL; owned by the caller */
};

struct ks_evsel {
	struct ks_event_ref *ev;
	int n;
	int cap;
};

/* Every event under @tracefs/events, sorted by system then name ("ftrace" excluded). */
int ks_evsel_list_all(const char *tracefs, struct ks_evsel *all);

/*
 * Add the events of @all matching @pattern to @sel:
 *   "sys:event" or "sys/event" (globs in either part), "sys" (a whole system),
 *   "event" (that name in any system). -ENOENT when nothing matches.
 */
int ks_evsel_add(struct ks_evsel *sel, const struct ks_evsel *all, const char *pattern,
		 const char *filter, struct ks_err *err);

/* Set filters, optional stacktrace triggers, then enable, in the session's instance. */
int ks_evsel_apply(struct ks_session *s, const struct ks_evsel *sel, bool stacktrace,
		   struct ks_err *err);

/* Systems named in @sel, each once (for writing formats). NULL-terminated; free() it. */
const char **ks_evsel_systems(const struct ks_evsel *sel, int *n);

void ks_evsel_free(struct ks_evsel *sel);

#endif
