/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtraceevent 1.7 trusts the format text it parses and the records it prints.
 * The trace.dat reader passes a file's formats through here first.
 */
#ifndef KSCOPE_TRACEDAT_TDATFMT_H
#define KSCOPE_TRACEDAT_TDATFMT_H

#include <stddef.h>

/* Zeroed bytes after each page buffer of the reader: reads derived from data stay there. */
#define KS_TDAT_PAGE_SLACK ((2u << 16) + 64)

/*
 * What of an event format libtraceevent may parse: all of it (lengths from record
 * data clamped to 16 bits), the part before "print fmt:" (the event then prints
 * its raw fields), or nothing (NULL). Allocated; *out_len is its length.
 */
char *ks_tdat_fmt_usable(const char *text, size_t len, size_t *out_len);
/* printk_formats with only the lines libtraceevent reads safely; NULL if out of memory. */
char *ks_tdat_printk_clean(const char *text, size_t len);

#endif
