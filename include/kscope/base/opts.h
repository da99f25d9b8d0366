/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Option tables. Each command describes its options once; parsing (getopt_long)
 * and --help are both generated from that table, so they cannot drift apart.
 */
#ifndef KSCOPE_BASE_OPTS_H
#define KSCOPE_BASE_OPTS_H

#include <stdio.h>

#include "kscope/base/err.h"

struct ks_opt {
	int key;		/* returned by ks_opts_next(); short option char if < 256 */
	const char *name;	/* long name, without "--" */
	const char *arg;	/* argument placeholder, NULL for a flag */
	const char *help;
};

struct ks_cmd_help {
	const char *name;	/* "record" */
	const char *usage;	/* "[options] [-- command [args]]" */
	const char *summary;	/* one line */
	const struct ks_opt *opts;	/* terminated by an entry with key 0 */
	int operands_anywhere;	/* options may follow operands ("report FILE --stat") */
};

/* Parser state; "--" ends options and the rest is left in argv from ks_opts_rest(). */
struct ks_opts_state {
	const struct ks_cmd_help *cmd;
	int argc;
	char **argv;
	const char *optarg;
	char bad[128];		/* why the last call returned '?' */
	void *priv;
};

/* Returns the key of the next option, 'h' for --help/-h, -1 at the end, '?' on error. */
void ks_opts_init(struct ks_opts_state *st, const struct ks_cmd_help *cmd, int argc, char **argv);
int ks_opts_next(struct ks_opts_state *st);
/* After -1: the first non-option argument (operands start at argv[*index]). */
int ks_opts_index(const struct ks_opts_state *st);
void ks_opts_free(struct ks_opts_state *st);

void ks_opts_help(FILE *f, const struct ks_cmd_help *cmd);

/*
 * The whole loop: @fn(@ctx, key, optarg) for every option of @argv in order, which
 * returns 0 or -errno with @err set (a key it does not know: -EINVAL, and the error
 * names the option). Returns 1 if --help/-h was given (the help is printed on stdout),
 * 0 when all were taken (*@operands: the index of the first operand), or the error.
 */
int ks_opts_parse(const struct ks_cmd_help *cmd, int argc, char **argv,
		  int (*fn)(void *ctx, int key, const char *arg), void *ctx, int *operands,
		  struct ks_err *err);

/* The '?' of ks_opts_next() as an error for the user (bad usage). Returns -EINVAL. */
int ks_opts_error(const struct ks_opts_state *st, struct ks_err *err);


#endif
