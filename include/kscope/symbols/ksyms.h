/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One kallsyms text ("ffffffff81000000 T _stext", module symbols ending in
 * "\t[module]"), indexed for address lookups. The text is not copied or changed:
 * it can be a read-only mapping of the file it was stored in, so that a profile's
 * five megabytes of kallsyms cost neither a copy nor a page fault per page; names
 * are copied out when a lookup first returns them.
 */
#ifndef KSCOPE_SYMBOLS_KSYMS_H
#define KSCOPE_SYMBOLS_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "kscope/symbols/sym.h"

struct ks_ksyms;

/* Indexes @text (malloc'd, @len bytes), which is taken over: freed with the table, even on error. */
int ks_ksyms_from_text(struct ks_ksyms **out, char *text, size_t len);
/* Indexes @len bytes at @off of the file @fd, mapped read-only (the fd may be closed after). */
int ks_ksyms_from_file(struct ks_ksyms **out, int fd, uint64_t off, size_t len);
void ks_ksyms_free(struct ks_ksyms *k);

/*
 * The function holding @addr: one line (the function name, no file), valid until
 * ks_ksyms_free. -ENOENT if in none, -ENOMEM. *module: its module's name or NULL.
 */
int ks_ksyms_lookup(struct ks_ksyms *k, uint64_t addr, struct ks_sym *out, const char **module);
/* The lowest and highest function address of the kernel (@module NULL) or of a module. */
int ks_ksyms_range(const struct ks_ksyms *k, const char *module, uint64_t *start, uint64_t *end);

#endif
