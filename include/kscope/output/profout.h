/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the profile writers: frame names, so that every output names a frame
 * alike; UTF-8 checks, as protobuf strings and JSON must be UTF-8 while names from
 * binaries and comms are just bytes; growing arrays.
 */
#ifndef KSCOPE_OUTPUT_PROFOUT_H
#define KSCOPE_OUTPUT_PROFOUT_H

#include <stddef.h>

#include "kscope/profile/prof.h"
#include "kscope/base/util.h"

/* Room for any name ks_profout_name writes (longer binary names are cut). */
#define KS_PROFOUT_NAME_MAX 320

/*
 * The function name of @l->sym.lines[@i] (an inlined frame is the inlined function).
 * Without one (unresolved, or no name in the debuginfo): "<binary basename>+0x<file
 * offset>" when a mapping covers the address, else "[unknown]", written to @buf
 * (KS_PROFOUT_NAME_MAX bytes). Kernel frames get no mark here: each writer decides.
 */
const char *ks_profout_name(const struct ks_prof_loc *l, unsigned int i, char *buf);

/*
 * The same, but unresolved addresses of one binary share one name, "[<basename>]"
 * (the kernel's "[kernel.kallsyms]"): what stack-merging outputs (folded, SVG, the
 * top table) show, so that a stripped binary is one frame, not one per address.
 */
const char *ks_profout_group_name(const struct ks_prof_loc *l, unsigned int i, char *buf);

/*
 * Bytes in the UTF-8 character at @s (@n > 0 bytes available): 1 for ASCII, 2-4
 * for a well-formed sequence (no overlong forms, surrogates or values past
 * U+10FFFF), 0 if @s does not start one.
 */
size_t ks_profout_utf8_len(const char *s, size_t n);
/* Whether the NUL-terminated @s is all UTF-8. */
int ks_profout_utf8_valid(const char *s);
/* Append @s to @b with each byte that is not UTF-8 replaced by U+FFFD. -ENOMEM. */
int ks_profout_utf8_fix(struct ks_buf *b, const char *s);

/*
 * Make room for @need elements of @size bytes in the array whose pointer is at
 * @arrp (any element type; new elements zeroed), *@cap counting elements. -ENOMEM.
 */
int ks_profout_grow(void *arrp, size_t *cap, size_t need, size_t size);

#endif
