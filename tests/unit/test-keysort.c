// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: the radix sort of (key, tie) pairs against qsort on random inputs of
 * several widths (few distinct keys, kernel-like addresses, full 64-bit values),
 * plus the edge cases: empty, one pair, sorted, reversed, all equal keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kscope/base/keysort.h"
#include "tap.h"

static int cmp(const void *a, const void *b)
{
	const struct ks_sortkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->tie < y->tie ? -1 : x->tie > y->tie;
}

/* xorshift64: reproducible, and wide enough for every byte of a key */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Sorts a copy both ways; true when the results are the same. */
static bool same_as_qsort(const struct ks_sortkey *in, size_t n)
{
	struct ks_sortkey *a = malloc((n + 1) * sizeof(*a)), *b = malloc((n + 1) * sizeof(*b));
	bool same = a && b;
	size_t i;

	for (i = 0; same && i < n; i++)
		a[i] = b[i] = in[i];
	same = same && ks_keysort(a, n) == 0;
	if (same)
		qsort(b, n, sizeof(*b), cmp);
	for (i = 0; same && i < n; i++)
		same = a[i].key == b[i].key && a[i].tie == b[i].tie;
	free(a);
	free(b);
	return same;
}

static void test_random(void)
{
	static const struct {
		const char *what;
		uint64_t key_mask, base;
		size_t n;
	} cases[] = {
		{ "16 distinct keys, ties decide", 0xf, 0, 5000 },
		{ "a binary's addresses (25 bits)", 0x1ffffff, 0x400000, 30000 },
		{ "kernel addresses", 0x3ffffff, 0xffffffff81000000, 100000 },
		{ "full 64-bit keys", UINT64_MAX, 0, 20000 },
		{ "fewer pairs than a pass's buckets", 0xffff, 0, 37 },
	};
	uint64_t seed = 0x9e3779b97f4a7c15;
	size_t c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ks_sortkey *k = malloc(cases[c].n * sizeof(*k));

		for (i = 0; k && i < cases[c].n; i++) {
			k[i].key = cases[c].base + (next(&seed) & cases[c].key_mask);
			/* a rank in the high half, the record's index in the low one */
			k[i].tie = (next(&seed) & 0x3ff) << 32 | i;
		}
		ok(k && same_as_qsort(k, cases[c].n), "random: %s", cases[c].what);
		free(k);
	}
}

static void test_edges(void)
{
	struct ks_sortkey one = { 5, 1 }, k[100];
	size_t i;

	ok(ks_keysort(NULL, 0) == 0, "an empty array is sorted");
	ok(ks_keysort(&one, 1) == 0 && one.key == 5 && one.tie == 1, "one pair stays");
	for (i = 0; i < 100; i++)
		k[i] = (struct ks_sortkey){ i * 3, 100 - i };
	ok(same_as_qsort(k, 100), "already sorted");
	for (i = 0; i < 100; i++)
		k[i] = (struct ks_sortkey){ 1000 - i, i };
	ok(same_as_qsort(k, 100), "reversed");
	for (i = 0; i < 100; i++)
		k[i] = (struct ks_sortkey){ 42, (i * 37) % 100 };
	ok(same_as_qsort(k, 100), "one key: the ties order it");
	k[0] = (struct ks_sortkey){ 7, 9 };
	k[1] = (struct ks_sortkey){ 7, 2 };
	ok(ks_keysort(k, 2) == 0 && k[0].tie == 2 && k[1].tie == 9, "two equal keys by tie");
}

int main(void)
{
	test_random();
	test_edges();
	return tap_done();
}
