// SPDX-License-Identifier: GPL-2.0-only
/* kscope reset: undo what a killed kscope left behind, from its journal. */
#include <stdio.h>

#include "kscope/cmds.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/session.h"

static const struct ks_opt reset_opts[] = {
	{ 'q', "quiet", NULL, "print nothing unless something failed" },
	{ 0 },
};

static const struct ks_cmd_help reset_help = {
	.name = "reset",
	.usage = "[-q]",
	.summary = "Undo what kscope processes that died (SIGKILL, crash, power loss of the\n"
		   "shell) left in tracefs: their private instances, and top-level settings\n"
		   "restored to the values they had before. Only what kscope's journals list is\n"
		   "touched; other tools' instances and probes are never removed.",
	.opts = reset_opts,
};

int ks_cmd_reset(int argc, char **argv)
{
	struct ks_reset_result res;
	struct ks_opts_state st;
	struct ks_err err = { "" };
	int quiet = 0, c, ret;

	ks_opts_init(&st, &reset_help, argc, argv);
	while ((c = ks_opts_next(&st)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'h':
			ks_opts_help(stdout, &reset_help);
			ks_opts_free(&st);
			return KS_EXIT_OK;
		default:
			fprintf(stderr, "kscope reset: %s (see --help)\n", st.bad);
			ks_opts_free(&st);
			return KS_EXIT_USAGE;
		}
	}
	if (ks_opts_index(&st) < argc) {
		fprintf(stderr, "kscope reset: unexpected argument '%s'\n", argv[ks_opts_index(&st)]);
		ks_opts_free(&st);
		return KS_EXIT_USAGE;
	}
	ks_opts_free(&st);

	ret = ks_session_reset(&res, &err);
	if (ret && !res.failed) {
		fprintf(stderr, "kscope reset: %s\n", err.msg);
		return KS_EXIT_FAIL;
	}
	if (!quiet || res.failed)
		printf("kscope reset: %d journal(s) undone, %d instance(s) removed, "
		       "%d setting(s) restored%s\n", res.journals, res.instances, res.restored,
		       res.alive ? "; skipped the journals of running kscope processes" : "");
	if (res.failed) {
		fprintf(stderr, "kscope reset: %d step(s) failed; last: %s\n", res.failed, err.msg);
		return KS_EXIT_FAIL;
	}
	return KS_EXIT_OK;
}
