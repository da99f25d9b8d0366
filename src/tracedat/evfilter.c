// SPDX-License-Identifier: GPL-2.0-only
/* Record filters for trace.dat readers: event names, pids, task names. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/tracedat/evfilter.h"

struct ks_evfilter {
	int max_id;
	unsigned char *allow;		/* per event id; NULL: every event */
	const int *pids;
	int npids;
	const char *comm;
};

/* Mark the events @pat names; how many it named. */
static int allow_pattern(struct ks_evfilter *f, struct tep_event **events, int nev,
			 const char *pat)
{
	const char *sep = strpbrk(pat, ":/");
	char sys[256];
	int i, hits = 0;

	snprintf(sys, sizeof(sys), "%.*s", sep ? (int)(sep - pat) : 0, pat);
	for (i = 0; i < nev; i++) {
		struct tep_event *e = events[i];
		bool hit = sep ? !fnmatch(sys, e->system, 0) &&
				 !fnmatch(sep[1] ? sep + 1 : "*", e->name, 0) :
				 !fnmatch(pat, e->system, 0) || !fnmatch(pat, e->name, 0);

		if (hit) {
			f->allow[e->id] = 1;
			hits++;
		}
	}
	return hits;
}

static int allow_events(struct ks_evfilter *f, struct tep_handle *tep,
			const struct ks_evfilter_opts *o, struct ks_err *err)
{
	struct tep_event **events = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int i, nev = tep_get_events_count(tep);

	if (!events)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < nev; i++)
		if (events[i]->id > f->max_id)
			f->max_id = events[i]->id;
	f->allow = calloc((size_t)f->max_id + 1, 1);
	if (!f->allow)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < o->nevents; i++)
		if (!allow_pattern(f, events, nev, o->events[i]))
			return ks_err_set(err, -ENOENT, "no event in the file matches '%s'",
					  o->events[i]);
	return 0;
}

int ks_evfilter_new(struct ks_evfilter **out, struct tep_handle *tep,
		    const struct ks_evfilter_opts *o, struct ks_err *err)
{
	struct ks_evfilter *f = calloc(1, sizeof(*f));
	int ret;

	*out = NULL;
	if (!f)
		return ks_err_set(err, -ENOMEM, "out of memory");
	f->pids = o->pids;
	f->npids = o->npids;
	f->comm = o->comm;
	if (o->nevents) {
		ret = allow_events(f, tep, o, err);
		if (ret) {
			ks_evfilter_free(f);
			return ret;
		}
	}
	*out = f;
	return 0;
}

void ks_evfilter_free(struct ks_evfilter *f)
{
	if (f)
		free(f->allow);
	free(f);
}

bool ks_evfilter_test(const struct ks_evfilter *f, struct tep_handle *tep, struct tep_record *rec)
{
	int i, pid, id;

	if (!f)
		return true;
	if (f->allow) {
		id = tep_data_type(tep, rec);
		if (id < 0 || id > f->max_id || !f->allow[id])
			return false;
	}
	if (!f->npids && !f->comm)
		return true;
	pid = tep_data_pid(tep, rec);
	if (f->npids) {
		for (i = 0; i < f->npids && f->pids[i] != pid; i++)
			;
		if (i == f->npids)
			return false;
	}
	return !f->comm || !fnmatch(f->comm, tep_data_comm_from_pid(tep, pid), 0);
}
