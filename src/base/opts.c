// SPDX-License-Identifier: GPL-2.0-only
/* Option parsing and --help, both generated from a command's option table. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/opts.h"

struct opts_priv {
	struct option *longopts;
	char shortopts[256];
};

void ks_opts_init(struct ks_opts_state *st, const struct ks_cmd_help *cmd, int argc, char **argv)
{
	struct opts_priv *p;
	const struct ks_opt *o;
	size_t n = 0, i = 0, s = 0;

	memset(st, 0, sizeof(*st));
	st->cmd = cmd;
	st->argc = argc;
	st->argv = argv;
	for (o = cmd->opts; o && o->key; o++)
		n++;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->longopts = calloc(n + 2, sizeof(struct option));
	if (!p->longopts) {
		free(p);
		return;
	}
	/* '+': stop at the first operand, so "-- cmd -x" and "record ls -l" keep their args. */
	if (!cmd->operands_anywhere)
		p->shortopts[s++] = '+';
	p->shortopts[s++] = ':';
	for (o = cmd->opts; o && o->key; o++) {
		if (o->name) {
			p->longopts[i].name = o->name;
			p->longopts[i].has_arg = o->arg ? required_argument : no_argument;
			p->longopts[i].val = o->key;
			i++;
		}
		if (o->key < 256 && s + 3 < sizeof(p->shortopts)) {
			p->shortopts[s++] = (char)o->key;
			if (o->arg)
				p->shortopts[s++] = ':';
		}
	}
	p->longopts[i].name = "help";
	p->longopts[i].val = 'h';
	p->shortopts[s++] = 'h';
	p->shortopts[s] = '\0';
	st->priv = p;
	optind = 0;	/* 0 re-initialises glibc's getopt between commands */
	opterr = 0;
}

static const struct ks_opt *find_opt(const struct ks_cmd_help *cmd, int key)
{
	const struct ks_opt *o;

	for (o = cmd->opts; o && o->key; o++)
		if (o->key == key)
			return o;
	return NULL;
}

int ks_opts_next(struct ks_opts_state *st)
{
	struct opts_priv *p = st->priv;
	const struct ks_opt *o;
	int c;

	if (!p) {
		snprintf(st->bad, sizeof(st->bad), "out of memory");
		return '?';
	}
	c = getopt_long(st->argc, st->argv, p->shortopts, p->longopts, NULL);
	st->optarg = optarg;
	if (c == -1 || c == 'h')
		return c;
	if (c == '?') {
		if (optopt && optopt < 256)
			snprintf(st->bad, sizeof(st->bad), "unknown option '-%c'", optopt);
		else
			snprintf(st->bad, sizeof(st->bad), "unknown option '%s'",
				 st->argv[optind - 1]);
		return '?';
	}
	if (c == ':') {
		o = find_opt(st->cmd, optopt);
		if (o && o->name && optopt >= 256)
			snprintf(st->bad, sizeof(st->bad), "option '--%s' needs an argument (%s)",
				 o->name, o->arg);
		else if (o)
			snprintf(st->bad, sizeof(st->bad), "option '-%c' needs an argument (%s)",
				 optopt, o->arg);
		else
			snprintf(st->bad, sizeof(st->bad), "option '%s' needs an argument",
				 st->argv[optind - 1]);
		return '?';
	}
	return c;
}

int ks_opts_index(const struct ks_opts_state *st)
{
	return optind;
}

void ks_opts_free(struct ks_opts_state *st)
{
	struct opts_priv *p = st->priv;

	if (p) {
		free(p->longopts);
		free(p);
	}
	st->priv = NULL;
}

/*
 * One option's line, its help wrapped at 100 columns under itself. A continuation never
 * starts with '-', so that every line that does is an option.
 */
static void help_line(FILE *f, const char *left, const char *help)
{
	enum { INDENT = 31, ROOM = 100 - INDENT };
	const char *p = help;
	bool first = true;

	do {
		size_t n = strlen(p), cut;

		if (n > ROOM) {
			for (cut = ROOM; cut && (p[cut] != ' ' || p[cut + 1] == '-'); cut--)
				;
			n = cut ? cut : strcspn(p, " ");
		}
		if (first)
			fprintf(f, "  %-28s %.*s\n", left, (int)n, p);
		else
			fprintf(f, "%*s%.*s\n", INDENT, "", (int)n, p);
		first = false;
		p += n;
		while (*p == ' ')
			p++;
	} while (*p);
}

void ks_opts_help(FILE *f, const struct ks_cmd_help *cmd)
{
	const struct ks_opt *o;
	char left[64];

	fprintf(f, "usage: kscope %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->usage, cmd->summary);
	for (o = cmd->opts; o && o->key; o++) {
		int n = 0;

		if (o->key < 256)
			n += snprintf(left + n, sizeof(left) - n, "-%c%s", o->key, o->name ? ", " : "");
		else
			n += snprintf(left + n, sizeof(left) - n, "    ");
		if (o->name)
			n += snprintf(left + n, sizeof(left) - n, "--%s", o->name);
		if (o->arg)
			snprintf(left + n, sizeof(left) - n, " %s", o->arg);
		help_line(f, left, o->help);
	}
	help_line(f, "-h, --help", "show this help");
	fprintf(f, "\nSee kscope-%s(1).\n", cmd->name);
}

int ks_opts_error(const struct ks_opts_state *st, struct ks_err *err)
{
	return ks_err_set(err, -EINVAL, "%s (see --help)", st->bad);
}

int ks_opts_parse(const struct ks_cmd_help *cmd, int argc, char **argv,
		  int (*fn)(void *ctx, int key, const char *arg), void *ctx, int *operands,
		  struct ks_err *err)
{
	struct ks_opts_state st;
	int key, ret = 0;

	ks_opts_init(&st, cmd, argc, argv);
	while (!ret && (key = ks_opts_next(&st)) != -1) {
		if (key == 'h') {
			ks_opts_help(stdout, cmd);
			ret = 1;
		} else if (key == '?') {
			ret = ks_opts_error(&st, err);
		} else {
			ret = fn(ctx, key, st.optarg);
			if (ret == -EINVAL && !err->msg[0])
				ks_err_set(err, ret, "option '%s' is not handled", st.argv[optind - 1]);
		}
	}
	if (operands)
		*operands = optind;
	ks_opts_free(&st);
	return ret;
}
