// SPDX-License-Identifier: GPL-2.0-only
/* Per-CPU splice recorder built on libtracefs' tracefs_cpu API. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/kernel/recorder.h"

struct rec_cpu {
	struct ks_rec *rec;
	struct tracefs_cpu *tcpu;
	int cpu;
	int fd;			/* spool */
	pthread_t thread;
	bool started;
	_Atomic uint64_t bytes;
	uint64_t size;		/* final, page aligned */
};

struct ks_rec {
	int ncpus;
	int page_size;
	atomic_int stop;
	atomic_int error;
	int error_fd;
	struct rec_cpu *cpus;
};

static void rec_fail(struct rec_cpu *c, int err)
{
	int zero = 0;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&c->rec->error, &zero, err))
		if (write(c->rec->error_fd, &one, sizeof(one)) < 0)
			return;
}

static void *rec_thread(void *arg)
{
	struct rec_cpu *c = arg;
	int n;

	while (!atomic_load(&c->rec->stop)) {
		n = tracefs_cpu_write(c->tcpu, c->fd, false);
		if (n > 0) {
			atomic_fetch_add(&c->bytes, (uint64_t)n);
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			rec_fail(c, -errno);
			return NULL;
		}
	}
	/* Stopped: take every full sub-buffer left, then the partial one(s). */
	while ((n = tracefs_cpu_write(c->tcpu, c->fd, true)) > 0)
		atomic_fetch_add(&c->bytes, (uint64_t)n);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		rec_fail(c, -errno);
		return NULL;
	}
	while ((n = tracefs_cpu_flush_write(c->tcpu, c->fd)) > 0)
		atomic_fetch_add(&c->bytes, (uint64_t)n);
	if (n < 0 && errno != EAGAIN)
		rec_fail(c, -errno);
	return NULL;
}

int ks_rec_start(struct ks_rec **out, struct tracefs_instance *inst, int ncpus,
		 const char *spool_dir, struct ks_err *err)
{
	struct ks_rec *r;
	int i, ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return ks_err_set(err, -ENOMEM, "out of memory");
	r->ncpus = ncpus;
	r->error_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->cpus = calloc(ncpus, sizeof(*r->cpus));
	if (!r->cpus || r->error_fd < 0) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	for (i = 0; i < ncpus; i++)
		r->cpus[i].fd = -1;
	for (i = 0; i < ncpus; i++) {
		struct rec_cpu *c = &r->cpus[i];

		c->rec = r;
		c->cpu = i;
		c->tcpu = tracefs_cpu_open(inst, i, false);
		if (!c->tcpu) {
			/* An offline or absent CPU: its file is missing. Record nothing for it. */
			if (errno == ENOENT || errno == ENODEV)
				continue;
			ret = ks_err_set(err, -errno, "cannot open trace_pipe_raw of CPU %d: %s",
					 i, strerror(errno));
			goto out_free;
		}
		if (!r->page_size)
			r->page_size = tracefs_cpu_read_size(c->tcpu);
		c->fd = ks_spool_open(spool_dir);
		if (c->fd < 0) {
			ret = ks_err_set(err, c->fd, "cannot create a spool file in %s: %s",
					 spool_dir, strerror(-c->fd));
			goto out_free;
		}
	}
	if (r->page_size <= 0) {
		ret = ks_err_set(err, -ENODEV, "no CPU ring buffer could be opened");
		goto out_free;
	}
	for (i = 0; i < ncpus; i++) {
		struct rec_cpu *c = &r->cpus[i];

		if (!c->tcpu)
			continue;
		ret = -pthread_create(&c->thread, NULL, rec_thread, c);
		if (ret) {
			ks_err_set(err, ret, "cannot start recorder thread: %s", strerror(-ret));
			ks_rec_stop(r);
			goto out_free;
		}
		c->started = true;
	}
	*out = r;
	return 0;

out_free:
	ks_rec_free(r);
	return ret;
}

uint64_t ks_rec_bytes(struct ks_rec *r, int cpu)
{
	uint64_t sum = 0;
	int i;

	if (cpu >= 0)
		return cpu < r->ncpus ? atomic_load(&r->cpus[cpu].bytes) : 0;
	for (i = 0; i < r->ncpus; i++)
		sum += atomic_load(&r->cpus[i].bytes);
	return sum;
}

int ks_rec_error(struct ks_rec *r)
{
	return atomic_load(&r->error);
}

int ks_rec_error_fd(struct ks_rec *r)
{
	return r->error_fd;
}

int ks_rec_page_size(struct ks_rec *r)
{
	return r->page_size;
}

int ks_rec_stop(struct ks_rec *r)
{
	int i;

	atomic_store(&r->stop, 1);
	for (i = 0; i < r->ncpus; i++)
		if (r->cpus[i].started)
			tracefs_cpu_stop(r->cpus[i].tcpu);
	for (i = 0; i < r->ncpus; i++) {
		struct rec_cpu *c = &r->cpus[i];
		struct stat stt;

		if (!c->started)
			continue;
		pthread_join(c->thread, NULL);
		c->started = false;
		/* A failed write (disk full) may leave half a page: keep whole pages only. */
		if (!fstat(c->fd, &stt)) {
			c->size = (uint64_t)stt.st_size / r->page_size * r->page_size;
			if ((uint64_t)stt.st_size != c->size && ftruncate(c->fd, c->size))
				c->size = 0;
		}
	}
	return ks_rec_error(r);
}

int ks_rec_spool(struct ks_rec *r, int cpu, uint64_t *size)
{
	*size = r->cpus[cpu].fd >= 0 ? r->cpus[cpu].size : 0;
	return r->cpus[cpu].fd;
}

void ks_rec_free(struct ks_rec *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; r->cpus && i < r->ncpus; i++) {
		if (r->cpus[i].tcpu)
			tracefs_cpu_close(r->cpus[i].tcpu);
		if (r->cpus[i].fd >= 0)
			close(r->cpus[i].fd);
	}
	if (r->error_fd >= 0)
		close(r->error_fd);
	free(r->cpus);
	free(r);
}

static uint64_t stat_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

void ks_cpustats_parse(const char *text, struct ks_cpustats *st)
{
	st->entries = stat_value(text, "entries");
	st->overrun = stat_value(text, "overrun");
	st->commit_overrun = stat_value(text, "commit overrun");
	st->bytes = stat_value(text, "bytes");
	st->dropped = stat_value(text, "dropped events");
	st->read = stat_value(text, "read events");
}

uint64_t ks_cpustats_read(struct tracefs_instance *inst, int ncpus, struct ks_cpustats *st)
{
	uint64_t lost = 0;
	char file[64];
	int i;

	for (i = 0; i < ncpus; i++) {
		char *text;

		memset(&st[i], 0, sizeof(st[i]));
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", i);
		text = tracefs_instance_file_read(inst, file, NULL);
		if (!text)
			continue;
		ks_cpustats_parse(text, &st[i]);
		lost += ks_cpustats_lost(&st[i]);
		free(text);
	}
	return lost;
}
