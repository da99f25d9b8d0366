// SPDX-License-Identifier: GPL-2.0-only
/* bcc's histogram layouts, and the same histograms as JSON. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/output/hist.h"
#include "kscope/output/profout.h"

#define STARS_MAX 40

void ks_log2_merge(struct ks_log2 *dst, const struct ks_log2 *src)
{
	int i;

	for (i = 0; i < KS_LOG2_SLOTS; i++)
		dst->slot[i] += src->slot[i];
	dst->count += src->count;
	dst->sum += src->sum;
}

/* floor(width * val / max) stars, padded to width; '+' at the end for a value past max. */
static void stars(FILE *f, uint64_t val, uint64_t max, int width)
{
	char bar[STARS_MAX + 1];
	int n = max ? (int)((double)width * (double)val / (double)max) : 0;

	if (n > width)
		n = width;
	memset(bar, ' ', (size_t)width);
	memset(bar, '*', (size_t)n);
	if (val > max && n)
		bar[n - 1] = '+';
	bar[width] = '\0';
	fprintf(f, "|%s|\n", bar);
}

static int last_slot(const struct ks_log2 *h, uint64_t *max)
{
	int i, last = 0;

	*max = 0;
	for (i = 1; i < KS_LOG2_SLOTS; i++) {
		if (!h->slot[i])
			continue;
		last = i;
		if (h->slot[i] > *max)
			*max = h->slot[i];
	}
	return last;
}

static void slot_range(int i, uint64_t *low, uint64_t *high)
{
	*high = i >= 64 ? UINT64_MAX : (1ull << i) - 1;
	*low = (1ull << i) >> 1;
	if (i == 64)
		*low = 1ull << 63;
	if (*low == *high)
		(*low)--;
}

void ks_log2_print(FILE *f, const struct ks_log2 *h, const char *label)
{
	uint64_t max, low, high;
	int i, last = last_slot(h, &max);
	bool wide = last > 32;

	if (!last)
		return;
	if (wide)
		fprintf(f, "               %-29s : count     distribution\n", label);
	else
		fprintf(f, "     %-19s : count     distribution\n", label);
	for (i = 1; i <= last; i++) {
		slot_range(i, &low, &high);
		if (wide)
			fprintf(f, "%20llu -> %-20llu : %-8llu ", (unsigned long long)low,
				(unsigned long long)high, (unsigned long long)h->slot[i]);
		else
			fprintf(f, "%10llu -> %-10llu : %-8llu ", (unsigned long long)low,
				(unsigned long long)high, (unsigned long long)h->slot[i]);
		stars(f, h->slot[i], max, wide ? 20 : STARS_MAX);
	}
}

void ks_log2_json(FILE *f, const struct ks_log2 *h, const char *label)
{
	uint64_t max, low, high;
	int i, last = last_slot(h, &max);

	fprintf(f, "{\"unit\": ");
	ks_json_str(f, label);
	fprintf(f, ", \"count\": %llu, \"sum\": %llu, \"buckets\": [", (unsigned long long)h->count,
		(unsigned long long)h->sum);
	for (i = 1; i <= last; i++) {
		slot_range(i, &low, &high);
		fprintf(f, "%s{\"low\": %llu, \"high\": %llu, \"count\": %llu}", i > 1 ? ", " : "",
			(unsigned long long)low, (unsigned long long)high,
			(unsigned long long)h->slot[i]);
	}
	fprintf(f, "]}");
}

int ks_linear_add(struct ks_linear *h, uint64_t v, uint64_t count)
{
	if (v >= KS_LINEAR_MAX)
		return -E2BIG;
	if (v >= h->n) {
		size_t n = h->n ? h->n : 16;
		uint64_t *c;

		while (n <= v)
			n *= 2;
		c = realloc(h->counts, n * sizeof(*c));
		if (!c)
			return -ENOMEM;
		memset(c + h->n, 0, (n - h->n) * sizeof(*c));
		h->counts = c;
		h->n = n;
	}
	h->counts[v] += count;
	return 0;
}

void ks_linear_free(struct ks_linear *h)
{
	free(h->counts);
	h->counts = NULL;
	h->n = 0;
}

static size_t linear_last(const struct ks_linear *h, uint64_t *max)
{
	size_t i, last = 0;
	bool any = false;

	*max = 0;
	for (i = 0; i < h->n; i++) {
		if (!h->counts[i])
			continue;
		any = true;
		last = i;
		if (h->counts[i] > *max)
			*max = h->counts[i];
	}
	return any ? last + 1 : 0;
}

void ks_linear_print(FILE *f, const struct ks_linear *h, const char *label)
{
	uint64_t max;
	size_t i, n = linear_last(h, &max);

	if (!n)
		return;
	fprintf(f, "     %-13s : count     distribution\n", label);
	for (i = 0; i < n; i++) {
		fprintf(f, "        %-10zu : %-8llu ", i, (unsigned long long)h->counts[i]);
		stars(f, h->counts[i], max, STARS_MAX);
	}
}

void ks_linear_json(FILE *f, const struct ks_linear *h, const char *label)
{
	uint64_t max, total = 0;
	size_t i, n = linear_last(h, &max);

	for (i = 0; i < n; i++)
		total += h->counts[i];
	fprintf(f, "{\"unit\": ");
	ks_json_str(f, label);
	fprintf(f, ", \"count\": %llu, \"buckets\": [", (unsigned long long)total);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"value\": %zu, \"count\": %llu}", i ? ", " : "", i,
			(unsigned long long)h->counts[i]);
	fprintf(f, "]}");
}

void ks_json_str(FILE *f, const char *s)
{
	size_t n = strlen(s), k;

	fputc('"', f);
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else if (c >= 0x80) {
			k = ks_profout_utf8_len(s, n);
			if (!k) {
				fputs("\xef\xbf\xbd", f);
				k = 1;
			} else {
				fwrite(s, 1, k, f);
			}
			s += k;
			n -= k;
			continue;
		} else {
			fputc(c, f);
		}
		s++;
		n--;
	}
	fputc('"', f);
}
