/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Option tables. Each command describes its options once; parsing (getopt_long)
 * and --help are both generated from that table, so they cannot drift apart.
 */
#ifndef KSCOPE_BASE_OPTS_H
#define KSCOPE_BASE_OPTS_H

#include <stdio.h>

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

#endif
