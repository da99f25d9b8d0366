// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: stack profiles (folded parsing, filters, reverse, diff, folded output). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "kscope/profile/stacks.h"
#include "kscope/base/util.h"
#include "tap.h"

static struct ks_stacks *parse(const char *text, struct ks_folded_report *rep)
{
	struct ks_stacks *s = ks_stacks_new();
	struct ks_folded_report r;
	struct ks_err err;

	if (!s || ks_stacks_parse_folded(s, text, strlen(text), rep ? rep : &r, &err))
		abort();
	return s;
}

/* Weight of the stack "a;b;c" (split here, so tests read like folded lines). */
static struct ks_stacks_weight weight(const struct ks_stacks *s, const char *stack)
{
	struct ks_stacks_weight w;
	const char *frames[64];
	char **v;
	int n;

	v = ks_split(stack, ';', &n);
	memcpy(frames, v, n * sizeof(*frames));
	if (ks_stacks_lookup(s, frames, n, &w))
		memset(&w, 0xff, sizeof(w));	/* "not there" looks like nothing valid */
	free(v);
	return w;
}

/* Folded output as a string (caller frees). */
static char *folded(const struct ks_stacks *s)
{
	struct ks_err err;
	FILE *f = tmpfile();
	char *out;
	long len;

	if (!f || ks_stacks_write_folded(s, fileno(f), &err))
		abort();
	len = lseek(fileno(f), 0, SEEK_CUR);
	out = calloc(1, len + 1);
	if (!out || pread(fileno(f), out, len, 0) != len)
		abort();
	fclose(f);
	return out;
}

static void test_parse(void)
{
	struct ks_folded_report rep;
	struct ks_stacks *s;
	struct ks_stacks_weight w;

	s = parse("main;parse;lex 20\n"
		  "\n"
		  "main;compute;mul 40\r\n"
		  "main;compute 10\n"
		  "main;parse;lex 5\n"
		  "init;load file 7\n"
		  "  \t\n"
		  "main;parse; 3\n"
		  "main;compute;mul\t15", &rep);
	is_int(rep.lines, 7, "blank lines are not counted");
	is_int(rep.stacks, 7, "every other line is a stack");
	is_int(rep.bad, 0, "no bad lines");
	is_int(ks_stacks_total(s), 100, "total of all counts");
	is_int(ks_stacks_is_diff(s), 0, "one count per line: not differential");
	w = weight(s, "main");
	ok(w.total == 93 && w.self == 0, "main: total 93, self 0 (%llu, %llu)",
	   (unsigned long long)w.total, (unsigned long long)w.self);
	w = weight(s, "main;parse;lex");
	ok(w.total == 25 && w.self == 25, "the same stack twice adds up");
	w = weight(s, "main;compute");
	ok(w.total == 65 && w.self == 10, "a frame with children and samples of its own");
	w = weight(s, "main;compute;mul");
	ok(w.self == 55, "CR LF and a tab before the count");
	w = weight(s, "init;load file");
	ok(w.self == 7, "frame names may hold spaces");
	w = weight(s, "main;parse");
	ok(w.self == 3, "a trailing ';' adds no empty frame");
	is_int(ks_stacks_count(s), 7, "7 frames in the trie");
	ks_stacks_free(s);

	s = parse("a;b 3 5\nc 4\n", &rep);
	is_int(ks_stacks_is_diff(s), 1, "two counts: differential (difffolded.pl)");
	w = weight(s, "a;b");
	ok(w.base_self == 3 && w.self == 5, "first count is the base, second the weight");
	w = weight(s, "c");
	ok(w.base_self == 4 && w.self == 4, "a single count stands for both");
	ks_stacks_free(s);
}

static void test_bad_lines(void)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{ "main;f", "no count" },
		{ "main;f g", "no count" },
		{ "main;f 12x", "bad count '12x'" },
		{ "main;f 1.5", "bad count '1.5'" },
		{ "main;f -3", "bad count '-3'" },
		{ "main;f 99999999999999999999", "count too large '99999999999999999999'" },
		{ "42", "no frames before the count" },
		{ ";;; 42", "no frames before the count" },
	};
	static const char nul[] = "a 1\nb\0c 2\nd 3\nx\ny\n";
	struct ks_folded_report rep;
	struct ks_stacks *s;
	char text[256];
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "ok;1 1\n%s\nok;2 2\n", cases[i].line);
		s = parse(text, &rep);
		ok(rep.bad == 1 && rep.first_bad == 2 && !strcmp(rep.why, cases[i].why),
		   "'%s': line 2: %s (got %s)", cases[i].line, cases[i].why, rep.why);
		ok(ks_stacks_total(s) == 3, "the good lines around it still count");
		ks_stacks_free(s);
	}

	s = ks_stacks_new();
	ks_stacks_parse_folded(s, nul, sizeof(nul) - 1, &rep, NULL);
	ok(rep.bad == 3 && rep.first_bad == 2 && !strcmp(rep.why, "NUL byte in the line"),
	   "a NUL byte makes a bad line, and bad lines are counted: %llu",
	   (unsigned long long)rep.bad);
	is_int(ks_stacks_total(s), 4, "the rest is read");
	ks_stacks_free(s);

	s = parse("a 18446744073709551615\nb 1\n", &rep);
	ok(rep.bad == 1 && rep.first_bad == 2 && strstr(rep.why, "2^64"),
	   "a total past 2^64 is refused: %s", rep.why);
	ks_stacks_free(s);

	s = ks_stacks_new();
	ks_stacks_parse_folded(s, "a;b 5", 3, &rep, NULL);
	ok(rep.bad == 1 && !strcmp(rep.why, "no count"), "the length is respected");
	ks_stacks_free(s);
}

static void test_add(void)
{
	const char *st1[] = { "main", "work", "sys_read_[k]" };
	const char *st2[] = { "main", "work" };
	struct ks_stacks *s = ks_stacks_new();
	struct ks_stacks_weight w;
	struct ks_err err = { 0 };

	ok(!ks_stacks_add(s, st1, 3, 7, &err), "add a stack");
	ok(!ks_stacks_add(s, st1, 3, 3, &err), "add it again");
	ok(!ks_stacks_add(s, st2, 2, 5, &err), "add its parent");
	ks_stacks_lookup(s, st1, 3, &w);
	ok(w.self == 10 && w.total == 10, "weights add up");
	ks_stacks_lookup(s, st2, 2, &w);
	ok(w.self == 5 && w.total == 15, "parent: self 5, total 15");
	ok(ks_stacks_lookup(s, st1, 1, &w) == 0 && w.total == 15, "a prefix is a node");
	ok(ks_stacks_lookup(s, (const char *[]){ "nope" }, 1, &w) == -ENOENT, "unknown stack");
	ok(ks_stacks_add(s, st1, 0, 1, &err) == -EINVAL, "an empty stack is refused");
	ok(ks_stacks_add(s, st2, 2, UINT64_MAX, &err) == -EOVERFLOW && strstr(err.msg, "2^64"),
	   "a total past 2^64 is refused: %s", err.msg);
	is_int(ks_stacks_total(s), 15, "and changed nothing");
	ok(ks_stacks_frame_is_kernel("sys_read_[k]") && !ks_stacks_frame_is_kernel("main") &&
	   !ks_stacks_frame_is_kernel("[k]"), "kernel frames end in _[k]");
	ks_stacks_free(s);
}

static void test_transform(void)
{
	struct ks_stacks *s, *t;
	struct ks_err err;
	char *out;

	s = parse("bash;main;read;sys_read_[k];vfs_read_[k] 30\n"
		  "bash;main;compute 50\n"
		  "bash;main 5\n"
		  "entry_SYSCALL_64_[k];do_syscall_64_[k] 15\n", NULL);
	ok(!ks_stacks_transform(s, KS_STACKS_REVERSE, &t, &err), "reverse");
	out = folded(t);
	is_str(out, "compute;main;bash 50\n"
		    "do_syscall_64_[k];entry_SYSCALL_64_[k] 15\n"
		    "main;bash 5\n"
		    "vfs_read_[k];sys_read_[k];read;main;bash 30\n", "every stack leaf first");
	is_int(ks_stacks_total(t), 100, "reverse keeps the total");
	free(out);
	ks_stacks_free(t);

	ok(!ks_stacks_transform(s, KS_STACKS_KERNEL_ONLY, &t, &err), "kernel-only");
	out = folded(t);
	is_str(out, "entry_SYSCALL_64_[k];do_syscall_64_[k] 15\n"
		    "sys_read_[k];vfs_read_[k] 30\n", "only kernel frames; user-only stacks go");
	is_int(ks_stacks_total(t), 45, "the total shrinks to the kernel samples");
	free(out);
	ks_stacks_free(t);

	ok(!ks_stacks_transform(s, KS_STACKS_USER_ONLY | KS_STACKS_REVERSE, &t, &err),
	   "user-only and reverse");
	out = folded(t);
	is_str(out, "compute;main;bash 50\n"
		    "main;bash 5\n"
		    "read;main;bash 30\n", "kernel frames dropped, then reversed");
	free(out);
	ks_stacks_free(t);

	ok(ks_stacks_transform(s, KS_STACKS_USER_ONLY | KS_STACKS_KERNEL_ONLY, &t, &err) ==
	   -EINVAL && !t, "kernel-only and user-only together are refused");
	ks_stacks_free(s);
}

static void test_diff(void)
{
	struct ks_stacks *base, *cur, *d;
	struct ks_stacks_weight w;
	struct ks_err err;
	char *out;

	base = parse("main;a 10\nmain;b 30\nmain;c 20\nmain 40\n", NULL);
	cur = parse("main;a 25\nmain;b 10\nmain;d 15\nmain 50\n", NULL);
	ok(!ks_stacks_diff(base, cur, 0, &d, &err), "diff");
	is_int(ks_stacks_is_diff(d), 1, "the result is differential");
	is_int(ks_stacks_total(d), 100, "widths come from the second profile");
	is_int(ks_stacks_base_total(d), 100, "the base total is the first's");
	w = weight(d, "main;a");
	ok(w.base_self == 10 && w.self == 25, "grown: 10 -> 25");
	w = weight(d, "main;b");
	ok(w.base_self == 30 && w.self == 10, "shrunk: 30 -> 10");
	w = weight(d, "main;c");
	ok(w.base_self == 20 && w.self == 0 && w.total == 0, "gone: 20 -> 0, no width");
	w = weight(d, "main;d");
	ok(w.base_self == 0 && w.self == 15, "new: 0 -> 15");
	out = folded(d);
	is_str(out, "main 40 50\nmain;a 10 25\nmain;b 30 10\nmain;c 20 0\nmain;d 0 15\n",
	       "folded output with both counts, as difffolded.pl writes");
	free(out);
	ks_stacks_free(d);
	ks_stacks_free(base);
	ks_stacks_free(cur);

	/* Normalize: base total 40 scaled to 120, like difffolded.pl -n (rounded down). */
	base = parse("x;a 10\nx;b 25\nx;c 5\n", NULL);
	cur = parse("x;a 60\nx;b 40\nx;c 20\n", NULL);
	ok(!ks_stacks_diff(base, cur, 1, &d, &err), "diff --normalize");
	out = folded(d);
	is_str(out, "x;a 30 60\nx;b 75 40\nx;c 15 20\n", "base counts scaled by 120/40");
	is_int(ks_stacks_base_total(d), 120, "base total now equals the second's");
	free(out);
	ks_stacks_free(d);
	ks_stacks_free(base);
	base = parse("x;a 1\nx;b 2\n", NULL);
	ok(!ks_stacks_diff(base, cur, 1, &d, &err), "normalize rounds down");
	out = folded(d);
	is_str(out, "x;a 40 60\nx;b 80 40\nx;c 0 20\n", "1 * 120 / 3 = 40, 2 * 120 / 3 = 80");
	free(out);
	ks_stacks_free(d);
	ks_stacks_free(base);

	base = ks_stacks_new();
	ok(ks_stacks_diff(base, cur, 1, &d, &err) == -EINVAL, "nothing to normalize: refused");
	ks_stacks_free(base);
	ks_stacks_free(cur);
}

static void test_folded_output(void)
{
	const char *odd[] = { "a;b", "line\nbreak" };
	struct ks_stacks *s, *s2;
	struct ks_err err;
	char *out, *out2;

	/* Byte order of whole stacks, like LC_ALL=C sort: "f1" < "f;x" since '1' < ';'. */
	s = parse("f;x 1\nf1 2\nf 3\nF 4\nf;x;y 5\nf-2 6\n", NULL);
	out = folded(s);
	is_str(out, "F 4\nf 3\nf-2 6\nf1 2\nf;x 1\nf;x;y 5\n", "sorted byte-wise by stack");
	s2 = parse(out, NULL);
	out2 = folded(s2);
	is_str(out2, out, "reading the output back gives the same output");
	free(out);
	free(out2);
	ks_stacks_free(s);
	ks_stacks_free(s2);

	s = ks_stacks_new();
	ks_stacks_add(s, odd, 2, 9, &err);
	out = folded(s);
	is_str(out, "a:b;line break 9\n", "';' and line breaks in names cannot break a line");
	free(out);
	ks_stacks_free(s);
}

struct walked {
	char order[512];
	uint64_t offsets[16];
	int n;
	int skip_b;
};

static int walk_cb(const struct ks_stacks_frame *f, void *arg)
{
	struct walked *w = arg;
	size_t len = strlen(w->order);

	snprintf(w->order + len, sizeof(w->order) - len, "%s%u:%s", len ? " " : "", f->depth,
		 f->name);
	if (w->n < 16)
		w->offsets[w->n++] = f->offset;
	return w->skip_b && !strcmp(f->name, "b");
}

static void test_walk(void)
{
	struct ks_stacks *s = parse("m;c;z 1\nm;b;y 2\nm;a 4\nm;b;x 8\nk 16\n", NULL);
	struct walked w = { "", { 0 }, 0, 0 };

	ks_stacks_walk(s, walk_cb, &w);
	is_str(w.order, "1:k 1:m 2:a 2:b 3:x 3:y 2:c 3:z", "depth first, alphabetical per level");
	ok(w.offsets[0] == 0 && w.offsets[1] == 16 && w.offsets[2] == 16 && w.offsets[3] == 20 &&
	   w.offsets[4] == 20 && w.offsets[5] == 28 && w.offsets[6] == 30 && w.offsets[7] == 30,
	   "offsets: the weight left of each frame");
	memset(&w, 0, sizeof(w));
	w.skip_b = 1;
	ks_stacks_walk(s, walk_cb, &w);
	is_str(w.order, "1:k 1:m 2:a 2:b 2:c 3:z", "a callback can skip a frame's children");
	ks_stacks_free(s);
}

/* Garbage in: counted, never a crash; any depth. */
static void test_garbage(void)
{
	static const char alphabet[] = "ab;; \t\n0123456789_[k]\r\x01\xff";
	struct ks_folded_report rep;
	struct ks_stacks *s = ks_stacks_new();
	struct ks_err err;
	uint32_t x = 12345;
	size_t i, n = 200000;
	char *text = malloc(n), *deep;
	struct ks_stacks_weight w;

	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		text[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
	}
	ok(!ks_stacks_parse_folded(s, text, n, &rep, &err), "random bytes parse");
	ok(rep.lines == rep.stacks + rep.bad && rep.bad > 0 && rep.stacks > 0,
	   "every line is a stack or a bad line (%llu + %llu)", (unsigned long long)rep.stacks,
	   (unsigned long long)rep.bad);
	free(text);
	ks_stacks_free(s);

	/* 100000 frames deep. */
	n = 100000;
	deep = malloc(2 * n + 8);
	for (i = 0; i < n; i++) {
		deep[2 * i] = 'f';
		deep[2 * i + 1] = ';';
	}
	strcpy(deep + 2 * n - 1, " 3");
	s = parse(deep, &rep);
	is_int(ks_stacks_count(s), n, "a stack 100000 frames deep");
	ok(!ks_stacks_lookup(s, (const char *[]){ "f" }, 1, &w) && w.total == 3, "weighs 3");
	text = folded(s);
	ok(strlen(text) == 2 * n + 2, "and is written back");
	free(text);
	free(deep);
	ks_stacks_free(s);
}

int main(void)
{
	test_parse();
	test_bad_lines();
	test_add();
	test_transform();
	test_diff();
	test_folded_output();
	test_walk();
	test_garbage();
	return tap_done();
}
