// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the analyses run offline: every plugin of plugins/ reads the
 * input as a trace.dat (-i), in text or in JSON, so the framework's event and field
 * resolution, the raw field reads of every handler (strings and integers past a
 * record's end) and the report writers all see garbage. The input is a memfd named by
 * /proc/self/fd, as a user's file would be.
 *
 * Built and run by tests/fuzz/run.sh.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kscope/base/util.h"
#include "kscope/plugins/plugins.h"

static void run(const struct ks_plugin *p, const char *path, const char *extra, FILE *out)
{
	/* hist aggregates what it is told to: keys of both kinds, a sum and a histogram. */
	char *hist[] = { "-e", "sched:sched_switch", "-k", "prev_comm,prev_pid.execname",
			 "-v", "next_pid", "--log2" };
	char *argv[16] = { (char *)p->name, "--input", (char *)path };
	struct ks_analysis_end end;
	struct ks_err err = { 0 };
	int argc = 3;
	size_t i;

	if (!strcmp(p->name, "hist"))
		for (i = 0; i < sizeof(hist) / sizeof(hist[0]); i++)
			argv[argc++] = hist[i];
	if (extra)
		argv[argc++] = (char *)extra;
	ks_analysis_run(p, argc, argv, out, &end, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ks_plugin *const *plugins;
	FILE *out = fopen("/dev/null", "w");
	char path[64];
	size_t n, i;
	int fd;

	fd = memfd_create("fuzz-analysis", 0);
	if (fd < 0 || !out || ks_write_all(fd, data, size))
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	plugins = ks_plugins(&n);
	/* Text or JSON by the input's size: each run parses the file's formats again. */
	for (i = 0; i < n; i++)
		run(plugins[i], path, (size + i) & 1 ? "--json" : NULL, out);
out:
	if (fd >= 0)
		close(fd);
	if (out)
		fclose(out);
	return 0;
}
