// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for kscope's trace.dat v6 reader: the header, the event formats
 * (parsed by libtraceevent), the options, the flyrecord CPU table and the per-CPU
 * sub-buffers (kbuffer, merge by time). Every record is formatted with the printer
 * that `kscope report` uses (with its look-ahead for function_graph leaves), so
 * libtraceevent's decode path and kscope's own formatters run on the garbage too.
 * A second pass after a rewind with a CPU mask exercises the reset of the iterator.
 *
 * Built and run by tests/fuzz/run.sh.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>

#include "kscope/output/evprint.h"
#include "kscope/tracedat/tracedat.h"
#include "kscope/base/util.h"

/* Bounds the work on one input: a record count past this adds nothing. */
#define MAX_RECORDS 20000

/* Look-ahead for function_graph leaves, as kscope report sets it up. */
static struct tep_record *peek_next(void *ctx)
{
	int err;

	return ks_tdat_peek(ctx, &err);
}

static void consume_next(void *ctx)
{
	int err;

	ks_tdat_next(ctx, &err);
}

static void print_all(struct ks_tdat *t, int fd)
{
	const struct ks_peek peek = { peek_next, consume_next, t };
	struct ks_printer p;
	struct tep_record *rec;
	int n = 0, ret;

	if (ks_printer_init(&p, ks_tdat_tep(t), fd, KS_TIME_USECS))
		goto out_free;
	ks_printer_set_peek(&p, &peek);
	while (n++ < MAX_RECORDS && (rec = ks_tdat_next(t, &ret)))
		ks_printer_record(&p, rec);
	ks_printer_flush(&p);
out_free:
	ks_printer_free(&p);
}

static void count_masked(struct ks_tdat *t, const uint8_t *data, size_t size)
{
	const struct ks_tdat_info *info = ks_tdat_info(t);
	uint64_t mask[128] = { 0 };	/* 8192 CPUs, the reader's limit */
	struct tep_record *rec;
	uint64_t sum = 0;
	int cpu, n = 0, ret;

	/* Every other CPU, starting at one chosen by the input. */
	for (cpu = size ? data[size - 1] % 2 : 0; cpu < info->ncpus && cpu < 8192; cpu += 2)
		mask[cpu / 64] |= 1ull << (cpu % 64);
	if (ks_tdat_rewind(t, mask))
		return;
	while (n++ < MAX_RECORDS && (rec = ks_tdat_next(t, &ret))) {
		if (rec->cpu < 0 || rec->cpu >= info->ncpus || !(mask[rec->cpu / 64] &
								  (1ull << (rec->cpu % 64))))
			__builtin_trap();
		sum += rec->size + (uint64_t)tep_data_type(ks_tdat_tep(t), rec);
	}
	sum += ks_tdat_consumed(t) + ks_tdat_cpu_size(t, 0) + ks_tdat_cpu_size(t, -1);
	/* Keep the loop from being optimised away. */
	__asm__ volatile("" : : "r"(sum));
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Every open loads libtraceevent's plugins and every close unloads them: keep
 * one set loaded for the process so that this is a reference count, not a
 * dlopen() with relocations each time (a quarter of the run time otherwise).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct tep_handle *tep;
	static struct tep_plugin_list *plugins;

	tep = tep_alloc();
	if (tep)
		plugins = tep_load_plugins(tep);
	(void)plugins;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_tdat *t = NULL;
	struct ks_err err;
	int fd;

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ks_tdat_open_mem(data, size, &t, &err))
		goto out_close;
	print_all(t, fd);
	count_masked(t, data, size);
	ks_tdat_close(t);
out_close:
	close(fd);
	return 0;
}
