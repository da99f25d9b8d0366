// SPDX-License-Identifier: GPL-2.0-only
/* kscope: the command table. Each command lives in src/cmd-<name>.c. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/base/util.h"
#include "kscope/cmds.h"
#include "kscope/plugins/plugins.h"

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
	const struct ks_plugin *const *p;
	size_t i, n;

	fprintf(f, "usage: kscope <command> [options]\n\ncommands:\n");
	for (i = 0; i < KS_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nanalyses (kscope list analyses says what each needs):\n");
	for (p = ks_plugins(&n), i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", p[i]->name, p[i]->summary);
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

/* An unknown command: name the closest command or analysis, as git does, when close enough. */
static int unknown(const char *name)
{
	const struct ks_plugin *const *p;
	const char *best = NULL;
	size_t i, n;
	int d, best_d = 1 << 30;

	p = ks_plugins(&n);
	for (i = 0; i < KS_ARRAY_SIZE(commands) + n; i++) {
		const char *c = i < KS_ARRAY_SIZE(commands) ? commands[i].name :
				p[i - KS_ARRAY_SIZE(commands)]->name;

		d = ks_edit_distance(name, c);
		if (d < best_d || (d == best_d && !strncmp(c, name, strlen(name)))) {
			best_d = d;
			best = c;
		}
	}
	if (best && (best_d <= 2 || !strncmp(best, name, strlen(name))))
		fprintf(stderr, "kscope: unknown command '%s'; did you mean '%s'? "
			"('kscope help' lists the commands)\n", name, best);
	else
		fprintf(stderr, "kscope: unknown command '%s' ('kscope help' lists the commands)\n",
			name);
	return KS_EXIT_USAGE;
}

/*
 * Output that could not be written (a full disk, /dev/full) fails the command, with a
 * line that says so; a pipe whose reader went away ("| head") got what it wanted.
 */
static int check_stdout(const char *name, int code)
{
	struct stat st;
	bool failed = fflush(stdout) == EOF;
	int e = errno;

	failed |= ferror(stdout) != 0;
	/* A command that failed has said why already. */
	if (!failed || code != KS_EXIT_OK ||
	    (!fstat(STDOUT_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))))
		return code;
	fprintf(stderr, "kscope %s: cannot write the output: %s\n", name,
		e ? strerror(e) : "write error");
	return KS_EXIT_FAIL;
}

/* A command or an analysis by its name: what runs it. */
static int run(const char *name, int argc, char **argv)
{
	const struct ks_command *c = find(name);
	const struct ks_plugin *p;

	if (c)
		return c->fn(argc, argv);
	p = ks_plugin_find(name);
	if (p)
		return ks_cmd_analysis(p, argc, argv);
	return unknown(name);
}

/* "kscope help [COMMAND]": the command's own --help, so both always agree. */
static int help(int argc, char **argv)
{
	char *args[3];

	if (argc < 3) {
		usage(stdout);
		return ferror(stdout) ? KS_EXIT_FAIL : KS_EXIT_OK;
	}
	if (argc > 3) {
		fprintf(stderr, "kscope help: one command at a time ('kscope help %s')\n", argv[2]);
		return KS_EXIT_USAGE;
	}
	args[0] = argv[2];
	args[1] = "--help";
	args[2] = NULL;
	return run(argv[2], 2, args);
}

int main(int argc, char **argv)
{

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
		return check_stdout("help", help(argc, argv));
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kscope %s\n", KSCOPE_VERSION);
		return check_stdout("version", KS_EXIT_OK);
	}
	return check_stdout(argv[1], run(argv[1], argc - 1, argv + 1));
}
