// SPDX-License-Identifier: GPL-2.0-only
/* kscope list: events, tracers and options this kernel has. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/cmds.h"
#include "kscope/kernel/evsel.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/session.h"

static const struct ks_opt list_opts[] = {
	{ 'e', "events", NULL, "list events as system:event (optional glob operand: 'sched:*')" },
	{ 'F', "format", NULL, "with -e: print each event's format (fields and print fmt)" },
	{ 't', "tracers", NULL, "list the tracers this kernel has (kscope check says which run)" },
	{ 'o', "options", NULL, "list trace options with their current values" },
	{ 0 },
};

static const struct ks_cmd_help list_help = {
	.name = "list",
	.usage = "[-e [-F] [GLOB]] [-t] [-o]",
	.summary = "List what the running kernel can trace. Without options, lists events.",
	.opts = list_opts,
};

static int list_events(const char *tracefs, const char *glob, int format, struct ks_err *err)
{
	struct ks_evsel all, sel = { 0 };
	const struct ks_evsel *show = &all;
	int i, ret;

	ret = ks_evsel_list_all(tracefs, &all);
	if (ret)
		return ks_err_set(err, ret, "cannot read %s/events", tracefs);
	if (glob) {
		ret = ks_evsel_add(&sel, &all, glob, NULL, err);
		if (ret)
			goto out;
		show = &sel;
	}
	for (i = 0; i < show->n; i++) {
		printf("%s:%s\n", show->ev[i].system, show->ev[i].name);
		if (format) {
			char path[4096], *text;

			snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs,
				 show->ev[i].system, show->ev[i].name);
			if (!ks_read_file(path, &text, NULL)) {
				fputs(text, stdout);
				free(text);
			}
		}
	}
out:
	ks_evsel_free(&sel);
	ks_evsel_free(&all);
	return ret;
}

static int list_tracers(const char *tracefs, struct ks_err *err)
{
	char path[4096], *text, *tok, *save = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/available_tracers", tracefs);
	ret = ks_read_file(path, &text, NULL);
	if (ret)
		return ks_err_set(err, ret, "cannot read %s", path);
	for (tok = strtok_r(text, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		printf("%s\n", tok);
	free(text);
	return 0;
}

static int list_options(const char *tracefs, struct ks_err *err)
{
	char path[4096];
	struct dirent **names;
	int n, i;

	snprintf(path, sizeof(path), "%s/options", tracefs);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return ks_err_set(err, -1, "cannot read %s", path);
	for (i = 0; i < n; i++) {
		char file[4096 + 256], *val;

		if (names[i]->d_name[0] != '.') {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			if (!ks_read_file(file, &val, NULL)) {
				printf("%-28s %s\n", names[i]->d_name, ks_strip(val));
				free(val);
			}
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int ks_cmd_list(int argc, char **argv)
{
	int events = 0, tracers = 0, options = 0, format = 0, c, ret = 0;
	struct ks_opts_state st;
	struct ks_err err;
	const char *tracefs, *glob = NULL;

	ks_opts_init(&st, &list_help, argc, argv);
	while ((c = ks_opts_next(&st)) != -1) {
		switch (c) {
		case 'e':
			events = 1;
			break;
		case 'F':
			format = 1;
			break;
		case 't':
			tracers = 1;
			break;
		case 'o':
			options = 1;
			break;
		case 'h':
			ks_opts_help(stdout, &list_help);
			ks_opts_free(&st);
			return KS_EXIT_OK;
		default:
			fprintf(stderr, "kscope list: %s (see --help)\n", st.bad);
			ks_opts_free(&st);
			return KS_EXIT_USAGE;
		}
	}
	if (ks_opts_index(&st) < argc)
		glob = argv[ks_opts_index(&st)];
	if (ks_opts_index(&st) + 1 < argc) {
		fprintf(stderr, "kscope list: unexpected argument '%s'\n",
			argv[ks_opts_index(&st) + 1]);
		ks_opts_free(&st);
		return KS_EXIT_USAGE;
	}
	ks_opts_free(&st);
	if (!events && !tracers && !options)
		events = 1;
	if (glob && !events) {
		fprintf(stderr, "kscope list: a glob only applies to -e\n");
		return KS_EXIT_USAGE;
	}

	tracefs = ks_tracefs_dir(&err);
	if (!tracefs) {
		fprintf(stderr, "kscope list: %s\n", err.msg);
		return KS_EXIT_FAIL;
	}
	if (events)
		ret = list_events(tracefs, glob, format, &err);
	if (!ret && tracers)
		ret = list_tracers(tracefs, &err);
	if (!ret && options)
		ret = list_options(tracefs, &err);
	if (ret) {
		fprintf(stderr, "kscope list: %s\n", err.msg);
		return ret == -ENOENT ? KS_EXIT_USAGE : KS_EXIT_FAIL;
	}
	return KS_EXIT_OK;
}
