// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the hist file parser (src/kernel/khist.c): any text, as a
 * kernel's hist file could hold it. Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/kernel/khist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *arg, const struct ks_khist_entry *e)
{
	int i;

	if (e->nkeys < 0 || e->nkeys > KS_KHIST_MAX_KEYS || e->nvals < 1 ||
	    e->nvals > KS_KHIST_MAX_VALS)
		abort();
	for (i = 0; i < e->nkeys; i++)
		if (!e->key[i].name || !e->key[i].text)
			abort();
	(*(unsigned long *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ks_khist_totals tot;
	unsigned long n = 0;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	ks_khist_parse(text, check, &n, &tot);
	free(text);
	return 0;
}
