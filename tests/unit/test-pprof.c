// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: the pprof and speedscope writers (and the interning table and UTF-8
 * checks under them). Samples are built by hand: several mappings (one of them twice
 * under different pointers), inline frames, unresolved user and kernel frames, an
 * empty stack, odd bytes in a comm. The pprof output is gunzipped and walked as
 * generic protobuf; the speedscope output is checked by a small JSON parser and
 * compared with the exact text expected.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "kscope/base/intern.h"
#include "kscope/output/pprof.h"
#include "kscope/output/profout.h"
#include "kscope/output/speedscope.h"
#include "tap.h"

/* The fixture. */

static const struct ks_prof_map m_app = {
	0x400000, 0x402000, 0, "/usr/bin/app", "0123abcd", 1, false
};
static const struct ks_prof_map m_libc = {
	0x7f0000000000, 0x7f0000100000, 0x1000, "/usr/lib/libc.so.6", "", 2, false
};
/* The same mapping under another pointer: must still be one Mapping. */
static const struct ks_prof_map m_libc_copy = {
	0x7f0000000000, 0x7f0000100000, 0x1000, "/usr/lib/libc.so.6", "", 2, false
};
static const struct ks_prof_map m_kernel = {
	0xffffffff81000000, 0xffffffff82000000, 0, "[kernel.kallsyms]", "", 3, true
};

static const struct ks_sym_line l_inline[] = {
	{ "inner", "a.h", 3 }, { "main", "app.c", 20 },
};
static const struct ks_sym_line l_inline_copy[] = {
	{ "inner", "a.h", 3 }, { "main", "app.c", 20 },
};
static const struct ks_sym_line l_read[] = { { "read", "io.c", 10 } };
static const struct ks_sym_line l_sys[] = { { "do_syscall_64", NULL, 0 } };

#define LOC(a, m, l, k) { a, m, { KS_ARRAY_SIZE(l), l, 0 }, k }
#define ULOC(a, m, k) { a, m, { 0, NULL, 0 }, k }

/* Macros, as a const object is no constant initializer for the stacks (in ISO C). */
#define LOC_K	LOC(0xffffffff81000100, &m_kernel, l_sys, true)
#define LOC_R	LOC(0x7f0000000123, &m_libc, l_read, false)
#define LOC_R2	LOC(0x7f0000000123, &m_libc_copy, l_read, false)
#define LOC_I	LOC(0x400123, &m_app, l_inline, false)
#define LOC_I2	LOC(0x400123, &m_app, l_inline_copy, false)
#define LOC_U	ULOC(0x400200, &m_app, false)
#define LOC_N	ULOC(0x1234, NULL, false)
#define LOC_KU	ULOC(0xffffffff9000dead, NULL, true)

static const struct ks_prof_loc loc_i = LOC_I, loc_u = LOC_U, loc_n = LOC_N, loc_ku = LOC_KU;

static const struct ks_prof_loc st1[] = { LOC_K, LOC_R, LOC_I };
static const struct ks_prof_loc st2[] = { LOC_U, LOC_I2 };
static const struct ks_prof_loc st3[] = { LOC_K, LOC_R2, LOC_I2 };
static const struct ks_prof_loc st4[] = { LOC_N, LOC_KU };

#define BAD_COMM "bad\"na\\me\x01\xff"

#define SAMPLE(p, t, c, tm, w, st) \
	{ .pid = p, .tid = t, .comm = c, .time = tm, .weight = w, \
	  .nlocs = KS_ARRAY_SIZE(st), .locs = st }

static const struct ks_prof_sample samples[] = {
	SAMPLE(100, 100, "app", 1000, 500, st1),
	SAMPLE(100, 101, "worker", 2000, 300, st2),
	SAMPLE(100, 100, "app", 3000, 200, st3),	/* = the first */
	SAMPLE(200, 201, BAD_COMM, 4000, 50, st4),
	SAMPLE(200, 200, "other", 5000, 70, st4),
	/* An empty stack of weight 0: a pprof sample; speedscope leaves it out. */
	{ .pid = 50, .tid = 50, .comm = "idle", .time = 500 },
	/* An empty stack with a weight. */
	{ .pid = 300, .tid = 300, .comm = "lost", .time = 600, .weight = 40 },
};

/* Helpers. */

static char *read_fd(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *p = malloc(n + 1);

	if (!p || pread(fd, p, n, 0) != n)
		abort();
	p[n] = '\0';
	*len = n;
	return p;
}

static char *gunzip(const char *in, size_t len, size_t *outlen)
{
	size_t cap = 1 << 16;
	char *out = malloc(cap);
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (!out || inflateInit2(&zs, 15 + 16) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	do {
		if (zs.total_out == cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				abort();
		}
		zs.next_out = (unsigned char *)out + zs.total_out;
		zs.avail_out = cap - zs.total_out;
		ret = inflate(&zs, Z_NO_FLUSH);
	} while (ret == Z_OK);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	if (ret != Z_STREAM_END || zs.avail_in) {
		free(out);
		return NULL;
	}
	return out;
}

/* A generic protobuf walk: only varint and length-delimited fields are expected. */
struct pbf {
	unsigned int field, wire;
	uint64_t v;			/* varint value */
	const uint8_t *p;		/* bytes of a length-delimited field */
	size_t len;
};

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

/* 1: a field in *f, 0: the end, -1: malformed. */
static int pb_next(const uint8_t **p, const uint8_t *end, struct pbf *f)
{
	uint64_t key;

	if (*p == end)
		return 0;
	if (varint(p, end, &key))
		return -1;
	f->field = key >> 3;
	f->wire = key & 7;
	if (f->wire == 0)
		return varint(p, end, &f->v) ? -1 : 1;
	if (f->wire != 2 || varint(p, end, &f->v) || f->v > (uint64_t)(end - *p))
		return -1;
	f->p = *p;
	f->len = f->v;
	*p += f->len;
	return 1;
}

struct msg {
	const uint8_t *p;
	size_t len;
};

/* Whether the whole of @m parses as fields (not looking inside them). */
static int pb_valid(struct msg m)
{
	const uint8_t *p = m.p, *end = m.p + m.len;
	struct pbf f;
	int r;

	while ((r = pb_next(&p, end, &f)) == 1)
		;
	return r == 0;
}

static int pb_count(struct msg m, unsigned int field)
{
	const uint8_t *p = m.p, *end = m.p + m.len;
	struct pbf f;
	int n = 0;

	while (pb_next(&p, end, &f) == 1)
		n += f.field == field;
	return n;
}

/* The @n-th occurrence of @field (a message or string); len 0 if absent. */
static struct msg pb_get(struct msg m, unsigned int field, int n)
{
	const uint8_t *p = m.p, *end = m.p + m.len;
	struct msg r = { NULL, 0 };
	struct pbf f;

	while (pb_next(&p, end, &f) == 1)
		if (f.field == field && f.wire == 2 && n-- == 0)
			return (struct msg){ f.p, f.len };
	return r;
}

/* A number field, 0 (proto3's default) if absent. */
static uint64_t pb_num(struct msg m, unsigned int field)
{
	const uint8_t *p = m.p, *end = m.p + m.len;
	struct pbf f;
	uint64_t v = 0;

	while (pb_next(&p, end, &f) == 1)
		if (f.field == field && f.wire == 0)
			v = f.v;
	return v;
}

/* A packed repeated number field, @i-th element, or -1. */
static int64_t pb_packed(struct msg m, unsigned int field, int i)
{
	struct msg a = pb_get(m, field, 0);
	const uint8_t *p = a.p, *end = a.p + a.len;
	uint64_t v;

	while (p && p < end) {
		if (varint(&p, end, &v))
			return -1;
		if (i-- == 0)
			return (int64_t)v;
	}
	return -1;
}

static int pb_packed_len(struct msg m, unsigned int field)
{
	int n = 0;

	while (pb_packed(m, field, n) >= 0)
		n++;
	return n;
}

/* The profile, decoded enough to check it. */
struct prof {
	struct msg all;
	char **strs;
	int nstrs;
};

static const char *str(const struct prof *pr, uint64_t i)
{
	return i < (uint64_t)pr->nstrs ? pr->strs[i] : "(out of range)";
}

static void prof_load(struct prof *pr, struct msg all)
{
	struct msg s;
	int i;

	pr->all = all;
	pr->nstrs = pb_count(all, 6);
	pr->strs = calloc(pr->nstrs + 1, sizeof(*pr->strs));
	for (i = 0; i < pr->nstrs; i++) {
		s = pb_get(all, 6, i);
		pr->strs[i] = strndup(s.len ? (const char *)s.p : "", s.len);
	}
}

static void prof_free(struct prof *pr)
{
	int i;

	for (i = 0; i < pr->nstrs; i++)
		free(pr->strs[i]);
	free(pr->strs);
}

/* The message of @field whose id (field 1) is @id. */
static struct msg by_id(const struct prof *pr, unsigned int field, uint64_t id)
{
	int i, n = pb_count(pr->all, field);
	struct msg m;

	for (i = 0; i < n; i++) {
		m = pb_get(pr->all, field, i);
		if (pb_num(m, 1) == id)
			return m;
	}
	return (struct msg){ NULL, 0 };
}

/* A location's function names, innermost first, joined by '/'; its address if none. */
static void loc_names(const struct prof *pr, uint64_t id, char *out, size_t size)
{
	struct msg loc = by_id(pr, 4, id), line, fn;
	int i, n = pb_count(loc, 4);

	*out = '\0';
	if (!n)
		snprintf(out, size, "%#llx", (unsigned long long)pb_num(loc, 3));
	for (i = 0; i < n; i++) {
		line = pb_get(loc, 4, i);
		fn = by_id(pr, 5, pb_num(line, 1));
		snprintf(out + strlen(out), size - strlen(out), "%s%s:%llu", i ? "/" : "",
			 str(pr, pb_num(fn, 2)), (unsigned long long)pb_num(line, 2));
	}
}

/* A sample as "loc;loc;... v1 v2 pid tid comm" (leaf first). */
static void sample_text(const struct prof *pr, struct msg s, char *out, size_t size)
{
	char buf[256];
	struct msg lb;
	int i, n = pb_packed_len(s, 1);

	*out = '\0';
	for (i = 0; i < n; i++) {
		loc_names(pr, pb_packed(s, 1, i), buf, sizeof(buf));
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? ";" : "", buf);
	}
	snprintf(out + strlen(out), size - strlen(out), " %lld %lld", (long long)pb_packed(s, 2, 0),
		 (long long)pb_packed(s, 2, 1));
	for (i = 0; i < pb_count(s, 3); i++) {
		lb = pb_get(s, 3, i);
		if (pb_num(lb, 2))
			snprintf(out + strlen(out), size - strlen(out), " %s=%s",
				 str(pr, pb_num(lb, 1)), str(pr, pb_num(lb, 2)));
		else
			snprintf(out + strlen(out), size - strlen(out), " %s=%lld",
				 str(pr, pb_num(lb, 1)), (long long)pb_num(lb, 3));
	}
}

/* A tiny JSON parser: whether @s is one valid JSON value (RFC 8259) and nothing else. */
struct json {
	const char *p;
	int depth;
};

static void json_ws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static int json_value(struct json *j);

static int json_string(struct json *j)
{
	size_t len;
	int i;

	if (*j->p++ != '"')
		return -1;
	while (*j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return -1;
		if (*j->p == '\\') {
			j->p++;
			if (*j->p == 'u') {
				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
						return -1;
				j->p += 5;
			} else if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
				j->p++;
			} else {
				return -1;
			}
			continue;
		}
		len = ks_profout_utf8_len(j->p, strlen(j->p));
		if (!len)
			return -1;
		j->p += len;
	}
	j->p++;
	return 0;
}

static int json_number(struct json *j)
{
	const char *start;

	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9')
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return -1;
	if (*j->p == '.') {
		start = ++j->p;
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
		if (j->p == start)
			return -1;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		start = j->p;
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
		if (j->p == start)
			return -1;
	}
	return 0;
}

static int json_list(struct json *j, char close, int object)
{
	j->p++;
	json_ws(j);
	if (*j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			json_ws(j);
			if (json_string(j))
				return -1;
			json_ws(j);
			if (*j->p++ != ':')
				return -1;
		}
		if (json_value(j))
			return -1;
		json_ws(j);
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int json_value(struct json *j)
{
	int ret;

	json_ws(j);
	if (++j->depth > 64)
		return -1;
	switch (*j->p) {
	case '{':
		ret = json_list(j, '}', 1);
		break;
	case '[':
		ret = json_list(j, ']', 0);
		break;
	case '"':
		ret = json_string(j);
		break;
	case 't':
		ret = strncmp(j->p, "true", 4) ? -1 : (j->p += 4, 0);
		break;
	case 'f':
		ret = strncmp(j->p, "false", 5) ? -1 : (j->p += 5, 0);
		break;
	case 'n':
		ret = strncmp(j->p, "null", 4) ? -1 : (j->p += 4, 0);
		break;
	default:
		ret = json_number(j);
	}
	j->depth--;
	return ret;
}

static int json_valid(const char *s)
{
	struct json j = { s, 0 };

	if (json_value(&j))
		return 0;
	json_ws(&j);
	return *j.p == '\0';
}

/* Tests. */

static void test_intern(void)
{
	struct ks_intern *t = ks_intern_new();
	uint32_t id, i, bad = 0;
	char key[32];
	size_t len;

	ok(t && ks_intern_count(t) == 0, "an empty table");
	is_int(ks_intern_str(t, "", &id), 1, "the empty key is added");
	is_int(id, 0, "as id 0");
	is_int(ks_intern_str(t, "a", &id), 1, "\"a\" is added");
	is_int(id, 1, "as id 1");
	is_int(ks_intern_str(t, "a", &id), 0, "\"a\" again is found");
	is_int(id, 1, "with the same id");
	is_int(ks_intern_add(t, "a\0b", 3, &id), 1, "keys are bytes: NUL inside is fine");
	is_int(ks_intern_find(t, "zz", 2, &id), -ENOENT, "find does not add");
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "key-%u", i);
		if (ks_intern_str(t, key, &id) != 1 || id != i + 3)
			bad++;
	}
	is_int(bad, 0, "100000 keys get dense ids");
	for (i = 0; i < 100000; i += 7) {
		snprintf(key, sizeof(key), "key-%u", i);
		if (ks_intern_find(t, key, strlen(key), &id) || id != i + 3 ||
		    strcmp(ks_intern_key(t, id, &len), key) || len != strlen(key))
			bad++;
	}
	is_int(bad, 0, "and are found again, keys NUL-terminated");
	is_int(ks_intern_count(t), 100003, "count");
	ks_intern_free(t);
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
		{ "plain", 1 }, { "m\xc3\xbcnchen", 1 }, { "\xe2\x82\xac", 1 },
		{ "\xf0\x9f\x98\x80", 1 }, { "\xc0\x80", 0 }, { "\xe0\x80\x80", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xe2\x82", 0 },
		{ "\x80", 0 }, { "\xff", 0 }, { "\xf8\x88\x80\x80\x80", 0 },
	};
	struct ks_buf b = { 0 };
	unsigned int i, bad = 0;

	for (i = 0; i < KS_ARRAY_SIZE(cases); i++)
		if (ks_profout_utf8_valid(cases[i].s) != cases[i].valid) {
			printf("# utf8 case %u\n", i);
			bad++;
		}
	is_int(bad, 0, "UTF-8: overlong forms, surrogates, > U+10FFFF, cut sequences refused");
	ks_profout_utf8_fix(&b, "a\xff\xfe" "b\xe2\x82\xac\xe2\x82");
	is_str(b.data, "a\xef\xbf\xbd\xef\xbf\xbd" "b\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd",
	       "each byte that is not UTF-8 becomes U+FFFD");
	ks_buf_free(&b);
}

static void test_names(void)
{
	char buf[KS_PROFOUT_NAME_MAX];

	is_str(ks_profout_name(&loc_i, 0, buf), "inner", "inlined frame: the inlined function");
	is_str(ks_profout_name(&loc_i, 1, buf), "main", "then the function it is in");
	is_str(ks_profout_name(&loc_u, 0, buf), "app+0x200", "unresolved: binary+file offset");
	is_str(ks_profout_name(&(struct ks_prof_loc)ULOC(0x7f0000000123, &m_libc, false), 0, buf),
	       "libc.so.6+0x1123", "the offset counts the mapping's file offset");
	is_str(ks_profout_name(&loc_n, 0, buf), "[unknown]", "no mapping: [unknown]");
	is_str(ks_profout_name(&loc_ku, 0, buf), "[unknown]", "kernel: no mark here");
}

static char *write_pprof(const struct ks_prof_sample *s, size_t n, size_t *len)
{
	struct ks_pprof *p;
	struct ks_err err;
	char *gz, *raw;
	size_t gzlen, i;
	FILE *f = tmpfile();

	if (!f || ks_pprof_new(&p, "cpu", "nanoseconds", 10101010, &err))
		abort();
	ks_pprof_set_time(p, 1700000000000000000ull);
	for (i = 0; i < n; i++)
		if (ks_pprof_add(p, &s[i], &err))
			abort();
	if (ks_pprof_write(p, fileno(f), &err))
		abort();
	ks_pprof_free(p);
	gz = read_fd(fileno(f), &gzlen);
	fclose(f);
	ok(gzlen > 18 && (unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b,
	   "pprof: gzip magic");
	raw = gunzip(gz, gzlen, len);
	ok(raw != NULL, "pprof: gunzips whole");
	free(gz);
	return raw;
}

static void test_pprof(void)
{
	static const char *const want_samples[] = {
		"do_syscall_64:0;read:10;inner:3/main:20 2 700 pid=100 tid=100 comm=app",
		"0x400200;inner:3/main:20 1 300 pid=100 tid=101 comm=worker",
		"0x1234;0xffffffff9000dead 1 50 pid=200 tid=201 comm=bad\"na\\me\x01\xef\xbf\xbd",
		"0x1234;0xffffffff9000dead 1 70 pid=200 tid=200 comm=other",
		" 1 0 pid=50 tid=50 comm=idle",
		" 1 40 pid=300 tid=300 comm=lost",
	};
	struct prof pr;
	struct msg all, m, vt;
	char buf[512];
	size_t len;
	int i, j, bad;
	char *raw;

	raw = write_pprof(samples, KS_ARRAY_SIZE(samples), &len);
	all = (struct msg){ (const uint8_t *)raw, len };
	ok(pb_valid(all), "pprof: well-formed protobuf");
	prof_load(&pr, all);

	ok(pr.nstrs > 0 && !strcmp(pr.strs[0], ""), "string_table[0] is \"\"");
	for (i = 0, bad = 0; i < pr.nstrs; i++) {
		bad += !ks_profout_utf8_valid(pr.strs[i]);
		for (j = 0; j < i; j++)
			bad += !strcmp(pr.strs[i], pr.strs[j]);
	}
	is_int(bad, 0, "strings unique and UTF-8");

	is_int(pb_count(all, 1), 2, "two sample types");
	vt = pb_get(all, 1, 0);
	ok(!strcmp(str(&pr, pb_num(vt, 1)), "samples") && !strcmp(str(&pr, pb_num(vt, 2)), "count"),
	   "the first is samples/count");
	vt = pb_get(all, 1, 1);
	ok(!strcmp(str(&pr, pb_num(vt, 1)), "cpu") &&
	   !strcmp(str(&pr, pb_num(vt, 2)), "nanoseconds"), "the second cpu/nanoseconds");
	vt = pb_get(all, 11, 0);
	ok(!strcmp(str(&pr, pb_num(vt, 1)), "cpu") &&
	   !strcmp(str(&pr, pb_num(vt, 2)), "nanoseconds"), "period_type cpu/nanoseconds");
	is_int(pb_num(all, 12), 10101010, "period");
	is_str(str(&pr, pb_num(all, 14)), "cpu", "default_sample_type");
	is_int(pb_num(all, 9), 1700000000000000000ll, "time_nanos as set");
	is_int(pb_num(all, 10), 4500, "duration_nanos: the span of the samples' times");

	is_int(pb_count(all, 2), 6, "equal stacks with equal labels merged: 6 samples of 7");
	for (i = 0; i < pb_count(all, 2) && i < 6; i++) {
		sample_text(&pr, pb_get(all, 2, i), buf, sizeof(buf));
		is_str(buf, want_samples[i], "sample %d: stack leaf first, values, labels", i);
	}

	is_int(pb_count(all, 3), 3, "3 mappings: equal content under two pointers is one");
	m = by_id(&pr, 3, 1);
	ok(pb_num(m, 2) == 0xffffffff81000000 && pb_num(m, 3) == 0xffffffff82000000 &&
	   !strcmp(str(&pr, pb_num(m, 5)), "[kernel.kallsyms]"), "mapping 1: the kernel");
	ok(pb_num(m, 7) && !pb_num(m, 8) && !pb_num(m, 9) && !pb_num(m, 10),
	   "kernel: functions, no files, lines or inline frames");
	m = by_id(&pr, 3, 2);
	ok(pb_num(m, 2) == 0x7f0000000000 && pb_num(m, 3) == 0x7f0000100000 &&
	   pb_num(m, 4) == 0x1000 && !strcmp(str(&pr, pb_num(m, 5)), "/usr/lib/libc.so.6") &&
	   pb_num(m, 6) == 0, "mapping 2: libc, its file offset, no build-id");
	ok(pb_num(m, 7) && pb_num(m, 8) && pb_num(m, 9) && !pb_num(m, 10),
	   "libc: functions, files, lines, no inline frames");
	m = by_id(&pr, 3, 3);
	ok(!strcmp(str(&pr, pb_num(m, 5)), "/usr/bin/app") &&
	   !strcmp(str(&pr, pb_num(m, 6)), "0123abcd") && pb_num(m, 10),
	   "mapping 3: the program with its build-id and inline frames");

	is_int(pb_count(all, 4), 6, "6 locations: one per (mapping, address)");
	for (i = 1, bad = 0; i <= 6; i++)
		bad += by_id(&pr, 4, i).p == NULL;
	is_int(bad, 0, "location ids 1..6");
	m = by_id(&pr, 4, 3);
	ok(pb_num(m, 2) == 3 && pb_num(m, 3) == 0x400123 && pb_count(m, 4) == 2,
	   "the inlined location: mapping, sampled address, two lines");
	m = by_id(&pr, 4, 4);
	ok(pb_num(m, 2) == 3 && pb_num(m, 3) == 0x400200 && pb_count(m, 4) == 0,
	   "an unresolved frame: address and mapping, no lines");
	m = by_id(&pr, 4, 6);
	ok(pb_num(m, 2) == 0 && pb_num(m, 3) == 0xffffffff9000dead && pb_count(m, 4) == 0,
	   "a frame outside any mapping: no mapping");

	is_int(pb_count(all, 5), 4, "4 functions, by (name, file)");
	m = by_id(&pr, 5, 3);
	ok(!strcmp(str(&pr, pb_num(m, 2)), "inner") && !strcmp(str(&pr, pb_num(m, 3)), "inner") &&
	   !strcmp(str(&pr, pb_num(m, 4)), "a.h"), "function: name, system name, file");
	m = by_id(&pr, 5, 1);
	ok(!strcmp(str(&pr, pb_num(m, 2)), "do_syscall_64") && pb_num(m, 4) == 0,
	   "a kernel function: no file");

	prof_free(&pr);
	free(raw);
}

static void test_pprof_errors(void)
{
	struct ks_prof_sample s = samples[0];
	struct ks_pprof *p;
	struct ks_err err = { 0 };
	struct prof pr;
	size_t len;
	char *raw;

	raw = write_pprof(NULL, 0, &len);
	ok(raw && pb_valid((struct msg){ (const uint8_t *)raw, len }), "an empty profile");
	prof_load(&pr, (struct msg){ (const uint8_t *)raw, len });
	ok(pb_count(pr.all, 1) == 2 && pb_count(pr.all, 2) == 0 && pb_num(pr.all, 10) == 0,
	   "has its sample types, no samples, no duration");
	prof_free(&pr);
	free(raw);

	if (ks_pprof_new(&p, "off_cpu", "nanoseconds", 0, &err))
		abort();
	s.weight = (uint64_t)INT64_MAX + 1;
	is_int(ks_pprof_add(p, &s, &err), -EOVERFLOW, "a weight past INT64_MAX: -EOVERFLOW");
	ok(strstr(err.msg, "too large") != NULL, "with a message: %s", err.msg);
	s.weight = INT64_MAX - 5;
	ok(!ks_pprof_add(p, &s, &err), "a huge weight");
	s.weight = 10;
	is_int(ks_pprof_add(p, &s, &err), -EOVERFLOW, "summing past INT64_MAX: -EOVERFLOW");
	err.msg[0] = '\0';
	is_int(ks_pprof_write(p, -1, &err), -EBADF, "a bad fd: -EBADF");
	ok(strstr(err.msg, "pprof: write") != NULL, "with a message: %s", err.msg);
	ks_pprof_free(p);
}

/* main sampled at two lines: where inner is inlined (20) and at 18. */
static const struct ks_sym_line l_main18[] = { { "main", "app.c", 18 } };
static const struct ks_prof_loc st_l1[] = { LOC_I };
static const struct ks_prof_loc st_l2[] = { LOC(0x400310, &m_app, l_main18, false) };
static const struct ks_prof_sample lines_samples[] = {
	SAMPLE(1, 1, "a", 1, 5, st_l1),
	SAMPLE(1, 1, "a", 2, 6, st_l2),
};

static char *write_speedscope(const char *name, const struct ks_prof_sample *s, size_t n)
{
	struct ks_speedscope *w;
	struct ks_err err;
	size_t i, len;
	FILE *f = tmpfile();
	char *out;

	if (!f || ks_speedscope_new(&w, name, &err))
		abort();
	for (i = 0; i < n; i++)
		if (ks_speedscope_add(w, &s[i], &err))
			abort();
	if (ks_speedscope_write(w, fileno(f), &err))
		abort();
	ks_speedscope_free(w);
	out = read_fd(fileno(f), &len);
	fclose(f);
	return out;
}

static void test_speedscope(void)
{
	static const char want[] =
		"{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
		"\"exporter\":\"kscope\",\"name\":\"cpu \\\"x\\\"\",\"activeProfileIndex\":0,\n"
		"\"shared\":{\"frames\":[\n"
		"{\"name\":\"inner\",\"file\":\"a.h\",\"line\":3},\n"
		"{\"name\":\"main\",\"file\":\"app.c\",\"line\":20},\n"
		"{\"name\":\"read\",\"file\":\"io.c\",\"line\":10},\n"
		"{\"name\":\"do_syscall_64 [k]\",\"file\":\"[kernel.kallsyms]\"},\n"
		"{\"name\":\"app+0x200\",\"file\":\"/usr/bin/app\"},\n"
		"{\"name\":\"[unknown] [k]\"},\n"
		"{\"name\":\"[unknown]\"}]},\n"
		"\"profiles\":[\n"
		"{\"type\":\"sampled\",\"name\":\"app (100)\",\"unit\":\"nanoseconds\","
		"\"startValue\":0,\"endValue\":1000,\n"
		"\"samples\":[\n[1,0,2,3],\n[1,0,4],\n[1,0,2,3]],\n\"weights\":[500,300,200]},\n"
		"{\"type\":\"sampled\",\"name\":\"other (200)\",\"unit\":\"nanoseconds\","
		"\"startValue\":0,\"endValue\":120,\n"
		"\"samples\":[\n[5,6]],\n\"weights\":[120]},\n"
		"{\"type\":\"sampled\",\"name\":\"lost (300)\",\"unit\":\"nanoseconds\","
		"\"startValue\":0,\"endValue\":40,\n"
		"\"samples\":[\n[]],\n\"weights\":[40]}]}\n";
	struct ks_speedscope *w;
	struct ks_err err;
	FILE *f = tmpfile();
	size_t len;
	char *out;

	if (!f)
		abort();
	out = write_speedscope("cpu \"x\"", samples, KS_ARRAY_SIZE(samples));
	ok(json_valid(out), "speedscope: valid JSON");
	is_str(out, want, "speedscope: frames shared and deduplicated, a profile per pid, "
	       "stacks root first, equal neighbours merged");
	free(out);

	/* Without its main thread, a process is named after the first thread seen. */
	out = write_speedscope("odd", samples + 3, 1);
	ok(json_valid(out), "odd bytes in names: still valid JSON");
	ok(strstr(out, "\"name\":\"bad\\\"na\\\\me\\u0001\xef\xbf\xbd (200)\"") != NULL,
	   "quotes, backslashes, control bytes escaped; bad UTF-8 replaced");
	free(out);

	out = write_speedscope("lines", lines_samples, KS_ARRAY_SIZE(lines_samples));
	ok(strstr(out, "{\"name\":\"inner\",\"file\":\"a.h\",\"line\":3},\n"
			"{\"name\":\"main\",\"file\":\"app.c\",\"line\":18}]") &&
	   strstr(out, "\n[1,0],\n[1]],\n\"weights\":[5,6]"),
	   "a frame per function, whatever line: the lowest line seen");
	free(out);

	if (ks_speedscope_new(&w, "u", &err))
		abort();
	is_int(ks_speedscope_set_unit(w, "cycles", &err), -EINVAL, "an unknown unit: -EINVAL");
	ok(strstr(err.msg, "'cycles'") != NULL, "with a message: %s", err.msg);
	ok(!ks_speedscope_set_unit(w, "none", &err) && !ks_speedscope_add(w, &samples[0], &err) &&
	   !ks_speedscope_write(w, fileno(f), &err), "unit none");
	out = read_fd(fileno(f), &len);
	ok(json_valid(out) && strstr(out, "\"unit\":\"none\"") && !strstr(out, "nanoseconds"),
	   "is the profile's unit");
	free(out);
	ks_speedscope_free(w);
	fclose(f);

	out = write_speedscope("", NULL, 0);
	ok(json_valid(out) && strstr(out, "\"profiles\":[]") && strstr(out, "\"frames\":[]") &&
	   !strstr(out, "activeProfileIndex"), "an empty profile: valid, no profiles");
	free(out);
}

static void test_json_checker(void)
{
	/* The checker must refuse, or the tests above prove nothing. */
	ok(json_valid("{\"a\":[1,-2.5e3,true,null,\"\\u00e9\"]}") && json_valid(" [] ") &&
	   json_valid("{ \"a\" : { } ,\n \"b\" :[ 0 , \"\" ] }"),
	   "the JSON checker takes valid JSON");
	ok(!json_valid("{\"a\":1,}") && !json_valid("[1 2]") && !json_valid("\"a\x01\"") &&
	   !json_valid("\"\\x\"") && !json_valid("\"\xff\"") && !json_valid("[01]") &&
	   !json_valid("{} {}") && !json_valid("{a:1}"), "and refuses what is not");
}

int main(void)
{
	test_intern();
	test_utf8();
	test_names();
	test_pprof();
	test_pprof_errors();
	test_speedscope();
	test_json_checker();
	return tap_done();
}
