/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounded map from 64-bit keys (thread ids, CPU numbers, sectors, ...) to small
 * fixed-size values: the pairing state of the analyses (a wakeup waiting for its
 * switch-in, an I/O waiting for its completion). Open addressing with linear probing
 * and backward-shift deletion, so deletes leave no tombstones. It never grows past
 * its limit: a key that does not fit is dropped and counted, as bcc's maps do, and
 * the analysis says how many.
 */
#ifndef KSCOPE_BASE_MAP_H
#define KSCOPE_BASE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_map;

/* Values of @value_size bytes (zeroed when added); at most @max_entries keys. */
struct ks_map *ks_map_new(size_t value_size, size_t max_entries);
void ks_map_free(struct ks_map *m);

/*
 * The value of @key, added (zeroed, *@added true) if it was not there. NULL if the
 * map is full (counted by ks_map_dropped) or out of memory.
 */
void *ks_map_get(struct ks_map *m, uint64_t key, bool *added);
/* The value of @key, or NULL. */
void *ks_map_find(const struct ks_map *m, uint64_t key);
/* Remove @key; false if it was not there. Pointers to other values may move. */
bool ks_map_delete(struct ks_map *m, uint64_t key);
/* Remove everything (the drop count stays). */
void ks_map_clear(struct ks_map *m);

size_t ks_map_count(const struct ks_map *m);
/* Keys that did not fit since the map was made. */
uint64_t ks_map_dropped(const struct ks_map *m);

/* Every key and value, in no particular order; @cb returns 0 to go on. No changes meanwhile. */
int ks_map_for_each(const struct ks_map *m, int (*cb)(void *arg, uint64_t key, void *value),
		    void *arg);

#endif
