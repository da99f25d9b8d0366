/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hash functions of kscope's tables, in one place: FNV-1a for byte strings
 * (names, paths), eight bytes at a time for packed binary keys, and a 64-bit
 * finalizer (MurmurHash3's) that spreads integers and pointers over the low bits
 * open-addressing tables index with.
 */
#ifndef KSCOPE_BASE_HASH_H
#define KSCOPE_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KS_HASH_SEED 0xcbf29ce484222325ull	/* FNV-1a's offset basis */

/* Mixes all 64 bits of @h into each other. */
static inline uint64_t ks_hash_u64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* FNV-1a of @n bytes, continuing from @h (KS_HASH_SEED to start); not finalized. */
static inline uint64_t ks_hash_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

/* A byte string (a name, a path): FNV-1a, finalized. */
static inline uint64_t ks_hash_bytes(const void *p, size_t n)
{
	return ks_hash_u64(ks_hash_fnv(KS_HASH_SEED, p, n));
}

/* A packed binary key, eight bytes at a time: faster than FNV-1a on integers. */
static inline uint64_t ks_hash_mem(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

#endif
