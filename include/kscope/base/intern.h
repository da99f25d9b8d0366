/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interning: byte strings (names, or packed binary keys) mapped to dense ids 0, 1,
 * 2, ... in the order they were first added. The profile writers use it for string
 * tables and to deduplicate frames, locations and stacks. Keys are copied, and
 * each copy is followed by a NUL so that a string key reads as a C string.
 */
#ifndef KSCOPE_BASE_INTERN_H
#define KSCOPE_BASE_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct ks_intern;

struct ks_intern *ks_intern_new(void);
void ks_intern_free(struct ks_intern *t);

/*
 * The id of @key (@len bytes), added if new: returns 1 if it was added, 0 if it
 * was there, -ENOMEM, or -EOVERFLOW for a key of 4 GiB or more or too many keys.
 */
int ks_intern_add(struct ks_intern *t, const void *key, size_t len, uint32_t *id);
/* A NUL-terminated string: the same as ks_intern_add(t, s, strlen(s), id). */
int ks_intern_str(struct ks_intern *t, const char *s, uint32_t *id);
/* The id of @key without adding it; -ENOENT if absent. */
int ks_intern_find(const struct ks_intern *t, const void *key, size_t len, uint32_t *id);

uint32_t ks_intern_count(const struct ks_intern *t);
/* Key @id (< count) and its length; valid until the next add. */
const void *ks_intern_key(const struct ks_intern *t, uint32_t id, size_t *len);

#endif
