// SPDX-License-Identifier: GPL-2.0-only
/* kscope list: events, tracers and options this kernel has. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/cmds.h"
#include "kscope/kernel/evsel.h"
#include "kscope/analysis/analysis.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/session.h"
#include "kscope/plugins/plugins.h"

static const struct ks_opt list_opts[] = {
	{ 'a', "analyses", NULL, "list the analyses (also: kscope list analyses), what each reads "
	  "and whether this kernel has it" },
	{ 'e', "events", NULL, "list events as system:event (optional glob operand: 'sched:*')" },
	{ 'F', "format", NULL, "with -e: print each event's format (fields and print fmt)" },
	{ 't', "tracers", NULL, "list the tracers this kernel has (kscope check says which run)" },
	{ 'o', "options", NULL, "list trace options with their current values" },
	{ 0 },
};

static const struct ks_cmd_help list_help = {
	.name = "list",
	.usage = "[-e [-F] [GLOB]] [-t] [-o] [-a | analyses]",
	.summary = "List what the running kernel can trace. Without options, lists events.\n"
		   "With -a (or the word analyses), the analyses kscope runs, the events each\n"
		   "reads and how it runs on this kernel.",
	.opts = list_opts,
};

static int list_events(const char *tracefs, const char *glob, int format, struct ks_err *err)
{
	struct ks_evsel all, sel = { 0 };
	const struct ks_evsel *show = &all;
	int i, ret;

	ret = ks_evsel_list_all(tracefs, &all);
	if (ret)
		return ks_err_runtime(err, ret, "cannot read %s/events", tracefs);
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
		return ks_err_runtime(err, ret, "cannot read %s", path);
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
		return ks_err_runtime(err, -errno, "cannot read %s", path);
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

struct list_args {
	bool events, tracers, options, format, analyses;
};

/* The analyses, what they answer like, read, and how they run on this kernel. */
static int list_analyses(const char *tracefs)
{
	const struct ks_plugin *const *p;
	char missing[128], how[192];
	size_t i, n;

	printf("%-11s %-15s %-54s %s\n", "ANALYSIS", "LIKE", "READS", "HERE");
	for (p = ks_plugins(&n), i = 0; i < n; i++) {
		if (ks_analysis_missing(p[i], tracefs, missing, sizeof(missing)))
			snprintf(how, sizeof(how), "no: this kernel lacks %s", missing);
		else if (p[i]->flags & KS_PLUGIN_KHIST)
			snprintf(how, sizeof(how), "hist triggers in the kernel where it takes them, "
				 "else tracepoints streamed");
		else if (p[i]->flags & KS_PLUGIN_STACKS)
			snprintf(how, sizeof(how), "perf_event samples with call stacks, "
				 "aggregated in user space");
		else
			snprintf(how, sizeof(how), "tracepoints, streamed and aggregated in user space");
		printf("%-11s %-15s %-54s %s\n", p[i]->name, p[i]->peer, p[i]->needs, how);
	}
	return 0;
}

static int list_opt(void *ctx, int key, const char *arg)
{
	struct list_args *a = ctx;

	switch (key) {
	case 'e':
		a->events = true;
		return 0;
	case 'F':
		a->format = true;
		return 0;
	case 't':
		a->tracers = true;
		return 0;
	case 'o':
		a->options = true;
		return 0;
	case 'a':
		a->analyses = true;
		return 0;
	}
	return -EINVAL;
}

int ks_cmd_list(int argc, char **argv)
{
	struct list_args a = { 0 };
	struct ks_err err = { 0 };
	const char *tracefs, *glob = NULL;
	int ret, i;

	ret = ks_opts_parse(&list_help, argc, argv, list_opt, &a, &i, &err);
	if (ret > 0)
		return KS_EXIT_OK;
	if (!ret && i < argc && !strcmp(argv[i], "analyses") && !a.events && !a.tracers &&
	    !a.options) {
		a.analyses = true;
		i++;
	}
	if (!ret && i < argc)
		glob = argv[i];
	if (!ret && i + 1 < argc)
		ret = ks_err_set(&err, -EINVAL, "unexpected argument '%s'", argv[i + 1]);
	if (!a.events && !a.tracers && !a.options && !a.analyses)
		a.events = true;
	if (!ret && glob && !a.events)
		ret = ks_err_set(&err, -EINVAL, "a glob only applies to -e");
	if (ret)
		return ks_cmd_fail("list", ret, &err);

	tracefs = ks_tracefs_dir(&err);
	if (!tracefs)
		return ks_cmd_fail("list", -ENODEV, &err);
	if (a.analyses)
		ret = list_analyses(tracefs);
	if (!ret && a.events)
		ret = list_events(tracefs, glob, a.format, &err);
	if (!ret && a.tracers)
		ret = list_tracers(tracefs, &err);
	if (!ret && a.options)
		ret = list_options(tracefs, &err);
	if (ret)
		return ks_cmd_fail("list", ret, &err);
	return ks_cmd_flush("list");
}
