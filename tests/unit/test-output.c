// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: bcc's histogram and table layouts, byte for byte (what users diff
 * against), their JSON, and the bounded map the analyses pair events in.
 */
#include <stdlib.h>

#include "kscope/base/map.h"
#include "kscope/output/hist.h"
#include "kscope/output/table.h"
#include "tap.h"

/* What @fn printed into a memory stream. */
#define CAPTURE(buf, size, call) do {					\
		FILE *f_ = (memset(buf, 0, size), fmemopen(buf, size, "w"));			\
		call;							\
		fclose(f_);						\
	} while (0)

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_log2(void)
{
	/* runqlat_example.txt's first rows, with the top row at 824 as its stars imply. */
	static const char want[] =
		"     usecs               : count     distribution\n"
		"         0 -> 1          : 233      |***********                             |\n"
		"         2 -> 3          : 742      |************************************    |\n"
		"         4 -> 7          : 203      |*********                               |\n"
		"         8 -> 15         : 173      |********                                |\n"
		"        16 -> 31         : 24       |*                                       |\n"
		"        32 -> 63         : 0        |                                        |\n"
		"        64 -> 127        : 30       |*                                       |\n"
		"       128 -> 255        : 824      |****************************************|\n";
	struct ks_log2 h = { 0 };
	char buf[4096];
	uint64_t i;

	is_int(ks_log2_slot(0), 1, "0 goes into slot 1, as in bcc");
	is_int(ks_log2_slot(1), 1, "1 too");
	is_int(ks_log2_slot(2), 2, "2 and 3 into slot 2");
	is_int(ks_log2_slot(7), 3, "7 into slot 3");
	is_int(ks_log2_slot(8), 4, "8 into slot 4");
	is_int(ks_log2_slot(UINT64_MAX), 64, "the largest into slot 64");
	for (i = 0; i < 233; i++)
		ks_log2_add(&h, i % 2);
	for (i = 0; i < 742; i++)
		ks_log2_add(&h, 2 + i % 2);
	for (i = 0; i < 203; i++)
		ks_log2_add(&h, 5);
	for (i = 0; i < 173; i++)
		ks_log2_add(&h, 15);
	for (i = 0; i < 24; i++)
		ks_log2_add(&h, 16);
	for (i = 0; i < 30; i++)
		ks_log2_add(&h, 100);
	for (i = 0; i < 824; i++)
		ks_log2_add(&h, 200);
	CAPTURE(buf, sizeof(buf), ks_log2_print(f_, &h, "usecs"));
	is_str(buf, want, "bcc's layout: header, empty rows inside, floor(40 * n / max) stars");
	CAPTURE(buf, sizeof(buf), ks_log2_print(f_, &(struct ks_log2){ 0 }, "usecs"));
	is_str(buf, "", "an empty histogram prints nothing, not even its header");
	memset(&h, 0, sizeof(h));
	ks_log2_add(&h, 1ull << 40);
	CAPTURE(buf, sizeof(buf), ks_log2_print(f_, &h, "nsecs"));
	ok(starts(buf, "               nsecs                         : count     distribution\n"
		  "                   0 -> 1                    : 0        |                    |\n"),
	   "past 2^32: the wide layout, 20 stars");
	ok(strstr(buf, "       1099511627776 -> 2199023255551        : 1        "
		  "|********************|\n") != NULL, "the last row of the wide layout");
	CAPTURE(buf, sizeof(buf), ks_log2_json(f_, &h, "nsecs"));
	ok(starts(buf, "{\"unit\": \"nsecs\", \"count\": 1, \"sum\": 1099511627776, \"buckets\": "
		  "[{\"low\": 0, \"high\": 1, \"count\": 0}, "), "JSON: unit, count, sum, buckets");
}

static void test_linear(void)
{
	static const char want[] =
		"     runqlen       : count     distribution\n"
		"        0          : 1068     |****************************************|\n"
		"        1          : 642      |************************                |\n"
		"        2          : 0        |                                        |\n"
		"        3          : 1        |                                        |\n";
	struct ks_linear h = { 0 };
	char buf[2048];

	ok(!ks_linear_add(&h, 0, 1068) && !ks_linear_add(&h, 1, 642) && !ks_linear_add(&h, 3, 1),
	   "linear counts");
	CAPTURE(buf, sizeof(buf), ks_linear_print(f_, &h, "runqlen"));
	is_str(buf, want, "runqlen's layout, as runqlen_example.txt");
	ks_linear_free(&h);
}

static void test_table(void)
{
	const struct ks_col cols[] = {
		{ .name = "SYSCALL", .type = KS_COL_STR, .width = 22, .left = true },
		{ .name = "COUNT", .type = KS_COL_U64, .width = 8 },
		{ .name = "TIME (us)", .type = KS_COL_F64, .width = 16, .precision = 3 },
	};
	union ks_cell row[3] = { { .s = "select" }, { .u = 16 }, { .f = 3415860.022 } };
	char buf[1024];

	CAPTURE(buf, sizeof(buf), (ks_table_header(f_, cols, 3), ks_table_row(f_, cols, 3, row)));
	is_str(buf, "SYSCALL                   COUNT        TIME (us)\n"
	       "select                       16      3415860.022\n",
	       "syscount -L's layout, as syscount_example.txt");
	CAPTURE(buf, sizeof(buf), ks_table_row_json(f_, cols, 3, row));
	is_str(buf, "{\"SYSCALL\": \"select\", \"COUNT\": 16, \"TIME (us)\": 3415860.022}",
	       "a JSON row");
	CAPTURE(buf, sizeof(buf), ks_json_str(f_, "a\"b\\\n\xff\xc3\xa9"));
	is_str(buf, "\"a\\\"b\\\\\\u000a\xef\xbf\xbd\xc3\xa9\"", "JSON strings: escapes, bad bytes");
}

static void test_map(void)
{
	enum { N = 3000 };
	struct ks_map *m = ks_map_new(sizeof(uint64_t), N);
	static uint64_t ref[N * 4];
	static bool in[N * 4];
	uint64_t *v, seed = 1;
	bool added, same = true;
	size_t count = 0;
	int i;

	ok(m != NULL, "a map");
	/* Random adds and deletes against a plain array. */
	for (i = 0; i < 200000; i++) {
		uint64_t k;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		k = (seed >> 33) % (N * 4);
		if ((seed >> 20) & 1) {
			v = ks_map_get(m, k, &added);
			if (!v) {
				same &= count == N && !in[k];
				continue;
			}
			same &= added == !in[k];
			if (!in[k])
				count++;
			in[k] = true;
			*v = ref[k] = seed;
		} else {
			same &= ks_map_delete(m, k) == in[k];
			if (in[k])
				count--;
			in[k] = false;
		}
	}
	for (i = 0; i < N * 4; i++) {
		v = ks_map_find(m, (uint64_t)i);
		same &= in[i] ? v && *v == ref[i] : !v;
	}
	ok(same, "200000 random adds and deletes agree with an array");
	is_int(ks_map_count(m), count, "count");
	ok(ks_map_dropped(m) > 0, "a full map drops and counts what does not fit: %llu",
	   (unsigned long long)ks_map_dropped(m));
	ks_map_clear(m);
	ok(ks_map_count(m) == 0 && !ks_map_find(m, 1), "clear");
	ks_map_free(m);
}

int main(void)
{
	test_log2();
	test_linear();
	test_table();
	test_map();
	return tap_done();
}
