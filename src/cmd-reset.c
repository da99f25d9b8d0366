// SPDX-License-Identifier: GPL-2.0-only
/* kscope reset: undo what a killed kscope left behind, from its journal. */
#include <errno.h>
#include <stdbool.h>
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

static int reset_opt(void *ctx, int key, const char *arg)
{
	if (key != 'q')
		return -EINVAL;
	*(bool *)ctx = true;
	return 0;
}

int ks_cmd_reset(int argc, char **argv)
{
	struct ks_reset_result res;
	struct ks_err err = { 0 };
	bool quiet = false;
	int ret, operands;

	ret = ks_opts_parse(&reset_help, argc, argv, reset_opt, &quiet, &operands, &err);
	if (ret > 0)
		return KS_EXIT_OK;
	if (!ret && operands < argc)
		ret = ks_err_set(&err, -EINVAL, "unexpected argument '%s'", argv[operands]);
	if (ret)
		return ks_cmd_fail("reset", ret, &err);

	ret = ks_session_reset(&res, &err);
	if (ret && !res.failed)
		return ks_cmd_fail("reset", ret, &err);
	if (!quiet || res.failed)
		printf("kscope reset: %d journal(s) undone, %d instance(s) removed, "
		       "%d setting(s) restored%s\n", res.journals, res.instances, res.restored,
		       res.alive ? "; skipped the journals of running kscope processes" : "");
	if (res.failed) {
		fprintf(stderr, "kscope reset: %d step(s) failed; last: %s\n", res.failed, err.msg);
		return KS_EXIT_FAIL;
	}
	return ks_cmd_flush("reset");
}
