// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the profile reader (src/prof.c on top of the trace.dat
 * reader): the kscope:* event formats and records, the profile settings option,
 * process and mapping replay, off-CPU pairing, kernel symbols from the stored
 * kallsyms, and DWARF unwinding of stored stack copies. Every sample goes through
 * the writers the commands use: folded stacks, the top table and pprof.
 *
 * Binaries are looked up under an empty symfs directory, so the run depends on the
 * input only. Built and run by tests/fuzz/run.sh.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "kscope/output/pprof.h"
#include "kscope/profile/prof.h"
#include "kscope/output/proffold.h"
#include "kscope/output/proftop.h"
#include "kscope/profile/stacks.h"

/* Bounds the work on one input. */
#define MAX_SAMPLES 5000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The empty directory binaries are looked for under (made once per process). */
static char symfs[] = "/tmp/kscope-fuzz-symfs-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(symfs))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_prof_opts po = { .symfs = symfs,
				   .states = size & 1 ? "SD" : NULL };
	struct ks_proffold *fold = ks_proffold_new(KS_PROFFOLD_SRCLINE);
	struct ks_stacks *stacks = ks_stacks_new();
	struct ks_proftop *top = ks_proftop_new();
	struct ks_pprof *pp = NULL;
	struct ks_prof_sample s;
	struct ks_prof *p = NULL;
	struct ks_err err;
	const char *path, *why;
	unsigned int i;
	int n = 0, fd;

	if (!fold || !stacks || !top || ks_pprof_new(&pp, "cpu", "nanoseconds", 1, &err))
		goto out;
	if (ks_prof_open_mem(data, size, &po, &p, &err)) {
		/* A seed that cannot even be opened tests nothing. */
		if (getenv("KSCOPE_FUZZ_STRICT"))
			__builtin_trap();
		goto out;
	}
	while (n++ < MAX_SAMPLES && ks_prof_next(p, &s) > 0) {
		if (s.comm == NULL || (s.nlocs && !s.locs))
			__builtin_trap();
		ks_proffold_add(fold, stacks, &s, s.weight ? s.weight : 1, &err);
		ks_proftop_add(top, &s, 1);
		ks_pprof_add(pp, &s, &err);
	}
	/* Every seed is a real profile with samples. */
	if (n == 1 && getenv("KSCOPE_FUZZ_STRICT"))
		__builtin_trap();
	for (i = 0; !ks_prof_missing(p, i, &path, &why); i++)
		if (!path || !why)
			__builtin_trap();
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ks_stacks_write_folded(stacks, fd, &err);
		ks_pprof_write(pp, fd, &err);
		close(fd);
	}
out:
	ks_prof_close(p);
	ks_pprof_free(pp);
	ks_proftop_free(top);
	ks_stacks_free(stacks);
	ks_proffold_free(fold);
	return 0;
}
