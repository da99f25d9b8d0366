/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Histograms as bcc prints them, so that users can put kscope's answer next to
 * bcc's: power-of-two buckets ("     usecs               : count     distribution",
 * then "         4 -> 7          : 203      |**********      |") and linear ones
 * (runqlen), with the same slot rule (slot i holds [2^(i-1), 2^i - 1], slot 1 holds
 * 0 and 1), the same star bars, and the same wider layout past 2^32. The same data
 * also as JSON for --json.
 */
#ifndef KSCOPE_OUTPUT_HIST_H
#define KSCOPE_OUTPUT_HIST_H

#include <stdint.h>
#include <stdio.h>

#define KS_LOG2_SLOTS 65

struct ks_log2 {
	uint64_t slot[KS_LOG2_SLOTS];	/* [0] is never used, as in bcc */
	uint64_t count, sum;		/* values added and their total, for averages */
};

/* bcc's bpf_log2l(): floor(log2 v) + 1, and 1 for 0. */
static inline unsigned int ks_log2_slot(uint64_t v)
{
	return v ? 64 - (unsigned int)__builtin_clzll(v) : 1;
}

static inline void ks_log2_add(struct ks_log2 *h, uint64_t v)
{
	h->slot[ks_log2_slot(v)]++;
	h->count++;
	h->sum += v;
}

/* @n values of @v at once (a table's count of one value). */
static inline void ks_log2_add_n(struct ks_log2 *h, uint64_t v, uint64_t n)
{
	h->slot[ks_log2_slot(v)] += n;
	h->count += n;
	h->sum += v * n;
}

/* Merge @src into @dst. */
void ks_log2_merge(struct ks_log2 *dst, const struct ks_log2 *src);

/*
 * The histogram in bcc's text layout, @label in the header ("usecs", "msecs",
 * "kbytes"); nothing at all when it is empty, like bcc.
 */
void ks_log2_print(FILE *f, const struct ks_log2 *h, const char *label);
/* As a JSON object: {"unit": LABEL, "count": N, "sum": S, "buckets": [{"low", "high", "count"}]}. */
void ks_log2_json(FILE *f, const struct ks_log2 *h, const char *label);

/* A linear histogram of small values (0, 1, 2, ...): counts[v] for v < n. */
struct ks_linear {
	uint64_t *counts;
	size_t n;
};

#define KS_LINEAR_MAX (1u << 20)	/* buckets of a linear histogram */

/* Count one @v; -ENOMEM, or -E2BIG for a @v of KS_LINEAR_MAX or more. */
int ks_linear_add(struct ks_linear *h, uint64_t v, uint64_t count);
void ks_linear_free(struct ks_linear *h);
/* bcc's linear layout ("     runqlen       : count     distribution"), up to the last value seen. */
void ks_linear_print(FILE *f, const struct ks_linear *h, const char *label);
void ks_linear_json(FILE *f, const struct ks_linear *h, const char *label);

/* A JSON string (quotes, escapes, bytes that are not UTF-8 as U+FFFD). */
void ks_json_str(FILE *f, const char *s);

#endif
