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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char format[] =
	"name: ev\nID: 7\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:long ret;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:int small;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int flags;\toffset:20;\tsize:4;\tsigned:0;\n"
	"\tfield:char name[16];\toffset:24;\tsize:16;\tsigned:0;\n"
	"\tfield:__data_loc char[] path;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\tfield:__rel_loc char[] rel;\toffset:44;\tsize:4;\tsigned:0;\n"
	"\tfield:const char * ptr;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned char b;\toffset:56;\tsize:1;\tsigned:0;\n"
	"\tfield:short s;\toffset:58;\tsize:2;\tsigned:1;\n"
	"\nprint fmt: \"ret=%ld\", REC->ret\n";

static struct tep_handle *tep;
static struct tep_event *ev;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tep = tep_alloc();
	if (!tep || tep_parse_event(tep, format, sizeof(format) - 1, "test"))
		abort();
	ev = tep_find_event(tep, 7);
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
