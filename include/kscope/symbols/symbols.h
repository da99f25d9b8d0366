/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Symbols for profiles. Kernel addresses resolve through a kallsyms text (the one
 * stored in the recording, so a file symbolizes on another machine); user addresses
 * through the ELF files the process mapped: .symtab/.dynsym (libelf), separate
 * debuginfo found by build-id or .gnu_debuglink under <symfs>/usr/lib/debug, and
 * file:line plus inline frames from DWARF (libdw). Every binary is opened once and
 * every answer is cached: results stay valid until ks_syms_free().
 */
#ifndef KSCOPE_SYMBOLS_SYMBOLS_H
#define KSCOPE_SYMBOLS_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kscope/base/util.h"
#include "kscope/symbols/sym.h"

struct ks_syms;
struct ks_dso;

struct ks_syms_opts {
	const char *symfs;		/* root the binaries and debuginfo are under; NULL: "/" */
	bool no_lines;			/* symbol tables only: skip DWARF (faster) */
	bool no_demangle;		/* C++ names as the symbol table has them */
};

int ks_syms_new(struct ks_syms **out, const struct ks_syms_opts *o, struct ks_err *err);
void ks_syms_free(struct ks_syms *s);

/*
 * Kernel symbols from text in /proc/kallsyms format ("ffffffff81000000 T _stext",
 * module symbols ending in "\t[module]"). Replaces any loaded before. A text with
 * only zero addresses (kptr_restrict) loads nothing: lookups then fail.
 */
int ks_syms_load_kallsyms(struct ks_syms *s, const char *text, size_t len);
/* The same with @text (malloc'd, @len bytes) taken over: freed here, even on error. */
int ks_syms_load_kallsyms_owned(struct ks_syms *s, char *text, size_t len);
/* The same from @len bytes at @off in the file @fd, mapped, not read (the fd may close). */
int ks_syms_load_kallsyms_file(struct ks_syms *s, int fd, uint64_t off, size_t len);
/* -ENOENT if @addr is in no known symbol. *module: the module's name, or NULL. */
int ks_syms_kernel(struct ks_syms *s, uint64_t addr, struct ks_sym *out, const char **module);
/*
 * The lowest and highest function address of the kernel (@module NULL) or of a
 * module: what its mapping spans in a profile. -ENOENT (both 0) if it has none.
 */
int ks_syms_kernel_range(struct ks_syms *s, const char *module, uint64_t *start, uint64_t *end);

/*
 * A binary as a process mapped it: @path as in /proc/PID/maps (looked up under
 * symfs), @build_id its GNU build-id (NULL/0 if unknown; when known, a file whose
 * build-id differs is not used, and debuginfo is searched by it). Opened on first
 * use, once per (path, build-id). NULL only for -ENOMEM.
 */
struct ks_dso *ks_syms_dso(struct ks_syms *s, const char *path, const uint8_t *build_id,
			   size_t build_id_len);
/*
 * Resolve @file_offset, the instruction's offset in the file (the mapping's pgoff +
 * ip - mapping start). -ENOENT if no symbol covers it; other -errno if the binary
 * could not be read (see ks_syms_dso_status).
 */
int ks_syms_dso_lookup(struct ks_syms *s, struct ks_dso *d, uint64_t file_offset,
		       struct ks_sym *out);
/*
 * Why a binary gives no symbols: 0 and NULL when it was read; otherwise -errno and
 * one line for the user ("not found under SYMFS", "build-id differs", "stripped, no
 * debuginfo found", ...). Opens the binary if it was not yet.
 */
int ks_syms_dso_status(struct ks_syms *s, struct ks_dso *d, const char **why);
/* The path as mapped, and its base name. */
const char *ks_syms_dso_name(const struct ks_dso *d);
const char *ks_syms_dso_basename(const struct ks_dso *d);

#endif
