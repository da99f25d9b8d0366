// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: offline event filters (evexpr.c) mean what the kernel's filters mean:
 * signed fields compare signed, negative numbers parse, the fields' widths hold, strings
 * of every layout compare by ==, != and ~ globs, && binds tighter than ||, and bad
 * filters are refused with the reason and the column.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "kscope/base/err.h"
#include "kscope/tracedat/evexpr.h"
#include "../lib/evexpr-event.h"
#include "tap.h"

static void put(unsigned char *p, uint64_t v, int size)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Whether @filter passes the record; -1: refused. */
static int run(struct tep_handle *tep, struct tep_record *rec, const char *filter,
	       struct ks_err *err)
{
	struct tep_event *ev = tep_find_event(tep, EVEXPR_EVENT_ID);
	struct ks_evexpr *x;
	int r;

	memset(err, 0, sizeof(*err));
	if (ks_evexpr_new(&x, tep, ev, filter, err))
		return -1;
	r = ks_evexpr_match(x, rec);
	ks_evexpr_free(x);
	return r;
}

int main(void)
{
	static const struct { const char *filter; int want; } cases[] = {
		{ "ret < 0", 1 }, { "ret < -1", 1 }, { "ret < -2", 0 }, { "ret == -2", 1 },
		{ "ret >= -2", 1 }, { "ret > 0", 0 }, { "ret != -2", 0 },
		{ "small == -5", 1 }, { "small < 0", 1 }, { "small <= -6", 0 },
		{ "flags == 0x80000001", 1 }, { "flags > 5", 1 }, { "flags & 1", 1 },
		{ "flags & 2", 0 }, { "flags == 0x180000001", 1 },	/* the field is 32 bits */
		{ "b == 255", 1 }, { "b > 254", 1 },
		{ "common_pid == 42", 1 }, { "common_pid != 42", 0 },
		{ "CPU == 1", 1 }, { "cpu == 0", 0 }, { "common_cpu == 1", 1 },
		{ "name == \"bash\"", 1 }, { "name == bash", 1 }, { "name == 'bas'", 0 },
		{ "name ~ \"ba*\"", 1 }, { "name ~ \"*sh\"", 1 }, { "name ~ \"*as*\"", 1 },
		{ "name ~ \"b?sh\"", 1 }, { "name ~ \"z*\"", 0 }, { "name != bash", 0 },
		{ "path == \"/usr/bin/ls\"", 1 }, { "path ~ \"*/ls\"", 1 },
		{ "rel == \"rel-str\"", 1 }, { "rel ~ rel*", 1 },
		{ "ret < 0 && small < 0", 1 }, { "ret > 0 && small < 0", 0 },
		{ "ret > 0 || small < 0", 1 }, { "ret > 0 || small > 0 || b == 255", 1 },
		/* && binds tighter: false || (true && false) */
		{ "ret > 0 || ret < 0 && small > 0", 0 },
		{ "(ret > 0 || ret < 0) && small > 0", 0 },
		{ "(ret > 0 || ret < 0) && small < 0", 1 },
		{ "!(ret < 0)", 0 }, { "!ret > 0", 1 }, { "!!(name == bash)", 1 },
		{ "  ret<0&&name==bash  ", 1 },
	};
	static const struct { const char *filter; const char *why; } bad[] = {
		{ "nosuch == 1", "no field 'nosuch'" },
		{ "ret + 2 < 0", "expected an operator" },
		{ "ret <", "expected a value" },
		{ "flags == -1", "negative number for an unsigned field" },
		{ "ret == 12abc", "not a number" },
		{ "name < bash", "only by ==, != and ~" },
		{ "ret ~ 1", "~ is for strings" },
		{ "ptr == \"x\"", "in kernel memory" },
		{ "(ret < 0", "expected ')'" },
		{ "ret < 0 ||", "expected a field name" },
		{ "ret < 0 ret > 1", "expected && or ||" },
		{ "name == \"bash", "unterminated string" },
		{ "", "expected a field name" },
	};
	struct tep_handle *tep = tep_alloc();
	unsigned char data[96] = { 0 };
	struct tep_record rec = { .data = data, .size = 80, .cpu = 1 };
	struct ks_err err;
	size_t i;
	char deep[400];

	if (!tep || tep_parse_event(tep, evexpr_format, sizeof(evexpr_format) - 1, "test")) {
		printf("Bail out! cannot parse the test format\n");
		return 1;
	}
	put(data, EVEXPR_EVENT_ID, 2);
	put(data + 4, 42, 4);
	put(data + 8, (uint64_t)-2, 8);
	put(data + 16, (uint64_t)-5, 4);
	put(data + 20, 0x80000001u, 4);
	memcpy(data + 24, "bash", 5);
	put(data + 40, (12u << 16) | 60, 4);			/* "/usr/bin/ls" at 60 */
	memcpy(data + 60, "/usr/bin/ls", 12);
	put(data + 44, (8u << 16) | (72 - 48), 4);		/* "rel-str" at 72, from 48 */
	memcpy(data + 72, "rel-str", 8);
	put(data + 56, 255, 1);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = run(tep, &rec, cases[i].filter, &err);

		ok(r == cases[i].want, "'%s' is %s", cases[i].filter, cases[i].want ? "true" : "false");
		if (r < 0)
			printf("#   %s\n", err.msg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = run(tep, &rec, bad[i].filter, &err);

		ok(r == -1 && strstr(err.msg, bad[i].why) && err.kind == KS_ERR_INPUT,
		   "'%s' is refused: %s", bad[i].filter, bad[i].why);
		if (r != -1 || !strstr(err.msg, bad[i].why))
			printf("#   got %d: %s\n", r, err.msg);
	}
	ok(run(tep, &rec, "ret < 0 || nosuch == 1", &err) == -1 &&
	   strstr(err.msg, "ev: no field 'nosuch'"), "the message names the event and the field");
	ok(run(tep, &rec, "ret == 1 &&", &err) == -1 && strstr(err.msg, "at column 12"),
	   "the message gives the column");
	/* Too deep for the parser's stack is an error, not a crash. */
	memset(deep, '(', 300);
	strcpy(deep + 300, "ret < 0");
	ok(run(tep, &rec, deep, &err) == -1 && strstr(err.msg, "nested too deeply"),
	   "300 parentheses are refused");
	/* A record too short for its fields matches nothing rather than reading past it. */
	rec.size = 12;
	ok(run(tep, &rec, "ret < 0", &err) == 0 && run(tep, &rec, "name == bash", &err) == 0,
	   "a truncated record reads no field");
	tep_free(tep);
	return tap_done();
}
