// SPDX-License-Identifier: GPL-2.0-only
/*
 * LSD radix sort of (key, tie) pairs, a byte at a time from the tie's lowest to the
 * key's highest. Bytes that are the same in every pair are skipped, so a binary's
 * symbols (addresses of 3-4 varying bytes) take about seven passes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/keysort.h"

#define DIGITS 16	/* 8 tie bytes, then 8 key bytes */

static inline unsigned int digit(const struct ks_sortkey *k, int d)
{
	return (unsigned int)((d < 8 ? k->tie : k->key) >> (8 * (d & 7))) & 0xff;
}

int ks_keysort(struct ks_sortkey *k, size_t n)
{
	struct ks_sortkey *tmp, *src = k, *dst, *t;
	size_t (*count)[256], i, sum;
	int d, v;

	for (i = 1; i < n; i++)
		if (k[i].key < k[i - 1].key || (k[i].key == k[i - 1].key && k[i].tie < k[i - 1].tie))
			break;
	if (i >= n)
		return 0;	/* already in order: kallsyms mostly is */
	count = calloc(DIGITS, sizeof(*count));
	tmp = malloc(n * sizeof(*tmp));
	if (!count || !tmp) {
		free(count);
		free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < DIGITS; d++)
			count[d][digit(&k[i], d)]++;
	dst = tmp;
	for (d = 0; d < DIGITS; d++) {
		if (count[d][digit(&k[0], d)] == n)
			continue;	/* every pair has this byte: the pass would change nothing */
		for (v = 0, sum = 0; v < 256; v++) {
			size_t c = count[d][v];

			count[d][v] = sum;
			sum += c;
		}
		/* stable: equal bytes keep the order the lower bytes gave them */
		for (i = 0; i < n; i++)
			dst[count[d][digit(&src[i], d)]++] = src[i];
		t = src, src = dst, dst = t;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
	free(count);
	free(tmp);
	return 0;
}
