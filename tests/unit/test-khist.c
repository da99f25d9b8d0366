// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: the text of a kernel hist file (as Debian's 6.1 kernel prints it) parsed
 * back into entries: numbers, strings, .syscall and .execname keys with the number in
 * brackets, values after hitcount, sums printed unsigned, the totals; and lines that are
 * not the kernel's layout refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/kernel/khist.h"
#include "tap.h"

static const char text[] =
	"# event histogram\n"
	"#\n"
	"# trigger info: hist:keys=id.syscall,common_pid.execname:vals=hitcount,ret:sort=hitcount"
	":size=2048 [active]\n"
	"#\n"
	"\n"
	"{ id: sys_fcntl                     [ 72], common_pid: sh              [       103] } "
	"hitcount:          1  ret:         10\n"
	"{ id: sys_lseek                     [  8], common_pid: tail            [       104] } "
	"hitcount:          3  ret: 18446744073709551587\n"
	"{ prev_pid:        108, cpu:          0 } hitcount:          1\n"
	"{ comm: kworker/0:1, a, b, next: 0x1f } hitcount:          7\n"
	"{ pid:        103, lat: ~ 1000-1999 } hitcount:         12\n"
	"\n"
	"Totals:\n"
	"    Hits: 60\n"
	"    Entries: 16\n"
	"    Dropped: 2\n";

struct seen {
	struct ks_khist_entry e[8];
	char names[8][4][32], texts[8][4][64];
	int n;
};

static int keep(void *arg, const struct ks_khist_entry *e)
{
	struct seen *s = arg;
	int i;

	if (s->n == 8)
		return -E2BIG;
	s->e[s->n] = *e;
	for (i = 0; i < e->nkeys && i < 4; i++) {
		snprintf(s->names[s->n][i], 32, "%s", e->key[i].name);
		snprintf(s->texts[s->n][i], 64, "%s", e->key[i].text);
	}
	s->n++;
	return 0;
}

static int parse(const char *t, struct seen *s, struct ks_khist_totals *tot)
{
	char *copy = strdup(t);
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ks_khist_parse(copy, keep, s, tot);
	free(copy);
	return ret;
}

int main(void)
{
	struct ks_khist_totals tot;
	struct seen s;

	is_int(parse(text, &s, &tot), 0, "the kernel's text parses");
	is_int(s.n, 5, "five entries");
	is_int(tot.hits, 60, "Hits");
	is_int(tot.entries, 16, "Entries");
	is_int(tot.dropped, 2, "Dropped");
	is_str(s.names[0][0], "id", ".syscall key's name");
	is_str(s.texts[0][0], "sys_fcntl", ".syscall key's name without the number");
	ok(s.e[0].key[0].has_num && s.e[0].key[0].num == 72, ".syscall number in brackets");
	is_str(s.texts[0][1], "sh", ".execname key's task name");
	ok(s.e[0].key[1].has_num && s.e[0].key[1].num == 103, ".execname pid in brackets");
	ok(s.e[0].nvals == 2 && s.e[0].val[0] == 1 && s.e[0].val[1] == 10, "hitcount and a sum");
	ok(s.e[1].val[0] == 3 && (int64_t)s.e[1].val[1] == -29, "a negative sum printed unsigned");
	ok(s.e[2].nkeys == 2 && s.e[2].key[0].num == 108 && !strcmp(s.names[2][1], "cpu") &&
	   s.e[2].key[1].has_num && s.e[2].key[1].num == 0, "two number keys");
	is_str(s.texts[3][0], "kworker/0:1, a, b", "a string with ', ' and ':' stays whole");
	ok(s.e[3].key[1].has_num && s.e[3].key[1].num == 0x1f, "a .hex key");
	ok(!s.e[3].key[0].has_num, "a string is no number");
	ok(s.e[4].key[1].has_num && s.e[4].key[1].num == 1000 && s.e[4].val[0] == 12,
	   "a .buckets key is its bucket's low end");
	is_int(parse("{ a: 1 } hitcount 3\n", &s, &tot), -EBADMSG, "no 'hitcount:' is refused");
	is_int(parse("{ a 1 } hitcount: 3\n", &s, &tot), -EBADMSG, "a key without ': ' is refused");
	is_int(parse("garbage\n", &s, &tot), -EBADMSG, "a line of something else is refused");
	is_int(parse("{ a: 1 } hitcount: x\n", &s, &tot), -EBADMSG, "a value that is no number");
	is_int(parse("", &s, &tot), 0, "an empty table");
	is_int(s.n, 0, "has no entries");
	return tap_done();
}
