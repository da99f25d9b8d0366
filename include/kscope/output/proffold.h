/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resolved samples as folded stacks (stackcollapse-perf.pl's naming): the comm as
 * the root frame, then the functions from the outermost caller to the leaf, an
 * inlined function as a frame of its own ending in "_[i]", kernel functions ending
 * in "_[k]", and off-CPU stacks topped by a frame naming how the thread blocked:
 * "[off-cpu:S]" sleeping, ":D" uninterruptible, ":R" preempted, ":I" idle, ":T" stopped.
 */
#ifndef KSCOPE_OUTPUT_PROFFOLD_H
#define KSCOPE_OUTPUT_PROFFOLD_H

#include <stdint.h>

#include "kscope/profile/prof.h"
#include "kscope/profile/stacks.h"
#include "kscope/base/util.h"

enum {
	KS_PROFFOLD_PID		= 1 << 0,	/* root frame "comm-pid" instead of "comm" */
	KS_PROFFOLD_SRCLINE	= 1 << 1,	/* "func (file.c:42)" where lines are known */
	KS_PROFFOLD_NO_INLINE	= 1 << 2,	/* only the real function of each address */
};

struct ks_proffold;

struct ks_proffold *ks_proffold_new(unsigned int flags);
void ks_proffold_free(struct ks_proffold *f);
/* Add @smp to @s with @weight. */
int ks_proffold_add(struct ks_proffold *f, struct ks_stacks *s, const struct ks_prof_sample *smp,
		    uint64_t weight, struct ks_err *err);

#endif
