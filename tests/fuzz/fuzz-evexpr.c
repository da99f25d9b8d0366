// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the offline event filter (src/tracedat/evexpr.c): the input's
 * first line is a filter over a test event with fields of every layout (signed and
 * unsigned numbers of each width, a fixed array, __data_loc and __rel_loc strings, a
 * pointer), the bytes after it are a record of that event, exactly that long, to
 * evaluate the filter on. Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "kscope/base/err.h"
#include "kscope/tracedat/evexpr.h"
#include "../lib/evexpr-event.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tep_handle *tep;
static struct tep_event *ev;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tep = tep_alloc();
	if (!tep || tep_parse_event(tep, evexpr_format, sizeof(evexpr_format) - 1, "test"))
		abort();
	ev = tep_find_event(tep, EVEXPR_EVENT_ID);
	return ev ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t flen = nl ? (size_t)(nl - data) : size, rlen = nl ? size - flen - 1 : 0;
	char *filter = malloc(flen + 1);
	unsigned char *rd = malloc(rlen ? rlen : 1);
	struct tep_record rec = { .data = rd, .size = (int)rlen, .cpu = (int)(size % 4) };
	struct ks_evexpr *x = NULL;
	struct ks_err err = { 0 };

	if (!filter || !rd)
		abort();
	memcpy(filter, data, flen);
	filter[flen] = 0;
	if (rlen)
		memcpy(rd, nl + 1, rlen);
	if (!ks_evexpr_new(&x, tep, ev, filter, &err)) {
		ks_evexpr_match(x, &rec);
		ks_evexpr_free(x);
	} else if (!err.msg[0]) {
		abort();	/* a refusal always says why */
	}
	free(filter);
	free(rd);
	return 0;
}
