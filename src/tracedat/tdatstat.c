// SPDX-License-Identifier: GPL-2.0-only
/* Counting a trace.dat's events for report --stat. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/kernel/recorder.h"
#include "kscope/tracedat/tdatstat.h"

static int max_event_id(struct tep_handle *tep)
{
	struct tep_event **list = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int i, max = 0, n = tep_get_events_count(tep);

	for (i = 0; list && i < n; i++)
		if (list[i]->id > max)
			max = list[i]->id;
	return max;
}

int ks_tdat_count(struct ks_tdat *t, const struct ks_evfilter *f, struct ks_tdat_counts *c,
		  void (*progress)(void *arg), void *arg)
{
	struct tep_handle *tep = ks_tdat_tep(t);
	struct tep_record *rec;
	uint64_t n = 0;
	int err_ret = 0;

	memset(c, 0, sizeof(*c));
	c->max_id = max_event_id(tep);
	c->ncpus = ks_tdat_info(t)->ncpus;
	c->per_id = calloc((size_t)c->max_id + 1, sizeof(*c->per_id));
	c->per_cpu = calloc(c->ncpus > 0 ? (size_t)c->ncpus : 1, sizeof(*c->per_cpu));
	if (!c->per_id || !c->per_cpu) {
		ks_tdat_counts_free(c);
		return -ENOMEM;
	}
	while ((rec = ks_tdat_next(t, &err_ret))) {
		int id;

		if (rec->missed_events > 0)
			c->drops += (uint64_t)rec->missed_events;
		else if (rec->missed_events < 0)
			c->unknown_drops++;
		if (progress && !(++n & 0xfffff))
			progress(arg);
		if (!ks_evfilter_test(f, tep, rec))
			continue;
		id = tep_data_type(tep, rec);
		if (id >= 0 && id <= c->max_id)
			c->per_id[id]++;
		if (rec->cpu >= 0 && rec->cpu < c->ncpus)
			c->per_cpu[rec->cpu]++;
		if (!c->events++)
			c->first_ts = rec->ts;
		c->last_ts = rec->ts;
	}
	return err_ret;
}

void ks_tdat_counts_free(struct ks_tdat_counts *c)
{
	free(c->per_id);
	free(c->per_cpu);
	memset(c, 0, sizeof(*c));
}

bool ks_tdat_cpu_lost(struct ks_tdat *t, int cpu, uint64_t *lost)
{
	struct ks_cpustats cs = { 0 };
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "CPU: %d\n", cpu);
	p = strstr(ks_tdat_info(t)->cpustats, key);
	if (!p)
		return false;
	ks_cpustats_parse(p + strlen(key), &cs);
	*lost = ks_cpustats_lost(&cs);
	return true;
}
