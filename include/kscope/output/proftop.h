/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hottest functions of a profile: for each function (with its binary), the
 * weight of the samples it was the leaf of (self) and of those it was anywhere on
 * the stack of (total, counted once per sample however deep it recursed), like
 * `perf report --children` without the call tree. Inlined frames count for the
 * function they were inlined into.
 */
#ifndef KSCOPE_OUTPUT_PROFTOP_H
#define KSCOPE_OUTPUT_PROFTOP_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/profile/prof.h"

struct ks_proftop;

struct ks_proftop_row {
	const char *func;
	const char *object;		/* the binary's base name, "[kernel.kallsyms]", ... */
	bool kernel;
	uint64_t self, total;
	uint64_t samples;		/* samples it was the leaf of */
};

struct ks_proftop *ks_proftop_new(void);
void ks_proftop_free(struct ks_proftop *t);
int ks_proftop_add(struct ks_proftop *t, const struct ks_prof_sample *s, uint64_t weight);
/* All weight added so far. */
uint64_t ks_proftop_total(const struct ks_proftop *t);
/*
 * The rows, hottest first: by self (@by_total: by total), then by name. Valid until
 * the next add or free.
 */
const struct ks_proftop_row *ks_proftop_rows(struct ks_proftop *t, bool by_total, size_t *n);

#endif
