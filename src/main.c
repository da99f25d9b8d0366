// SPDX-License-Identifier: GPL-2.0-only
/* kscope: the command table. Each command lives in src/cmd-<name>.c. */
#include <stdio.h>
#include <string.h>

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
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'kscope <command> --help' shows a command's options; see kscope(1).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return KS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kscope %s\n", KSCOPE_VERSION);
		return KS_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kscope: unknown command '%s' (try 'kscope --help')\n", argv[1]);
	return KS_EXIT_USAGE;
}
