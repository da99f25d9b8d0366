// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: command-line values, error kinds and exit codes, small string helpers. */
#include <errno.h>
#include <stdlib.h>

#include "kscope/base/err.h"
#include "kscope/base/parse.h"
#include "kscope/base/util.h"
#include "tap.h"

/* "a,b,c" of ints, for comparing lists. */
static const char *list_str(const int *v, int n)
{
	static char buf[256];
	int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "", v[i]);
	return buf;
}

static void test_numbers(void)
{
	uint64_t u;
	double d;
	int v;

	ok(!ks_parse_u64("0x10", &u) && u == 16, "u64 takes hex");
	ok(ks_parse_u64("-1", &u) == -EINVAL, "u64 refuses a sign");
	ok(ks_parse_u64("12k", &u) == -EINVAL, "u64 refuses trailing text");
	ok(ks_parse_int("2147483648", &v) == -EINVAL, "int refuses what does not fit");
	ok(!ks_parse_int_range("5", 1, 5, &v) && v == 5, "range includes its top");
	ok(ks_parse_int_range("0", 1, 5, &v) == -EINVAL, "range refuses below");
	ok(!ks_parse_int("-42", &v) && v == -42, "negative int");
	ok(!ks_parse_duration("10", &d) && d == 10, "plain seconds");
	ok(!ks_parse_duration("2.5s", &d) && d == 2.5, "seconds with unit");
	ok(ks_parse_duration("soon", &d) == -EINVAL, "words are rejected");
	ok(!ks_parse_duration("500ms", &d) && d == 0.5, "500ms");
	ok(!ks_parse_duration("2m", &d) && d == 120, "2m");
	ok(!ks_parse_duration("20us", &d) && d > 19e-6 && d < 21e-6, "20us");
	ok(ks_parse_duration("-1", &d) == -EINVAL && ks_parse_duration("1h", &d) == -EINVAL,
	   "negative and unknown units refused");
}

static void test_lists(void)
{
	int *v = NULL, n = 0;

	ok(!ks_parse_int_list("3,1,2", 1, 10, &v, &n), "int list");
	is_str(list_str(v, n), "3,1,2", "in the order given");
	ok(!ks_parse_int_list("7", 1, 10, &v, &n), "a second list adds up");
	is_str(list_str(v, n), "3,1,2,7", "appended");
	ok(ks_parse_int_list("4,x", 1, 10, &v, &n) == -EINVAL, "a bad element fails the list");
	ok(ks_parse_int_list("11", 1, 10, &v, &n) == -EINVAL, "out of range");
	free(v);
	v = NULL;
	n = 0;
	ok(!ks_parse_cpu_list("0,2-3,1-2", 4, &v, &n), "cpu list with ranges");
	is_str(list_str(v, n), "0,2,3,1", "each CPU once, in order");
	ok(ks_parse_cpu_list("4", 4, &v, &n) == -EINVAL, "a CPU the machine lacks");
	ok(ks_parse_cpu_list("3-1", 4, &v, &n) == -EINVAL, "a range backwards");
	ok(ks_parse_cpu_list("1-", 4, &v, &n) == -EINVAL, "a range without end");
	free(v);
}

static void test_errors(void)
{
	struct ks_err e = { 0 };

	is_int(ks_err_exit(0, &e), KS_EXIT_OK, "success is 0");
	ks_err_set(&e, -EINVAL, "bad value");
	is_int(ks_err_exit(-EINVAL, &e), KS_EXIT_USAGE, "EINVAL is bad input: 2");
	ks_err_set(&e, -ENOENT, "no such file");
	is_int(ks_err_exit(-ENOENT, &e), KS_EXIT_USAGE, "a missing file is bad input: 2");
	ks_err_set(&e, -EIO, "write failed");
	is_int(ks_err_exit(-EIO, &e), KS_EXIT_FAIL, "EIO is a runtime failure: 1");
	ks_err_runtime(&e, -ENOENT, "cannot create out/x");
	is_int(ks_err_exit(-ENOENT, &e), KS_EXIT_FAIL, "an output that cannot be made: 1");
	ks_err_input(&e, -EIO, "corrupted");
	is_int(ks_err_exit(-EIO, &e), KS_EXIT_USAGE, "a corrupt input: 2");
	ks_err_kernel(&e, -ENOENT, "kprobe_events", "no kprobes");
	is_int(ks_err_exit(-ENOENT, &e), KS_EXIT_KERNEL, "the kernel lacks it: 3");
	is_str(e.msg, "no kprobes (kscope check: kprobe_events)", "the check item is named");
	ks_err_prefix(&e, -ENOENT, "record");
	is_str(e.msg, "record: no kprobes (kscope check: kprobe_events)", "prefix in front");
	is_int(ks_err_exit(-ENOENT, &e), KS_EXIT_KERNEL, "and the kind stays");
	ks_err_set(&e, -EACCES, "denied");
	ks_err_mark_input(&e, -EACCES);
	is_int(ks_err_exit(-EACCES, &e), KS_EXIT_USAGE, "an unreadable input: 2");
	is_int(ks_err_exit(-EINVAL, NULL), KS_EXIT_USAGE, "without detail, from errno");
}

static void test_strings(void)
{
	char buf[64];

	is_int(ks_edit_distance("record", "record"), 0, "same word");
	is_int(ks_edit_distance("recrod", "record"), 1, "a swap of neighbours is one edit");
	is_int(ks_edit_distance("reprot", "report"), 1, "another swap");
	is_int(ks_edit_distance("flam", "flame"), 1, "one letter short");
	is_int(ks_edit_distance("xyz", "check"), 5, "nothing alike");
	is_str(ks_hex("\x01\xab\xff", 3, buf), "01abff", "hex");
	ok(!ks_dirname("a/b/c.dat", buf, sizeof(buf)) && !strcmp(buf, "a/b"), "dirname");
	ok(!ks_dirname("c.dat", buf, sizeof(buf)) && !strcmp(buf, "."), "dirname of a bare name");
	ok(!ks_dirname("/c.dat", buf, sizeof(buf)) && !strcmp(buf, "/"), "dirname at the root");
	ok(ks_dirname("aaaaaaaa/b", buf, 4) == -ENAMETOOLONG, "dirname too long for the buffer");
}

int main(void)
{
	test_numbers();
	test_lists();
	test_errors();
	test_strings();
	return tap_done();
}
