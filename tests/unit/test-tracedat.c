// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit test: trace.dat v6 written by ks_tdat_writer from a fake tracefs tree and
 * hand-made ring-buffer pages, read back by ks_tdat_* and printed by ks_printer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>

#include "kscope/output/evprint.h"
#include "kscope/kernel/evsel.h"
#include "kscope/tracedat/evfilter.h"
#include "kscope/tracedat/tdatstat.h"
#include "kscope/tracedat/tracedat.h"
#include "kscope/base/util.h"
#include "tap.h"

#define PAGE 4096

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";

static const char tick_format[] =
	"name: tick\nID: 42\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int value;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"value=%d\", REC->value\n";

static void put_file(const char *dir, const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (ks_write_file(path, text)) {
		int fd = open(path, O_CREAT | O_WRONLY, 0644);

		close(fd);
		ks_write_file(path, text);
	}
}

/* A sub-buffer with 12-byte "tick" events at absolute times @ts. */
static void make_page(uint8_t *page, const uint64_t *ts, const int *values, int n, int pid,
		      bool missed)
{
	uint64_t commit = 0, prev = ts[0];
	uint8_t *p = page + 16;
	int i;

	memset(page, 0, PAGE);
	memcpy(page, &ts[0], 8);
	for (i = 0; i < n; i++) {
		uint32_t hdr = 3 | (uint32_t)((ts[i] - prev) << 5);	/* type_len 3: 12 bytes */
		uint16_t type = 42;

		memcpy(p, &hdr, 4);
		memcpy(p + 4, &type, 2);
		memcpy(p + 8, &pid, 4);
		memcpy(p + 12, &values[i], 4);
		p += 16;
		prev = ts[i];
	}
	commit = p - (page + 16);
	if (missed)
		commit |= 1ull << 31;
	memcpy(page + 8, &commit, 8);
}

static int spool(const uint8_t *page)
{
	int fd = memfd_create("spool", 0);

	if (fd >= 0 && ks_write_all(fd, page, PAGE))
		return -1;
	return fd;
}

int main(void)
{
	char dir[] = "/tmp/kscope-unit-XXXXXX", path[512], *out = NULL;
	uint8_t page0[PAGE], page1[PAGE];
	const uint64_t ts0[] = { 1000000, 3000000, 5000000 }, ts1[] = { 2000000, 4000000 };
	const int v0[] = { 10, 30, 50 }, v1[] = { 20, -40 };
	struct ks_tdat_cpu_src src[2];
	struct ks_evsel all = { 0 }, sel = { 0 };
	struct ks_tdat_writer *w;
	struct ks_tdat *t;
	struct ks_printer pr;
	struct tep_record *rec;
	struct ks_err err;
	uint64_t kept;
	int fd, i, e, ret;
	int want_cpu[] = { 0, 1, 0, 1, 0 }, want_val[] = { 10, 20, 30, -40, 50 };

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/events/test/tick", dir);
	ks_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/events/ftrace", dir);
	ks_mkdir_p(path, 0755);
	put_file(dir, "events/header_page", header_page);
	put_file(dir, "events/header_event", "# compressed entry header\n");
	put_file(dir, "events/test/tick/format", tick_format);
	put_file(dir, "printk_formats", "");
	put_file(dir, "saved_cmdlines", "4242 ticker\n");

	ok(!ks_evsel_list_all(dir, &all) && all.n == 1, "fake tracefs lists one event");
	ok(!ks_evsel_add(&sel, &all, "tick", NULL, &err), "select it by bare name");

	snprintf(path, sizeof(path), "%s/out.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ret = ks_tdat_writer_new(&w, fd, dir, &sel, NULL, 2, PAGE, &err);
	ok(!ret, "writer created: %s", ret ? err.msg : "ok");
	ks_tdat_writer_add_option(w, KS_TDAT_OPT_TRACECLOCK, "[local] global", 15);
	ks_tdat_writer_add_option(w, KS_TDAT_OPT_CPUSTAT, "CPU: 0\noverrun: 7\n", 19);
	make_page(page0, ts0, v0, 3, 4242, false);
	make_page(page1, ts1, v1, 2, 4242, true);
	src[0].fd = spool(page0);
	src[0].size = PAGE;
	src[1].fd = spool(page1);
	src[1].size = PAGE;
	ret = ks_tdat_writer_finish(w, src, &kept, &err);
	ok(!ret && kept == 2 * PAGE, "finished, kept %llu bytes", (unsigned long long)kept);
	ks_tdat_writer_free(w);
	close(fd);
	{
		struct stat st;

		stat(path, &st);
		ok(st.st_size % PAGE == 0, "data is page aligned, header reservation released");
	}

	ret = ks_tdat_open(path, &t, &err);
	ok(!ret, "reader opens it: %s", ret ? err.msg : "ok");
	if (ret)
		return tap_done();
	is_int(ks_tdat_info(t)->version, 6, "version 6");
	is_int(ks_tdat_info(t)->ncpus, 2, "two CPUs");
	is_str(ks_tdat_info(t)->clock, "local", "clock option read back");
	ok(strstr(ks_tdat_info(t)->cpustats, "overrun: 7") != NULL, "cpustats read back");
	for (i = 0; (rec = ks_tdat_next(t, &e)); i++) {
		int val;

		if (i >= 5)
			break;
		memcpy(&val, (char *)rec->data + 8, 4);
		ok(rec->cpu == want_cpu[i] && val == want_val[i] &&
		   rec->ts == (unsigned long long)(i + 1) * 1000000,
		   "record %d: cpu %d value %d ts %llu", i, rec->cpu, val, rec->ts);
		if (i == 1)
			ok(rec->missed_events < 0, "lossy sub-buffer is flagged on its first record");
	}
	is_int(i, 5, "five records in time order");
	is_int(e, 0, "no corruption");

	ks_tdat_rewind(t, NULL);
	fd = memfd_create("out", 0);
	ks_printer_init(&pr, ks_tdat_tep(t), fd, KS_TIME_USECS);
	while ((rec = ks_tdat_next(t, &e)))
		ks_printer_record(&pr, rec);
	ks_printer_flush(&pr);
	ks_printer_free(&pr);
	out = calloc(1, 4096);
	pread(fd, out, 4095, 0);
	is_str(strtok(out, "\n"), "          ticker-4242  [000]     0.001000: tick:                 value=10",
	       "line layout as trace-cmd report");
	is_str(strtok(NULL, "\n"), "CPU:1 [EVENTS DROPPED]", "drop mark before the lossy page");
	ok(strstr(strtok(NULL, "\n"), "value=20") != NULL, "then the event");
	free(out);
	close(fd);

	{
		uint64_t mask[128] = { 2 };

		ks_tdat_rewind(t, mask);
		for (i = 0; (rec = ks_tdat_next(t, &e)); i++)
			if (rec->cpu != 1)
				break;
		is_int(i, 2, "CPU mask selects CPU 1 only");
	}
	/* Filters and counts (report --events/--pid/--comm, --stat). */
	{
		const char *ev_tick[] = { "test:tick" }, *ev_none[] = { "test:nosuch" };
		const int other_pid[] = { 1 };
		struct ks_evfilter_opts fo = { .events = ev_tick, .nevents = 1, .comm = "tick*" };
		struct ks_evfilter *f = NULL;
		struct ks_tdat_counts n;
		uint64_t lost = 0;

		ks_tdat_rewind(t, NULL);
		ok(!ks_tdat_count(t, NULL, &n, NULL, NULL), "counted");
		ok(n.events == 5 && n.per_cpu[0] == 3 && n.per_cpu[1] == 2 && n.per_id[42] == 5 &&
		   n.first_ts == 1000000 && n.last_ts == 5000000 && n.unknown_drops == 1,
		   "5 events on 2 CPUs, one lossy sub-buffer");
		ks_tdat_counts_free(&n);
		ok(!ks_evfilter_new(&f, ks_tdat_tep(t), &fo, &err), "filter by event and comm");
		ks_tdat_rewind(t, NULL);
		ok(!ks_tdat_count(t, f, &n, NULL, NULL) && n.events == 5, "both match every record");
		ks_tdat_counts_free(&n);
		ks_evfilter_free(f);
		fo.pids = other_pid;
		fo.npids = 1;
		ok(!ks_evfilter_new(&f, ks_tdat_tep(t), &fo, &err), "filter by another pid");
		ks_tdat_rewind(t, NULL);
		ok(!ks_tdat_count(t, f, &n, NULL, NULL) && n.events == 0 && n.unknown_drops == 1,
		   "nothing passes, losses still counted");
		ks_tdat_counts_free(&n);
		ks_evfilter_free(f);
		fo.events = ev_none;
		ok(ks_evfilter_new(&f, ks_tdat_tep(t), &fo, &err) == -ENOENT && !f &&
		   strstr(err.msg, "'test:nosuch'"), "an event the file lacks: %s", err.msg);
		ok(ks_tdat_cpu_lost(t, 0, &lost) && lost == 7, "CPU 0 lost 7 (its stats)");
		ok(!ks_tdat_cpu_lost(t, 1, &lost), "CPU 1 has no stats in the file");
		is_int(ks_tdat_file_is_tracedat(path), 1, "the file has the magic");
		is_int(ks_tdat_file_is_tracedat("/nonexistent"), -ENOENT, "a missing file");
	}
	ks_tdat_close(t);
	ks_evsel_free(&sel);
	ks_evsel_free(&all);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "cleanup");
	return tap_done();
}
