// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: string, number and buffer helpers; cpustats parsing. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kscope/kernel/recorder.h"
#include "kscope/base/util.h"
#include "tap.h"

static void test_split_strip(void)
{
	char **v;
	int n;
	char s[] = "  \thello world \n";

	v = ks_split("a,b,,c", ',', &n);
	ok(v && n == 4, "split counts empty fields");
	is_str(v[0], "a", "first field");
	is_str(v[2], "", "empty field");
	is_str(v[3], "c", "last field");
	ok(v[4] == NULL, "NULL terminated");
	free(v);
	is_str(ks_strip(s), "hello world", "strip both ends");
}

static void test_buf(void)
{
	struct ks_buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		ks_buf_addf(&b, "%d,", i);
	ok(b.len == 3890, "buf grows: %zu bytes", b.len);
	ok(!strncmp(b.data + b.len - 4, "999,", 4), "buf keeps order");
	ks_buf_add_u32(&b, 0x01020304);
	ok(b.len == 3894, "binary append");
	ks_buf_free(&b);
	ok(b.data == NULL && b.len == 0, "free resets");
}

static void test_cpustats(void)
{
	const char *text = "entries: 12\noverrun: 3\ncommit overrun: 1\nbytes: 4096\n"
			   "oldest event ts:  1.000\nnow ts:  2.000\ndropped events: 5\n"
			   "read events: 77\n";
	struct ks_cpustats st;

	ks_cpustats_parse(text, &st);
	is_int(st.entries, 12, "entries");
	is_int(st.overrun, 3, "overrun, not confused with commit overrun");
	is_int(st.commit_overrun, 1, "commit overrun");
	is_int(st.dropped, 5, "dropped events");
	is_int(st.read, 77, "read events");
	is_int(ks_cpustats_lost(&st), 9, "lost = overrun + commit overrun + dropped");
}

/* Output to a device is written to it, never renamed over it. */
static void test_outfile_device(void)
{
	struct ks_outfile o;
	struct stat st;
	int ret;

	ret = ks_outfile_open(&o, "/dev/null");
	ok(!ret && o.direct, "an existing device is opened directly");
	ok(ks_write_all(o.fd, "x", 1) == 0, "written");
	ok(ks_outfile_commit(&o) == 0, "committed");
	ok(!stat("/dev/null", &st) && S_ISCHR(st.st_mode), "/dev/null is still a device");
	ok(ks_outfile_open(&o, "/tmp") == -EISDIR, "a directory is refused");
}

int main(void)
{
	test_split_strip();
	test_buf();
	test_cpustats();
	test_outfile_device();
	return tap_done();
}
