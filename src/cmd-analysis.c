// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope NAME for every analysis of plugins/: the framework (src/analysis) runs the
 * plugin; this prints what went wrong and picks the exit status.
 */
#include <stdio.h>

#include "kscope/analysis/analysis.h"
#include "kscope/cmds.h"

int ks_cmd_analysis(const struct ks_plugin *p, int argc, char **argv)
{
	struct ks_analysis_end end;
	struct ks_err err = { 0 };
	int ret;

	ret = ks_analysis_run(p, argc, argv, stdout, &end, &err);
	if (end.exec_failed) {
		fprintf(stderr, "kscope %s: %s\n", p->name, err.msg);
		return end.status;
	}
	if (ret)
		return ks_cmd_fail(p->name, ret, &err);
	return ks_cmd_flush(p->name) ?: end.status;
}
