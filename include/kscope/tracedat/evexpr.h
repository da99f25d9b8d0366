/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tracefs event filter ("prev_pid != 0 && prev_state == 1", the text written to an
 * event's filter file) applied to the records of a trace.dat, with the kernel's meaning.
 * libtraceevent parses the text; kscope evaluates the parsed tree itself, because
 * libtraceevent compares signed fields as unsigned numbers (so "ret < 0" never matches)
 * where the kernel compares them as signed ones.
 */
#ifndef KSCOPE_TRACEDAT_EVEXPR_H
#define KSCOPE_TRACEDAT_EVEXPR_H

#include <stdbool.h>

#include <event-parse.h>

#include "kscope/base/util.h"

struct ks_evexpr;

/*
 * @filter for @ev; -EINVAL (bad input, said in @err) for a filter that does not parse,
 * names a field the event does not have, or compares a string with a number.
 */
int ks_evexpr_new(struct ks_evexpr **out, struct tep_handle *tep, struct tep_event *ev,
		  const char *filter, struct ks_err *err);
/* Whether @rec, a record of the event, passes. */
bool ks_evexpr_match(struct ks_evexpr *x, struct tep_record *rec);
void ks_evexpr_free(struct ks_evexpr *x);

#endif
