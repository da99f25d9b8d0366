// SPDX-License-Identifier: GPL-2.0-only
/* Fixed-width text tables and their JSON rows. */
#include <math.h>

#include "kscope/output/hist.h"
#include "kscope/output/table.h"

static void cell_text(FILE *f, const struct ks_col *c, const union ks_cell *v, bool last)
{
	int w = last && c->left ? 0 : c->width;

	switch (c->type) {
	case KS_COL_STR:
		fprintf(f, c->left ? "%-*s" : "%*s", w, v->s ? v->s : "-");
		break;
	case KS_COL_U64:
		fprintf(f, c->left ? "%-*llu" : "%*llu", w, (unsigned long long)v->u);
		break;
	case KS_COL_S64:
		fprintf(f, c->left ? "%-*lld" : "%*lld", w, (long long)v->i);
		break;
	case KS_COL_F64:
		fprintf(f, c->left ? "%-*.*f" : "%*.*f", w, c->precision, v->f);
		break;
	}
}

void ks_table_header(FILE *f, const struct ks_col *cols, int ncols)
{
	int i;

	for (i = 0; i < ncols; i++) {
		int w = i == ncols - 1 && cols[i].left ? 0 : cols[i].width;

		fprintf(f, "%s", i ? " " : "");
		fprintf(f, cols[i].left ? "%-*s" : "%*s", w, cols[i].name);
	}
	fputc('\n', f);
}

void ks_table_row(FILE *f, const struct ks_col *cols, int ncols, const union ks_cell *cells)
{
	int i;

	for (i = 0; i < ncols; i++) {
		if (i)
			fputc(' ', f);
		cell_text(f, &cols[i], &cells[i], i == ncols - 1);
	}
	fputc('\n', f);
}

void ks_table_row_json(FILE *f, const struct ks_col *cols, int ncols, const union ks_cell *cells)
{
	int i;

	fputc('{', f);
	for (i = 0; i < ncols; i++) {
		fprintf(f, "%s", i ? ", " : "");
		ks_json_str(f, cols[i].name);
		fprintf(f, ": ");
		switch (cols[i].type) {
		case KS_COL_STR:
			if (cells[i].s)
				ks_json_str(f, cells[i].s);
			else
				fprintf(f, "null");
			break;
		case KS_COL_U64:
			fprintf(f, "%llu", (unsigned long long)cells[i].u);
			break;
		case KS_COL_S64:
			fprintf(f, "%lld", (long long)cells[i].i);
			break;
		case KS_COL_F64:
			if (isfinite(cells[i].f))
				fprintf(f, "%.*f", cols[i].precision, cells[i].f);
			else
				fprintf(f, "null");
			break;
		}
	}
	fputc('}', f);
}
