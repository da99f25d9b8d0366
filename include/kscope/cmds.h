/* SPDX-License-Identifier: GPL-2.0-only */
/* Entry points of the subcommands (src/cmd-<name>.c); argv[0] is the command name. */
#ifndef KSCOPE_CMDS_H
#define KSCOPE_CMDS_H

#define KSCOPE_VERSION "0.1.0"

int ks_cmd_check(int argc, char **argv);
int ks_cmd_list(int argc, char **argv);
int ks_cmd_record(int argc, char **argv);
int ks_cmd_report(int argc, char **argv);
int ks_cmd_stream(int argc, char **argv);
int ks_cmd_reset(int argc, char **argv);
int ks_cmd_latency(int argc, char **argv);
int ks_cmd_flame(int argc, char **argv);
int ks_cmd_profile(int argc, char **argv);

/* Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input. */
enum { KS_EXIT_OK = 0, KS_EXIT_FAIL = 1, KS_EXIT_USAGE = 2 };

#endif
