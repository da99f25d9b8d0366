// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: option parsing and --help generated from one table. */
#include <stdlib.h>

#include "kscope/base/opts.h"
#include "tap.h"

enum { OPT_LONG_ONLY = 256 };

static const struct ks_opt opts[] = {
	{ 'e', "event", "EVENT", "an event" },
	{ 'q', "quiet", NULL, "be quiet" },
	{ OPT_LONG_ONLY, "duration", "SECS", "how long" },
	{ 0 },
};

static const struct ks_cmd_help cmd = {
	.name = "demo", .usage = "[options]", .summary = "A demo.", .opts = opts,
};

static int run(int argc, char **argv, char *log, size_t size, int *index)
{
	struct ks_opts_state st;
	int c, n = 0;

	log[0] = '\0';
	ks_opts_init(&st, &cmd, argc, argv);
	while ((c = ks_opts_next(&st)) != -1) {
		if (c == '?') {
			snprintf(log, size, "ERR:%s", st.bad);
			ks_opts_free(&st);
			return -1;
		}
		n += snprintf(log + n, size - n, "%d=%s;", c, st.optarg ? st.optarg : "");
	}
	*index = ks_opts_index(&st);
	ks_opts_free(&st);
	return 0;
}

int main(void)
{
	char log[256], *out = NULL;
	size_t outlen = 0;
	int idx;
	FILE *f;

	{
		char *argv[] = { "demo", "-e", "sched", "--event=irq", "-q", "--duration", "3",
				 "--", "ls", "-l", NULL };

		ok(!run(10, argv, log, sizeof(log), &idx), "parses short, long and long-only");
		is_str(log, "101=sched;101=irq;113=;256=3;", "values in order");
		ok(idx == 8 && !strcmp(argv[idx], "ls"), "operands start after --");
	}
	{
		char *argv[] = { "demo", "-q", "cmd", "-e", "x", NULL };

		ok(!run(5, argv, log, sizeof(log), &idx), "stops at the first operand");
		ok(idx == 2, "the command keeps its own options");
	}
	{
		char *argv[] = { "demo", "--nope", NULL };

		ok(run(2, argv, log, sizeof(log), &idx) < 0, "unknown long option");
		is_str(log, "ERR:unknown option '--nope'", "names the option");
	}
	{
		char *argv[] = { "demo", "-e", NULL };

		ok(run(2, argv, log, sizeof(log), &idx) < 0, "missing argument");
		is_str(log, "ERR:option '-e' needs an argument (EVENT)", "names option and argument");
	}
	{
		char *argv[] = { "demo", "--duration", NULL };

		ok(run(2, argv, log, sizeof(log), &idx) < 0, "missing argument of a long-only option");
		is_str(log, "ERR:option '--duration' needs an argument (SECS)", "long-only message");
	}
	f = open_memstream(&out, &outlen);
	ks_opts_help(f, &cmd);
	fclose(f);
	ok(strstr(out, "usage: kscope demo [options]") != NULL, "help has the usage line");
	ok(strstr(out, "-e, --event EVENT") && strstr(out, "an event"), "help lists -e");
	ok(strstr(out, "    --duration SECS") != NULL, "help lists long-only options");
	ok(strstr(out, "-h, --help") != NULL, "help lists --help");
	free(out);
	return tap_done();
}
