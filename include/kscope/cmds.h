/* SPDX-License-Identifier: GPL-2.0-only */
/* Entry points of the subcommands (src/cmd-<name>.c); argv[0] is the command name. */
#ifndef KSCOPE_CMDS_H
#define KSCOPE_CMDS_H

#include <stdio.h>

#include "kscope/base/err.h"
#include "kscope/base/util.h"
#include "kscope/base/version.h"

int ks_cmd_check(int argc, char **argv);
int ks_cmd_list(int argc, char **argv);
int ks_cmd_record(int argc, char **argv);
int ks_cmd_report(int argc, char **argv);
int ks_cmd_stream(int argc, char **argv);
int ks_cmd_reset(int argc, char **argv);
int ks_cmd_latency(int argc, char **argv);
int ks_cmd_flame(int argc, char **argv);
int ks_cmd_profile(int argc, char **argv);

struct ks_plugin;
/* kscope NAME for an analysis (src/cmd-analysis.c). */
int ks_cmd_analysis(const struct ks_plugin *p, int argc, char **argv);

/* "kscope CMD: what went wrong" on stderr; returns the exit status the error calls for. */
static inline int ks_cmd_fail(const char *cmd, int ret, const struct ks_err *err)
{
	fprintf(stderr, "kscope %s: %s\n", cmd, err->msg);
	return ks_err_exit(ret, err);
}

/*
 * Everything written to stdout reached it: 0, or 1 with a message (a full disk). A
 * reader that went away ("| head", EPIPE) got what it wanted: 0.
 */
static inline int ks_cmd_flush(const char *cmd)
{
	if (!fflush(stdout) && !ferror(stdout))
		return KS_EXIT_OK;
	if (ks_fd_reader_gone(fileno(stdout)))
		return KS_EXIT_OK;
	fprintf(stderr, "kscope %s: cannot write the output\n", cmd);
	return KS_EXIT_FAIL;
}

#endif
