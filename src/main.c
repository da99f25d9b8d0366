// SPDX-License-Identifier: GPL-2.0-only
/* kscope: the command table. Each command lives in src/cmd-<name>.c. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kscope/base/util.h"
#include "kscope/cmds.h"

struct ks_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct ks_command commands[] = {
	{ "check",  ks_cmd_check,  "report what this kernel offers and what kscope will use" },
	{ "list",   ks_cmd_list,   "list events (-e), tracers (-t) or options (-o)" },
	{ "record", ks_cmd_record, "record events from the per-CPU ring buffers into trace.dat" },
	{ "report", ks_cmd_report, "decode a trace.dat (kscope's or trace-cmd's v6/v7)" },
	{ "stream", ks_cmd_stream, "decode events live to stdout" },
	{ "latency", ks_cmd_latency, "worst irqs-off/preempt-off/wakeup latency with its trace" },
	{ "profile", ks_cmd_profile, "sample call stacks (on-CPU, off-CPU) with perf_event" },
	{ "flame",  ks_cmd_flame,  "draw an interactive SVG flame graph from folded stacks" },
	{ "reset",  ks_cmd_reset,  "remove what a killed kscope left in tracefs" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kscope <command> [options]\n\ncommands:\n");
	for (i = 0; i < KS_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'kscope help <command>' or 'kscope <command> --help' shows a command's "
		"options;\nsee kscope(1) and kscope-<command>(1).\n");
}

static const struct ks_command *find(const char *name)
{
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* An unknown command: name the closest one, as git does, when it is close enough. */
static int unknown(const char *name)
{
	size_t i, best = 0;
	int d, best_d = 1 << 30;

	for (i = 0; i < KS_ARRAY_SIZE(commands); i++) {
		d = ks_edit_distance(name, commands[i].name);
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	if (best_d <= 2 || !strncmp(commands[best].name, name, strlen(name)))
		fprintf(stderr, "kscope: unknown command '%s'; did you mean '%s'? "
			"('kscope help' lists the commands)\n", name, commands[best].name);
	else
		fprintf(stderr, "kscope: unknown command '%s' ('kscope help' lists the commands)\n",
			name);
	return KS_EXIT_USAGE;
}

/* "kscope help [COMMAND]": the command's own --help, so both always agree. */
static int help(int argc, char **argv)
{
	const struct ks_command *c;
	char *args[3];

	if (argc < 3) {
		usage(stdout);
		return ferror(stdout) ? KS_EXIT_FAIL : KS_EXIT_OK;
	}
	if (argc > 3) {
		fprintf(stderr, "kscope help: one command at a time ('kscope help %s')\n", argv[2]);
		return KS_EXIT_USAGE;
	}
	c = find(argv[2]);
	if (!c)
		return unknown(argv[2]);
	args[0] = (char *)c->name;
	args[1] = "--help";
	args[2] = NULL;
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct ks_command *c;

	/*
	 * A reader that goes away ("| head") is an EPIPE that each command handles (it
	 * got what it wanted: exit 0), not a death by signal. The traced command gets
	 * the default back (kernel/child.c).
	 */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return KS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return help(argc, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kscope %s\n", KSCOPE_VERSION);
		return KS_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c)
		return unknown(argv[1]);
	return c->fn(argc - 1, argv + 1);
}
