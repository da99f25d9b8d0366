/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * C++ (and Rust legacy) symbol names made readable, as perf report shows them by
 * default: "_ZN10hash_tableI15variable_hasherLb0E11xcallocatorE19find_slot_with_hash..."
 * becomes "hash_table<variable_hasher, false, xcallocator>::find_slot_with_hash",
 * without the parameters (one frame for all overloads, short enough for a flame
 * graph) or GCC's " [clone .isra.0]" suffixes. The demangler is libstdc++'s
 * __cxa_demangle, loaded with dlopen the first time a mangled name is seen: no
 * build dependency, and a system without libstdc++ (or a static kscope) keeps the
 * mangled names. Rust's legacy "::h<16 hex digits>" hash suffix is dropped.
 */
#ifndef KSCOPE_SYMBOLS_DEMANGLE_H
#define KSCOPE_SYMBOLS_DEMANGLE_H

#include <stdbool.h>

struct ks_demangler;

struct ks_demangler *ks_demangler_new(void);
void ks_demangler_free(struct ks_demangler *d);

/* Whether @name looks mangled (Itanium C++ ABI: "_Z..."). */
bool ks_demangle_wanted(const char *name);

/*
 * The readable form of @name, malloc'ed (the caller frees it), or NULL when @name
 * is not mangled, does not demangle, or no demangler could be loaded.
 */
char *ks_demangle(struct ks_demangler *d, const char *name);

#endif
