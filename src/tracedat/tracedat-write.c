// SPDX-License-Identifier: GPL-2.0-only
/* trace.dat version 6 writer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/falloc.h>

#include <tracefs.h>

#include "kscope/base/version.h"
#include "kscope/kernel/evsel.h"
#include "kscope/tracedat/tracedat.h"

/* Room kept for saved_cmdlines, options and the CPU table, written at the end. */
#define TDAT_TAIL_RESERVE	(4u << 20)

struct ks_tdat_writer {
	int fd;
	int ncpus;
	int page_size;
	char *tracefs;
	struct ks_buf head;	/* magic .. printk formats */
	struct ks_buf opts;	/* option records, without the DONE terminator */
	struct ks_buf cmdlines;	/* the caller's, before the kernel's */
	uint64_t reserved;
};

static int add_file_u64(struct ks_buf *b, const char *path)
{
	char *text;
	size_t len;
	int ret;

	ret = ks_read_file(path, &text, &len);
	if (ret)
		return ret;
	ret = ks_buf_add_u64(b, len) ?: ks_buf_add(b, text, len);
	free(text);
	return ret;
}

static int add_file_u32(struct ks_buf *b, const char *path, bool optional)
{
	char *text;
	size_t len;
	int ret;

	ret = ks_read_file(path, &text, &len);
	if (ret && optional)
		return ks_buf_add_u32(b, 0);
	if (ret)
		return ret;
	ret = ks_buf_add_u32(b, (uint32_t)len) ?: ks_buf_add(b, text, len);
	free(text);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every ftrace-internal event format (function, kernel_stack, print, ...). */
static int add_ftrace_formats(struct ks_buf *b, const char *tracefs)
{
	char path[4096], *names[256];
	struct dirent *de;
	int n = 0, i, ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/events/ftrace", tracefs);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)) && n < (int)KS_ARRAY_SIZE(names)) {
			if (de->d_name[0] == '.' || de->d_type != DT_DIR)
				continue;
			names[n] = strdup(de->d_name);
			if (!names[n]) {
				ret = -ENOMEM;
				break;
			}
			n++;
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	if (!ret)
		ret = ks_buf_add_u32(b, n);
	for (i = 0; i < n; i++) {
		if (!ret) {
			snprintf(path, sizeof(path), "%s/events/ftrace/%s/format", tracefs, names[i]);
			ret = add_file_u64(b, path);
		}
		free(names[i]);
	}
	return ret;
}

static int add_event_formats(struct ks_buf *b, const char *tracefs, const struct ks_evsel *ev,
			     const struct ks_tdat_synth *synth)
{
	const char **systems;
	char path[4096];
	int nsys, s, i, ret;

	systems = ks_evsel_systems(ev, &nsys);
	if (!systems)
		return -ENOMEM;
	ret = ks_buf_add_u32(b, nsys + (synth ? 1 : 0));
	if (!ret && synth) {
		ret = ks_buf_add(b, synth->system, strlen(synth->system) + 1) ?:
			ks_buf_add_u32(b, synth->n);
		for (i = 0; !ret && i < synth->n; i++)
			ret = ks_buf_add_u64(b, strlen(synth->formats[i])) ?:
				ks_buf_add(b, synth->formats[i], strlen(synth->formats[i]));
	}
	for (s = 0; !ret && s < nsys; s++) {
		uint32_t count = 0;

		for (i = 0; i < ev->n; i++)
			count += !strcmp(ev->ev[i].system, systems[s]);
		ret = ks_buf_add(b, systems[s], strlen(systems[s]) + 1) ?: ks_buf_add_u32(b, count);
		for (i = 0; !ret && i < ev->n; i++) {
			if (strcmp(ev->ev[i].system, systems[s]))
				continue;
			snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs,
				 systems[s], ev->ev[i].name);
			ret = add_file_u64(b, path);
		}
	}
	free(systems);
	return ret;
}

/* The kernel's long size, from the width of "commit" in header_page. */
int ks_tdat_kernel_long_size(const char *tracefs)
{
	char path[4096], *text, *p;
	int size = (int)sizeof(long);

	if (!tracefs)
		return size;
	snprintf(path, sizeof(path), "%s/events/header_page", tracefs);
	if (ks_read_file(path, &text, NULL))
		return size;
	p = strstr(text, "commit;");
	if (p && (p = strstr(p, "size:")))
		size = atoi(p + 5) == 4 ? 4 : 8;
	free(text);
	return size;
}

/*
 * The ring-buffer layout every kernel since 2.6.31 uses, for writers that cannot
 * read tracefs (an unprivileged profile): only pages kscope writes itself use it.
 */
static char *builtin_header(bool page, int page_size)
{
	int lsize = (int)sizeof(long);
	struct ks_buf b = { 0 };

	if (page)
		ks_buf_addf(&b, "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
			    "\tfield: local_t commit;\toffset:8;\tsize:%d;\tsigned:1;\n"
			    "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
			    "\tfield: char data;\toffset:%d;\tsize:%d;\tsigned:0;\n",
			    lsize, 8 + lsize, page_size - 8 - lsize);
	else
		ks_buf_addf(&b, "# compressed entry header\n\ttype_len    :    5 bits\n"
			    "\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n"
			    "\tpadding     : type == 29\n\ttime_extend : type == 30\n"
			    "\ttime_stamp : type == 31\n\tdata max type_len  == 28\n");
	return b.data;
}

/*
 * header_page with the data field sized for @page_size: the kernel's text says its
 * own sub-buffer size, which pages kscope writes itself need not have.
 */
static int add_header_page(struct ks_buf *b, const char *path, int page_size)
{
	char *text, *data, *size, *end;
	size_t len;
	long off;
	int ret;

	if (path) {
		ret = ks_read_file(path, &text, &len);
		if (ret)
			return ret;
	} else {
		text = builtin_header(true, page_size);
		if (!text)
			return -ENOMEM;
		len = strlen(text);
	}
	data = strstr(text, "char data;");
	off = data && (data = strstr(data, "offset:")) ? strtol(data + 7, NULL, 10) : -1;
	size = data ? strstr(data, "size:") : NULL;
	end = size ? size + 5 + strspn(size + 5, "0123456789") : NULL;
	if (off > 0 && off < page_size && end && end > size + 5) {
		struct ks_buf t = { 0 };

		ret = ks_buf_add(&t, text, size + 5 - text) ?:
			ks_buf_addf(&t, "%ld", page_size - off) ?:
			ks_buf_add(&t, end, len - (end - text));
		if (!ret)
			ret = ks_buf_add_u64(b, t.len) ?: ks_buf_add(b, t.data, t.len);
		ks_buf_free(&t);
	} else {
		ret = ks_buf_add_u64(b, len) ?: ks_buf_add(b, text, len);
	}
	free(text);
	return ret;
}

int ks_tdat_writer_new(struct ks_tdat_writer **out, int fd, const char *tracefs,
		       const struct ks_evsel *events, const struct ks_tdat_synth *synth,
		       int ncpus, int page_size, struct ks_err *err)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g',
				      '6', '\0' };
	struct ks_tdat_writer *w;
	struct ks_buf *b;
	char path[4096];
	uint8_t endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__, lsize;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return ks_err_set(err, -ENOMEM, "out of memory");
	w->fd = fd;
	w->ncpus = ncpus;
	w->page_size = page_size;
	w->tracefs = tracefs ? strdup(tracefs) : NULL;
	b = &w->head;
	lsize = (uint8_t)ks_tdat_kernel_long_size(tracefs);
	ret = ks_buf_add(b, magic, sizeof(magic)) ?: ks_buf_add(b, &endian, 1) ?:
		ks_buf_add(b, &lsize, 1) ?: ks_buf_add_u32(b, page_size);
	if (ret)
		goto out_nomem;

	if (!tracefs) {
		char *he = builtin_header(false, page_size);

		ret = ks_buf_add(b, "header_page", 12) ?: add_header_page(b, NULL, page_size) ?:
			ks_buf_add(b, "header_event", 13) ?: ks_buf_add_u64(b, he ? strlen(he) : 0) ?:
			ks_buf_add(b, he ? he : "", he ? strlen(he) : 0) ?: ks_buf_add_u32(b, 0) ?:
			add_event_formats(b, NULL, events, synth) ?: add_file_u32(b, "/proc/kallsyms", true) ?:
			ks_buf_add_u32(b, 0);
		free(he);
		if (ret)
			goto out_nomem;
		goto reserve;
	}
	snprintf(path, sizeof(path), "%s/events/header_page", tracefs);
	ret = ks_buf_add(b, "header_page", 12) ?: add_header_page(b, path, page_size);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/events/header_event", tracefs);
		ret = ks_buf_add(b, "header_event", 13) ?: add_file_u64(b, path);
	}
	if (ret) {
		ks_err_set(err, ret, "cannot read %s: %s", path, strerror(-ret));
		goto out_free;
	}
	ret = add_ftrace_formats(b, tracefs) ?: add_event_formats(b, tracefs, events, synth);
	if (ret) {
		ks_err_set(err, ret, "cannot read event formats: %s", strerror(-ret));
		goto out_free;
	}
	/* Without kallsyms (kptr_restrict) the file is still valid: symbols show as addresses. */
	snprintf(path, sizeof(path), "%s/printk_formats", tracefs);
	ret = add_file_u32(b, "/proc/kallsyms", true) ?: add_file_u32(b, path, true);
	if (ret)
		goto out_nomem;

reserve:
	w->reserved = w->head.len + TDAT_TAIL_RESERVE;
	ret = posix_fallocate(fd, 0, w->reserved);
	if (ret && ret != EOPNOTSUPP && ret != EINVAL) {
		ks_err_set(err, -ret, "cannot reserve %llu bytes for the trace.dat header: %s",
			   (unsigned long long)w->reserved, strerror(ret));
		ret = -ret;
		goto out_free;
	}
	*out = w;
	return 0;

out_nomem:
	ret = ks_err_set(err, -ENOMEM, "out of memory");
out_free:
	ks_tdat_writer_free(w);
	return ret;
}

int ks_tdat_writer_add_option(struct ks_tdat_writer *w, uint16_t id, const void *data,
			      uint32_t size)
{
	return ks_buf_add_u16(&w->opts, id) ?: ks_buf_add_u32(&w->opts, size) ?:
		ks_buf_add(&w->opts, data, size);
}

int ks_tdat_writer_add_uname(struct ks_tdat_writer *w)
{
	struct utsname u;
	char text[sizeof(u) + 8];

	if (uname(&u))
		return -errno;
	snprintf(text, sizeof(text), "%s %s %s %s %s", u.sysname, u.nodename, u.release,
		 u.version, u.machine);
	return ks_tdat_writer_add_option(w, KS_TDAT_OPT_UNAME, text, (uint32_t)strlen(text) + 1);
}

int ks_tdat_writer_add_recording(struct ks_tdat_writer *w, struct tracefs_instance *inst,
				 int ncpus)
{
	struct ks_buf b = { 0 };
	uint32_t n = (uint32_t)ncpus;
	char *clock;
	int i, ret;

	clock = tracefs_instance_file_read(inst, "trace_clock", NULL);
	ret = clock ? ks_tdat_writer_add_option(w, KS_TDAT_OPT_TRACECLOCK, clock,
						(uint32_t)strlen(clock) + 1) : 0;
	free(clock);
	ret = ret ?: ks_tdat_writer_add_uname(w) ?:
		ks_tdat_writer_add_option(w, KS_TDAT_OPT_VERSION, "kscope " KSCOPE_VERSION,
					  sizeof("kscope " KSCOPE_VERSION)) ?:
		ks_tdat_writer_add_option(w, KS_TDAT_OPT_CPUCOUNT, &n, sizeof(n));
	for (i = 0; !ret && i < ncpus; i++) {
		char file[64], *text;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", i);
		text = tracefs_instance_file_read(inst, file, NULL);
		if (!text)
			continue;
		ret = ks_buf_addf(&b, "CPU: %d\n%s", i, text) ?:
			ks_tdat_writer_add_option(w, KS_TDAT_OPT_CPUSTAT, b.data, (uint32_t)b.len + 1);
		ks_buf_free(&b);
		free(text);
	}
	return ret;
}

int ks_tdat_writer_add_cmdlines(struct ks_tdat_writer *w, const char *text, size_t len)
{
	return ks_buf_add(&w->cmdlines, text, len);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * saved_cmdlines only holds the kernel's last few hundred comms: add the threads
 * living now so that more pids get a name. The kernel's entries come first.
 */
static int add_cmdlines(struct ks_buf *b, const char *tracefs, const struct ks_buf *first)
{
	struct ks_buf text = { 0 };
	char path[4096], *saved = NULL, *l;
	int *known = NULL, nknown = 0, ret;
	struct dirent *pd, *td;
	DIR *proc, *task;

	if (first->len)
		ks_buf_add(&text, first->data, first->len);
	snprintf(path, sizeof(path), "%s/saved_cmdlines", tracefs ? tracefs : "/nonexistent");
	if (tracefs && !ks_read_file(path, &saved, NULL)) {
		ks_buf_add(&text, saved, strlen(saved));
		known = malloc((strlen(saved) / 2 + 1) * sizeof(*known));
		for (l = saved; known && l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
			known[nknown++] = atoi(l);
		if (known)
			qsort(known, nknown, sizeof(*known), int_cmp);
	}
	proc = opendir("/proc");
	while (proc && (pd = readdir(proc))) {
		if (pd->d_name[0] < '1' || pd->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", pd->d_name);
		task = opendir(path);
		while (task && (td = readdir(task))) {
			char cpath[4400], *comm;
			int tid = atoi(td->d_name);

			if (tid <= 0 || (known && bsearch(&tid, known, nknown, sizeof(int), int_cmp)))
				continue;
			snprintf(cpath, sizeof(cpath), "%s/%s/comm", path, td->d_name);
			if (ks_read_file(cpath, &comm, NULL))
				continue;
			ks_buf_addf(&text, "%d %s\n", tid, ks_strip(comm));
			free(comm);
		}
		if (task)
			closedir(task);
	}
	if (proc)
		closedir(proc);
	free(saved);
	free(known);
	ret = ks_buf_add_u64(b, text.len) ?: ks_buf_add(b, text.data ? text.data : "", text.len);
	ks_buf_free(&text);
	return ret;
}

/* One step of a copy: in the kernel when the two files allow it, else through a buffer. */
static ssize_t copy_chunk(int in, uint64_t in_off, int out, uint64_t out_off, size_t n)
{
	loff_t ioff = in_off, ooff = out_off;
	char buf[65536];
	ssize_t r, w;

	r = copy_file_range(in, &ioff, out, &ooff, n, 0);
	if (r > 0)
		return r;
	if (r == 0)
		return -EIO;
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	r = pread(in, buf, n < sizeof(buf) ? n : sizeof(buf), in_off);
	if (r <= 0)
		return r < 0 ? -errno : -EIO;
	w = pwrite(out, buf, r, out_off);
	return w < 0 ? -errno : w;
}

/* Copy @len bytes of a spool to @out at @out_off, releasing the spool's space as we go. */
static int copy_spool(int in, int out, uint64_t out_off, uint64_t len, uint64_t *done)
{
	const uint64_t chunk = 1u << 20;
	uint64_t in_off = 0;
	ssize_t r;

	*done = 0;
	while (in_off < len) {
		r = copy_chunk(in, in_off, out, out_off, len - in_off < chunk ? len - in_off : chunk);
		if (r < 0)
			return (int)r;
		/* Best effort: a filesystem without hole punching keeps the spool until close. */
		(void)!fallocate(in, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, in_off, r);
		in_off += r;
		out_off += r;
		*done += r;
	}
	return 0;
}

int ks_tdat_writer_finish(struct ks_tdat_writer *w, const struct ks_tdat_cpu_src *cpus,
			  uint64_t *kept, struct ks_err *err)
{
	struct ks_buf tail = { 0 };
	uint64_t table_off, data_off, *offs = NULL, *sizes = NULL;
	int i, ret, full = 0;

	*kept = 0;
	ret = add_cmdlines(&tail, w->tracefs, &w->cmdlines) ?: ks_buf_add_u32(&tail, w->ncpus) ?:
		ks_buf_add(&tail, "options  ", 10) ?: ks_buf_add(&tail, w->opts.data ?: "", w->opts.len) ?:
		ks_buf_add_u16(&tail, KS_TDAT_OPT_DONE) ?: ks_buf_add(&tail, "flyrecord", 10);
	offs = calloc(w->ncpus, sizeof(*offs));
	sizes = calloc(w->ncpus, sizeof(*sizes));
	if (ret || !offs || !sizes) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	table_off = w->head.len + tail.len;
	data_off = table_off + 16ull * w->ncpus;
	data_off = (data_off + w->page_size - 1) / w->page_size * w->page_size;

	ret = ks_pwrite_all(w->fd, w->head.data, w->head.len, 0) ?:
		ks_pwrite_all(w->fd, tail.data, tail.len, w->head.len);
	if (ret) {
		ks_err_set(err, ret, "cannot write the trace.dat header: %s", strerror(-ret));
		goto out;
	}
	/* Data goes right after the header: drop the unused part of the reservation. */
	if (ftruncate(w->fd, data_off)) {
		ret = ks_err_set(err, -errno, "cannot size trace.dat: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < w->ncpus; i++) {
		uint64_t done = 0;

		offs[i] = data_off;
		if (full || cpus[i].fd < 0 || !cpus[i].size)
			continue;
		ret = copy_spool(cpus[i].fd, w->fd, data_off, cpus[i].size, &done);
		done = done / w->page_size * w->page_size;
		sizes[i] = done;
		data_off += done;
		*kept += done;
		if (ret == -ENOSPC || ret == -EDQUOT || ret == -EFBIG) {
			/* Keep what fits, whole pages only, and a table that says so. */
			full = ret;
			ret = 0;
			(void)!ftruncate(w->fd, data_off);
		} else if (ret) {
			ks_err_set(err, ret, "cannot copy CPU %d data into trace.dat: %s", i,
				   strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < w->ncpus; i++) {
		uint64_t ent[2] = { offs[i], sizes[i] };

		ret = ks_pwrite_all(w->fd, ent, sizeof(ent), table_off + 16ull * i);
		if (ret) {
			ks_err_set(err, ret, "cannot write the CPU table: %s", strerror(-ret));
			goto out;
		}
	}
	if (full)
		ret = ks_err_set(err, full, "%s: kept %llu bytes of event data, up to the last "
				 "complete page", strerror(-full), (unsigned long long)*kept);
out:
	ks_buf_free(&tail);
	free(offs);
	free(sizes);
	return ret;
}

void ks_tdat_writer_free(struct ks_tdat_writer *w)
{
	if (!w)
		return;
	ks_buf_free(&w->head);
	ks_buf_free(&w->opts);
	ks_buf_free(&w->cmdlines);
	free(w->tracefs);
	free(w);
}
