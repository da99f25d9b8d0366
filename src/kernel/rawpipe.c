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
	struct ks_buf held;	/* events newer than a batch's cutoff, for the next one */
	struct rawpipe_event *evs;
	size_t n;		/* events in evs: held ones first */
	size_t cap;
	uint64_t *last_ts;	/* per CPU: the newest event read of a CPU left unfinished */
	bool more;		/* the last batch left sub-buffers unread */
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
	p->last_ts = calloc((size_t)ncpus, sizeof(*p->last_ts));
	p->kbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
				KBUFFER_ENDIAN_LITTLE);
	if (!p->page || !p->fds || !p->kbuf || !p->last_ts) {
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
	free(p->last_ts);
	free(p->page);
	if (p->kbuf)
		kbuffer_free(p->kbuf);
	ks_buf_free(&p->data);
	ks_buf_free(&p->held);
	free(p->evs);
	free(p);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct rawpipe_event *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->cpu - y->cpu;
}

/* One ready sub-buffer's events appended to the batch. */
static int take_page(struct ks_rawpipe *p, int cpu)
{
	unsigned long long ts;
	long long missed;
	void *ev;

	if (kbuffer_load_subbuffer(p->kbuf, p->page) < 0)
		return -EIO;
	missed = kbuffer_missed_events(p->kbuf);
	for (ev = kbuffer_read_event(p->kbuf, &ts); ev; ev = kbuffer_next_event(p->kbuf, &ts)) {
		int size = kbuffer_event_size(p->kbuf);

		if (p->n == p->cap) {
			size_t cap = p->cap * 2 + 256;
			struct rawpipe_event *ne = realloc(p->evs, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			p->evs = ne;
			p->cap = cap;
		}
		p->evs[p->n] = (struct rawpipe_event){ ts, cpu, size, missed, p->data.len };
		missed = 0;
		if (ks_buf_add(&p->data, ev, (size_t)size))
			return -ENOMEM;
		p->n++;
		p->last_ts[cpu] = ts;
	}
	return 0;
}

/*
 * The events of the previous batch newer than its cutoff start this one: their data
 * moves from the held buffer to the front of the batch's.
 */
static void restore_held(struct ks_rawpipe *p)
{
	struct ks_buf t = p->data;

	p->data = p->held;
	p->held = t;
	p->held.len = 0;
}

/* Keep events [from, n) for the next batch; their data goes to the held buffer. */
static int hold(struct ks_rawpipe *p, size_t from)
{
	size_t i, k = 0;

	p->held.len = 0;
	for (i = from; i < p->n; i++) {
		size_t off = p->held.len;

		if (ks_buf_add(&p->held, p->data.data + p->evs[i].off, (size_t)p->evs[i].size))
			return -ENOMEM;
		p->evs[k] = p->evs[i];
		p->evs[k++].off = off;
	}
	p->n = k;
	return 0;
}

int ks_rawpipe_batch(struct ks_rawpipe *p, uint64_t cutoff, ks_rawpipe_cb cb, void *arg)
{
	size_t i, done;
	int cpu, ret = 0, r;

	restore_held(p);
	p->more = false;
	for (cpu = 0; cpu < p->ncpus && !ret; cpu++) {
		int pages = 0;

		while (!ret && p->fds[cpu] >= 0 && pages < RAWPIPE_MAX_PAGES) {
			if (read(p->fds[cpu], p->page, (size_t)p->page_size) <= 0)
				break;
			ret = take_page(p, cpu);
			pages++;
		}
		/* A CPU with more to read: nothing newer than what was read of it is complete. */
		if (pages == RAWPIPE_MAX_PAGES) {
			p->more = true;
			if (p->last_ts[cpu] < cutoff)
				cutoff = p->last_ts[cpu];
		}
	}
	/* What was read is handed over even after a failure: it left the kernel. */
	if (ret)
		cutoff = UINT64_MAX;
	if (p->n)
		qsort(p->evs, p->n, sizeof(*p->evs), ev_cmp);
	for (done = 0; done < p->n && p->evs[done].ts <= cutoff; done++) {
		struct tep_record rec = {
			.ts = p->evs[done].ts, .cpu = p->evs[done].cpu, .size = p->evs[done].size,
			.record_size = p->evs[done].size, .missed_events = p->evs[done].missed,
			.data = p->data.data + p->evs[done].off,
		};

		r = cb(arg, &rec);
		if (r) {
			p->n = 0;
			return r;
		}
	}
	i = done;
	r = hold(p, i);
	p->data.len = 0;
	return ret ? ret : r ? r : (int)done;
}

int ks_rawpipe_pollfds(const struct ks_rawpipe *p, struct pollfd *fds, int max)
{
	int i, n = 0;

	for (i = 0; i < p->ncpus && n < max; i++)
		if (p->fds[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = p->fds[i], .events = POLLIN };
	return n;
}

bool ks_rawpipe_more(const struct ks_rawpipe *p)
{
	return p->more;
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
