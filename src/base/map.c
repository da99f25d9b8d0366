// SPDX-License-Identifier: GPL-2.0-only
/* Bounded open-addressing map of u64 keys to fixed-size values. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/base/map.h"

struct ks_map {
	size_t value_size;
	size_t max;		/* keys allowed */
	size_t n;		/* keys held */
	size_t mask;		/* slots - 1; 0 before the first add */
	uint64_t *keys;
	unsigned char *used;
	unsigned char *values;
	uint64_t dropped;
};

struct ks_map *ks_map_new(size_t value_size, size_t max_entries)
{
	struct ks_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->value_size = value_size ? value_size : 1;
	m->max = max_entries ? max_entries : 1;
	return m;
}

void ks_map_free(struct ks_map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->used);
	free(m->values);
	free(m);
}

static size_t slot_of(const struct ks_map *m, uint64_t key)
{
	return (size_t)ks_hash_u64(key) & m->mask;
}

static void *value_at(const struct ks_map *m, size_t i)
{
	return m->values + i * m->value_size;
}

/* Twice the slots: at most half full, so probes stay short. */
static int grow(struct ks_map *m)
{
	size_t cap = m->mask ? (m->mask + 1) * 2 : 64, i, j;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	unsigned char *used = calloc(cap, 1), *values = calloc(cap, m->value_size);
	struct ks_map old = *m;

	if (!keys || !used || !values) {
		free(keys);
		free(used);
		free(values);
		return -ENOMEM;
	}
	m->keys = keys;
	m->used = used;
	m->values = values;
	m->mask = cap - 1;
	for (i = 0; old.mask && i <= old.mask; i++) {
		if (!old.used[i])
			continue;
		for (j = slot_of(m, old.keys[i]); used[j]; j = (j + 1) & m->mask)
			;
		used[j] = 1;
		keys[j] = old.keys[i];
		memcpy(value_at(m, j), old.values + i * m->value_size, m->value_size);
	}
	free(old.keys);
	free(old.used);
	free(old.values);
	return 0;
}

static bool lookup(const struct ks_map *m, uint64_t key, size_t *slot)
{
	size_t i;

	if (!m->mask)
		return false;
	for (i = slot_of(m, key); m->used[i]; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*slot = i;
			return true;
		}
	}
	*slot = i;
	return false;
}

void *ks_map_get(struct ks_map *m, uint64_t key, bool *added)
{
	size_t i;

	if (added)
		*added = false;
	if (lookup(m, key, &i))
		return value_at(m, i);
	if (m->n >= m->max) {
		m->dropped++;
		return NULL;
	}
	if ((m->n + 1) * 2 > m->mask + 1) {
		if (grow(m))
			return NULL;
		lookup(m, key, &i);
	}
	m->used[i] = 1;
	m->keys[i] = key;
	memset(value_at(m, i), 0, m->value_size);
	m->n++;
	if (added)
		*added = true;
	return value_at(m, i);
}

void *ks_map_find(const struct ks_map *m, uint64_t key)
{
	size_t i;

	return lookup(m, key, &i) ? value_at(m, i) : NULL;
}

bool ks_map_delete(struct ks_map *m, uint64_t key)
{
	size_t i, j, home;

	if (!lookup(m, key, &i))
		return false;
	/* Backward shift: move later entries of the run into the hole when they may go there. */
	for (j = (i + 1) & m->mask; m->used[j]; j = (j + 1) & m->mask) {
		home = slot_of(m, m->keys[j]);
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->keys[i] = m->keys[j];
			memcpy(value_at(m, i), value_at(m, j), m->value_size);
			i = j;
		}
	}
	m->used[i] = 0;
	m->n--;
	return true;
}

void ks_map_clear(struct ks_map *m)
{
	if (m->mask)
		memset(m->used, 0, m->mask + 1);
	m->n = 0;
}

size_t ks_map_count(const struct ks_map *m)
{
	return m->n;
}

uint64_t ks_map_dropped(const struct ks_map *m)
{
	return m->dropped;
}

int ks_map_for_each(const struct ks_map *m, int (*cb)(void *arg, uint64_t key, void *value),
		    void *arg)
{
	size_t i;
	int ret;

	for (i = 0; m->mask && i <= m->mask; i++) {
		if (!m->used[i])
			continue;
		ret = cb(arg, m->keys[i], value_at(m, i));
		if (ret)
			return ret;
	}
	return 0;
}
