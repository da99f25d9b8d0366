/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tables as the bcc tools print them ("SYSCALL                   COUNT", one row a
 * line, columns of fixed width separated by one space), and the same rows as JSON.
 */
#ifndef KSCOPE_OUTPUT_TABLE_H
#define KSCOPE_OUTPUT_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum ks_col_type { KS_COL_STR, KS_COL_U64, KS_COL_S64, KS_COL_F64 };

struct ks_col {
	const char *name;		/* the header, and the JSON key */
	enum ks_col_type type;
	int width;			/* of the text column (the last may be 0: no padding) */
	bool left;			/* left-aligned (names), else right-aligned (numbers) */
	int precision;			/* KS_COL_F64: digits after the point */
};

union ks_cell {
	const char *s;
	uint64_t u;
	int64_t i;
	double f;
};

void ks_table_header(FILE *f, const struct ks_col *cols, int ncols);
void ks_table_row(FILE *f, const struct ks_col *cols, int ncols, const union ks_cell *cells);
/* A row as a JSON object keyed by the column names. */
void ks_table_row_json(FILE *f, const struct ks_col *cols, int ncols, const union ks_cell *cells);

#endif
