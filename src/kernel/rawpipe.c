// SPDX-License-Identifier: GPL-2.0-only
/* Batches of live events from trace_pipe_raw, ordered by time across CPUs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kbuffer.h>

#include "kscope/kernel/proc.h"
#include "kscope/kernel/rawpipe.h"
#include "kscope/kernel/session.h"

#define RAWPIPE_MAX_PAGES 256	/* per CPU and batch: a busy CPU does not starve output */

struct rawpipe_event {
	unsigned long long ts;
	int cpu;
	int size;
	long long missed;
	size_t off;		/* into the batch's data */
};

struct ks_rawpipe {
	int ncpus;
	int *fds;
	int page_size;
	char *page;
	struct kbuffer *kbuf;
	struct ks_buf data;	/* the events of a batch, back to back */
	struct rawpipe_event *evs;
	size_t cap;
};

int ks_rawpipe_open(struct ks_rawpipe **out, struct ks_session *s, int ncpus, struct ks_err *err)
{
	struct ks_rawpipe *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return ks_err_set(err, -ENOMEM, "out of memory");
	p->ncpus = ncpus;
	p->page_size = (int)sysconf(_SC_PAGESIZE);
	p->page = malloc((size_t)p->page_size);
	p->fds = malloc((size_t)ncpus * sizeof(*p->fds));
	p->kbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
				KBUFFER_ENDIAN_LITTLE);
	if (!p->page || !p->fds || !p->kbuf) {
		ks_rawpipe_free(p);
		return ks_err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < ncpus; i++) {
		char path[4200];

		/* A CPU that is offline has no file: it has no events either. */
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/trace_pipe_raw", ks_session_dir(s), i);
		p->fds[i] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	*out = p;
	return 0;
}

void ks_rawpipe_free(struct ks_rawpipe *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; p->fds && i < p->ncpus; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
	free(p->fds);
	free(p->page);
	if (p->kbuf)
		kbuffer_free(p->kbuf);
	ks_buf_free(&p->data);
	free(p->evs);
	free(p);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct rawpipe_event *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->cpu - y->cpu;
}

/* One ready sub-buffer's events appended to the batch. */
static int take_page(struct ks_rawpipe *p, int cpu, size_t *n)
{
	unsigned long long ts;
	long long missed;
	void *ev;

	if (kbuffer_load_subbuffer(p->kbuf, p->page) < 0)
		return -EIO;
	missed = kbuffer_missed_events(p->kbuf);
	for (ev = kbuffer_read_event(p->kbuf, &ts); ev; ev = kbuffer_next_event(p->kbuf, &ts)) {
		int size = kbuffer_event_size(p->kbuf);

		if (*n == p->cap) {
			size_t cap = p->cap * 2 + 256;
			struct rawpipe_event *ne = realloc(p->evs, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			p->evs = ne;
			p->cap = cap;
		}
		p->evs[*n] = (struct rawpipe_event){ ts, cpu, size, missed, p->data.len };
		missed = 0;
		if (ks_buf_add(&p->data, ev, (size_t)size))
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

int ks_rawpipe_batch(struct ks_rawpipe *p, ks_rawpipe_cb cb, void *arg)
{
	size_t n = 0, i;
	int cpu, ret = 0;

	p->data.len = 0;
	for (cpu = 0; cpu < p->ncpus && !ret; cpu++) {
		int pages = 0;

		while (!ret && p->fds[cpu] >= 0 && pages++ < RAWPIPE_MAX_PAGES) {
			if (read(p->fds[cpu], p->page, (size_t)p->page_size) <= 0)
				break;
			ret = take_page(p, cpu, &n);
		}
	}
	/* What was read is handed over even after a failure: it left the kernel. */
	qsort(p->evs, n, sizeof(*p->evs), ev_cmp);
	for (i = 0; i < n; i++) {
		struct tep_record rec = {
			.ts = p->evs[i].ts, .cpu = p->evs[i].cpu, .size = p->evs[i].size,
			.record_size = p->evs[i].size, .missed_events = p->evs[i].missed,
			.data = p->data.data + p->evs[i].off,
		};
		int r = cb(arg, &rec);

		if (r)
			return r;
	}
	return ret ? ret : (int)n;
}

void ks_rawpipe_learn_comm(struct tep_handle *tep, const struct tep_record *rec)
{
	int pid = tep_data_pid(tep, (struct tep_record *)rec);
	char comm[64];

	if (pid <= 0 || tep_is_pid_registered(tep, pid))
		return;
	if (!ks_proc_comm(pid, comm, sizeof(comm)))
		tep_register_comm(tep, comm, pid);
}
