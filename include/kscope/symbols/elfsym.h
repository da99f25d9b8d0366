/* SPDX-License-Identifier: GPL-2.0-only */
/* Function symbols of ELF files, as uprobes need them: a FILE offset, not an address. */
#ifndef KSCOPE_SYMBOLS_ELFSYM_H
#define KSCOPE_SYMBOLS_ELFSYM_H

#include <stdint.h>
#include "kscope/base/util.h"

/*
 * Resolve @binary (a path, a command in $PATH, or a library name such as
 * "libc.so.6") to an absolute path. Returns -ENOENT if nothing matches.
 */
int ks_elf_resolve_path(const char *binary, char *out, size_t size);

/*
 * The file offset of function @symbol in @path, for a uprobe "path:0xOFFSET".
 * Looks in .symtab, then .dynsym; converts the address through the PT_LOAD
 * program header that holds it (PIE, non-PIE and shared libraries alike).
 */
int ks_elf_func_offset(const char *path, const char *symbol, uint64_t *offset,
		       struct ks_err *err);

#endif
