/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an address resolves to: a function, and where inlining put it. Shared by the
 * kallsyms index (ksyms) and the user-space symbolizer (symbols), so that neither
 * header needs the other.
 */
#ifndef KSCOPE_SYMBOLS_SYM_H
#define KSCOPE_SYMBOLS_SYM_H

#include <stdint.h>

/* One function at an address; several when calls were inlined there. */
struct ks_sym_line {
	const char *func;		/* NULL if unknown */
	const char *file;		/* source file, NULL without line information */
	unsigned int line;		/* 0 if unknown */
};

struct ks_sym {
	unsigned int nlines;		/* 0: unresolved */
	/*
	 * Innermost first: lines[0] is the (possibly inlined) function the address is
	 * in, with the address's own file:line; lines[nlines - 1] is the real function
	 * of the symbol table. lines[i + 1].file/line is where lines[i] was inlined.
	 */
	const struct ks_sym_line *lines;
	uint64_t offset;		/* from the start of the real function's symbol */
};

#endif
