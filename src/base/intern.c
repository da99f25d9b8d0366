// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interning: keys live one after the other in an arena, found through an
 * open-addressing hash table of ids; ids are dense so callers can keep per-key
 * data in plain arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/base/intern.h"

struct ks_intern {
	char *arena;
	size_t arena_len, arena_cap;
	size_t *off;			/* per id: where the key starts in the arena */
	uint32_t *len;
	uint32_t n, cap;
	/*
	 * hash << 32 | (id + 1), 0 = free: a probe compares hashes in the slot itself,
	 * so a key that is not there costs one cache miss, not four.
	 */
	uint64_t *slots;
	size_t nslots;			/* a power of two, at least twice n */
};

struct ks_intern *ks_intern_new(void)
{
	struct ks_intern *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nslots = 64;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void ks_intern_free(struct ks_intern *t)
{
	if (!t)
		return;
	free(t->arena);
	free(t->off);
	free(t->len);
	free(t->slots);
	free(t);
}

static int lookup(const struct ks_intern *t, const void *key, size_t len, uint32_t h,
		  size_t *slot)
{
	size_t mask = t->nslots - 1, i = h & mask;
	uint32_t id;

	for (; t->slots[i]; i = (i + 1) & mask) {
		if (t->slots[i] >> 32 != h)
			continue;
		id = (uint32_t)t->slots[i] - 1;
		if (t->len[id] == len && !memcmp(t->arena + t->off[id], key, len)) {
			*slot = i;
			return id;
		}
	}
	*slot = i;
	return -1;
}

static int grow_slots(struct ks_intern *t)
{
	size_t n = t->nslots * 2, mask = n - 1, i, j;
	uint64_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (j = 0; j < t->nslots; j++) {
		if (!t->slots[j])
			continue;
		for (i = (t->slots[j] >> 32) & mask; slots[i]; i = (i + 1) & mask)
			;
		slots[i] = t->slots[j];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

static int grow_ids(struct ks_intern *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	size_t *off;
	uint32_t *len;

	if (t->cap >= UINT32_MAX / 4)
		return -EOVERFLOW;
	off = realloc(t->off, cap * sizeof(*off));
	if (!off)
		return -ENOMEM;
	t->off = off;
	len = realloc(t->len, cap * sizeof(*len));
	if (!len)
		return -ENOMEM;
	t->len = len;
	t->cap = cap;
	return 0;
}

int ks_intern_add(struct ks_intern *t, const void *key, size_t len, uint32_t *id)
{
	uint32_t h = (uint32_t)ks_hash_mem(key, len);
	size_t slot, cap;
	char *arena;
	int found, ret;

	if (len >= UINT32_MAX)
		return -EOVERFLOW;
	if (!len)
		key = "";	/* memcmp and memcpy want a pointer even for 0 bytes */
	found = lookup(t, key, len, h, &slot);
	if (found >= 0) {
		*id = found;
		return 0;
	}
	if (t->n == t->cap && (ret = grow_ids(t)))
		return ret;
	if (t->arena_len + len + 1 > t->arena_cap) {
		cap = t->arena_cap ? t->arena_cap : 4096;
		while (cap < t->arena_len + len + 1)
			cap *= 2;
		arena = realloc(t->arena, cap);
		if (!arena)
			return -ENOMEM;
		t->arena = arena;
		t->arena_cap = cap;
	}
	if ((size_t)(t->n + 1) * 2 > t->nslots) {
		if (grow_slots(t))
			return -ENOMEM;
		lookup(t, key, len, h, &slot);
	}
	memcpy(t->arena + t->arena_len, key, len);
	t->arena[t->arena_len + len] = '\0';
	t->off[t->n] = t->arena_len;
	t->len[t->n] = len;
	t->arena_len += len + 1;
	t->slots[slot] = (uint64_t)h << 32 | (t->n + 1);
	*id = t->n++;
	return 1;
}

int ks_intern_str(struct ks_intern *t, const char *s, uint32_t *id)
{
	return ks_intern_add(t, s, strlen(s), id);
}

int ks_intern_find(const struct ks_intern *t, const void *key, size_t len, uint32_t *id)
{
	size_t slot;
	int found;

	if (len >= UINT32_MAX)
		return -ENOENT;
	if (!len)
		key = "";
	found = lookup(t, key, len, (uint32_t)ks_hash_mem(key, len), &slot);
	if (found < 0)
		return -ENOENT;
	*id = found;
	return 0;
}

uint32_t ks_intern_count(const struct ks_intern *t)
{
	return t->n;
}

const void *ks_intern_key(const struct ks_intern *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->len[id];
	return t->arena + t->off[id];
}
