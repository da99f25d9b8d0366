// SPDX-License-Identifier: GPL-2.0-only
/*
 * perf_event sampling: open events per CPU (and per followed thread), route every
 * event of a CPU into that CPU's ring with PERF_EVENT_IOC_SET_OUTPUT, and read
 * whole records out of the rings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kscope/kernel/perf.h"

struct perf_ring {
	int cpu;
	int fd;				/* the first event opened on the CPU; owns the map */
	void *base;			/* metadata page, then the data pages */
	size_t data_size;
	char *copy;			/* a record that wraps is put together here */
};

struct ks_perf {
	int *fds;
	int nfds;
	uint64_t *ids;			/* sample id of each fd ... */
	int *id_event;			/* ... and its event's index */
	struct perf_ring *rings;
	int nrings;
	uint64_t sample_type;		/* bits every event has */
	uint64_t *event_sample_type;	/* per event: adds RAW for tracepoints */
	int nevents;
	uint64_t regs_mask;
	bool build_id, clockid;
	bool user_only;			/* perf_event_paranoid keeps us out of the kernel */
	size_t page_size;
};

struct named_event {
	const char *name;
	uint32_t type;
	uint64_t config;
};

static const struct named_event named_events[] = {
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
};

int ks_perf_parse_event(const char *name, const char *tracefs, struct ks_perf_evspec *ev,
			struct ks_err *err)
{
	char base[128], path[4096], *colon, *idtext;
	size_t i;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (strlen(name) >= sizeof(base) || !*name)
		return ks_err_set(err, -EINVAL, "bad event name '%s'", name);
	strcpy(base, name);
	colon = strrchr(base, ':');
	if (colon && (!strcmp(colon, ":u") || !strcmp(colon, ":k"))) {
		ev->exclude_kernel = colon[1] == 'u';
		ev->exclude_user = colon[1] == 'k';
		*colon = '\0';
		colon = strchr(base, ':');
	}
	snprintf(ev->name, sizeof(ev->name), "%s", base);
	if (!colon) {
		for (i = 0; i < KS_ARRAY_SIZE(named_events); i++) {
			if (strcmp(named_events[i].name, base))
				continue;
			ev->type = named_events[i].type;
			ev->config = named_events[i].config;
			return 0;
		}
		return ks_err_set(err, -EINVAL, "unknown event '%s' (try cycles, instructions, "
				  "cache-misses, branch-misses, cpu-clock, task-clock, page-faults, "
				  "context-switches, or a tracepoint sys:event)", name);
	}
	/* A tracepoint: its id under tracefs. */
	if (!tracefs)
		return ks_err_set(err, -EACCES, "tracepoint '%s' needs tracefs, which is not "
				  "readable here (run as root)", name);
	*colon = '\0';
	if (strchr(colon + 1, '/') || strchr(base, '/') || !*base || !colon[1])
		return ks_err_set(err, -EINVAL, "bad tracepoint name '%s' (want sys:event)", name);
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, base, colon + 1);
	ret = ks_read_file(path, &idtext, NULL);
	if (ret)
		return ks_err_set(err, -ENOENT, "unknown tracepoint '%s:%s' (see kscope list -e)",
				  base, colon + 1);
	ev->type = PERF_TYPE_TRACEPOINT;
	ev->config = strtoull(idtext, NULL, 10);
	ev->tracepoint = true;
	free(idtext);
	return 0;
}

bool ks_perf_event_is_tracepoint(const char *name)
{
	const char *colon = strchr(name, ':');

	/* "sys:event" or "sys:event:u"; "cycles:u" is no tracepoint. */
	return colon && strcmp(colon, ":u") && strcmp(colon, ":k");
}

bool ks_perf_event_is_clock(const struct ks_perf_evspec *ev)
{
	return ev->type == PERF_TYPE_SOFTWARE && (ev->config == PERF_COUNT_SW_CPU_CLOCK ||
						  ev->config == PERF_COUNT_SW_TASK_CLOCK);
}

static int perf_event_open(struct perf_event_attr *attr, int pid, int cpu, int group,
			   unsigned long flags)
{
	int fd = (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);

	return fd < 0 ? -errno : fd;
}

const char *ks_perf_callgraph_name(enum ks_perf_callgraph cg)
{
	return cg == KS_PERF_CG_FP ? "fp" : cg == KS_PERF_CG_DWARF ? "dwarf" : "none";
}

static bool is_cycles(const struct ks_perf_evspec *ev)
{
	return ev->type == PERF_TYPE_HARDWARE && ev->config == PERF_COUNT_HW_CPU_CYCLES;
}

int ks_perf_fallback_cycles(struct ks_perf_evspec *evs, int n)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_HARDWARE,
				     .config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1,
				     .exclude_kernel = 1, .exclude_hv = 1 };
	int i, fd, wanted = 0;

	for (i = 0; i < n; i++)
		wanted |= is_cycles(&evs[i]);
	if (!wanted)
		return 0;
	/* User-space cycles of this thread: allowed at any paranoia level where a PMU is. */
	fd = perf_event_open(&a, 0, -1, -1, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT && errno != EOPNOTSUPP && errno != ENODEV)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_cycles(&evs[i]))
			continue;
		evs[i].type = PERF_TYPE_SOFTWARE;
		evs[i].config = PERF_COUNT_SW_CPU_CLOCK;
		snprintf(evs[i].name, sizeof(evs[i].name), "cpu-clock");
	}
	return 1;
}

static void fill_attr(struct perf_event_attr *a, const struct ks_perf_opts *o,
		      const struct ks_perf_evspec *ev, uint64_t sample_type, bool first)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = ev->type;
	a->config = ev->config;
	a->sample_type = sample_type;
	if (ev->period) {
		a->sample_period = ev->period;
	} else if (o->freq && !ev->tracepoint) {
		a->freq = 1;
		a->sample_freq = o->freq;
	} else {
		a->sample_period = o->period ? o->period : 1;
	}
	a->disabled = 1;
	a->enable_on_exec = o->enable_on_exec;
	a->inherit = o->ntids > 0;
	a->exclude_user = ev->exclude_user;
	a->exclude_kernel = ev->exclude_kernel;
	a->sample_id_all = 1;
	/* Side-band records from one event per thread and CPU are enough. */
	if (first) {
		a->mmap = 1;
		a->mmap2 = 1;
		a->comm = 1;
		a->comm_exec = 1;
		a->task = 1;
		a->context_switch = o->context_switch;
	}
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(o->mmap_pages * sysconf(_SC_PAGESIZE) / 4);
	if (o->callgraph == KS_PERF_CG_DWARF) {
		a->sample_regs_user = o->regs_mask;
		a->sample_stack_user = o->stack_size;
		/* User frames come from unwinding the copy; the kernel's walk is not needed. */
		a->exclude_callchain_user = 1;
	}
}

/* Why perf_event_open failed, and what to do. */
static int open_error(const struct ks_perf_evspec *ev, int cpu, int tid, int ret,
		      struct ks_err *err)
{
	char who[64], *par = NULL;

	if (tid > 0)
		snprintf(who, sizeof(who), "thread %d on CPU %d", tid, cpu);
	else
		snprintf(who, sizeof(who), "CPU %d", cpu);
	if (ret == -EACCES || ret == -EPERM) {
		ks_read_file("/proc/sys/kernel/perf_event_paranoid", &par, NULL);
		ret = ks_err_set(err, ret, "not allowed to sample '%s' on %s "
				 "(perf_event_paranoid is %s): run as root, or lower it with "
				 "'sysctl kernel.perf_event_paranoid=%d'", ev->name, who,
				 par ? ks_strip(par) : "?", tid > 0 ? 1 : -1);
		free(par);
		return ret;
	}
	if (ret == -ESRCH)
		return ks_err_runtime(err, ret, "thread %d exited before it could be followed", tid);
	if (ret == -ENOENT || ret == -EOPNOTSUPP || ret == -ENODEV)
		return ks_err_kernel(err, -EOPNOTSUPP, ev->tracepoint ? "perf_tracepoint" :
				     ev->type == PERF_TYPE_HARDWARE ? "perf_hardware" :
				     "perf_software", "this machine cannot sample '%s' (%s): no such "
				     "PMU or counter", ev->name, strerror(-ret));
	if (ret == -EMFILE)
		return ks_err_set(err, ret, "too many open files for %s (raise 'ulimit -n')", who);
	return ks_err_set(err, ret, "cannot open '%s' on %s: %s", ev->name, who, strerror(-ret));
}

static int map_ring(struct ks_perf *p, struct perf_ring *r, unsigned int pages)
{
	r->data_size = (size_t)pages * p->page_size;
	r->base = mmap(NULL, r->data_size + p->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       r->fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return -errno;
	}
	r->copy = malloc(65536 + 8);
	return r->copy ? 0 : -ENOMEM;
}

static int add_fd(struct ks_perf *p, int fd, int event)
{
	uint64_t id = 0;
	int *nfds, *nev;
	uint64_t *nids;

	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return -errno;
	nfds = realloc(p->fds, (p->nfds + 1) * sizeof(*nfds));
	if (nfds)
		p->fds = nfds;
	nids = realloc(p->ids, (p->nfds + 1) * sizeof(*nids));
	if (nids)
		p->ids = nids;
	nev = realloc(p->id_event, (p->nfds + 1) * sizeof(*nev));
	if (nev)
		p->id_event = nev;
	if (!nfds || !nids || !nev)
		return -ENOMEM;
	p->fds[p->nfds] = fd;
	p->ids[p->nfds] = id;
	p->id_event[p->nfds] = event;
	p->nfds++;
	return 0;
}

/*
 * Open one event on one CPU for one thread (or all, tid -1). Newer attr bits are
 * dropped one by one on EINVAL from an older kernel, and remembered.
 */
static int open_one(struct ks_perf *p, const struct ks_perf_opts *o, int e, int cpu, int tid,
		    bool first, struct ks_err *err)
{
	struct perf_event_attr a;
	int fd;

	for (;;) {
		fill_attr(&a, o, &o->events[e], p->event_sample_type[e], first);
		a.build_id = first && p->build_id;
		if (p->clockid) {
			a.use_clockid = 1;
			a.clockid = CLOCK_MONOTONIC;
		}
		if (p->user_only) {
			a.exclude_kernel = 1;
			a.exclude_callchain_kernel = 1;
		}
		fd = perf_event_open(&a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if ((fd == -EACCES || fd == -EPERM) && o->allow_user_only && tid > 0 &&
		    !p->user_only && !a.exclude_kernel) {
			p->user_only = true;
			continue;
		}
		if (fd != -EINVAL)
			break;
		if (a.build_id)
			p->build_id = false;
		else if (a.use_clockid)
			p->clockid = false;
		else
			break;
	}
	if (fd < 0)
		return open_error(&o->events[e], cpu, tid, fd, err);
	return fd;
}

static int open_cpu(struct ks_perf *p, const struct ks_perf_opts *o, struct perf_ring *r,
		    struct ks_err *err)
{
	int e, t, fd, ret, ntids = o->ntids ? o->ntids : 1;

	for (e = 0; e < o->nevents; e++) {
		for (t = 0; t < ntids; t++) {
			/* Side-band records (mmap, comm, task, switches) once per thread. */
			fd = open_one(p, o, e, r->cpu, o->ntids ? o->tids[t] : -1, e == 0, err);
			if (fd < 0)
				return fd;
			ret = add_fd(p, fd, e);
			if (ret) {
				close(fd);
				return ks_err_set(err, ret, "perf event id: %s", strerror(-ret));
			}
			if (r->fd < 0) {
				r->fd = fd;
				ret = map_ring(p, r, o->mmap_pages);
				if (ret)
					return ks_err_set(err, ret, "cannot map a %u-page perf ring on "
							  "CPU %d: %s (lower --mmap-pages or raise "
							  "perf_event_mlock_kb)", o->mmap_pages,
							  r->cpu, strerror(-ret));
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				return ks_err_set(err, -errno, "cannot share the perf ring on CPU "
						  "%d: %s", r->cpu, strerror(errno));
			}
		}
	}
	return 0;
}

int ks_perf_open(struct ks_perf **out, const struct ks_perf_opts *o, struct ks_err *err)
{
	struct ks_perf *p;
	int i, ret;

	*out = NULL;
	if (!o->nevents || !o->ncpus || !o->mmap_pages || (o->mmap_pages & (o->mmap_pages - 1)))
		return ks_err_set(err, -EINVAL, "perf: bad options (events, CPUs, pages)");
	p = calloc(1, sizeof(*p));
	if (!p)
		return ks_err_set(err, -ENOMEM, "out of memory");
	p->page_size = (size_t)sysconf(_SC_PAGESIZE);
	p->build_id = o->build_id;
	p->clockid = o->use_clockid;
	p->regs_mask = o->callgraph == KS_PERF_CG_DWARF ? o->regs_mask : 0;
	p->nevents = o->nevents;
	p->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	if (o->callgraph != KS_PERF_CG_NONE)
		p->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (o->callgraph == KS_PERF_CG_DWARF)
		p->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	p->event_sample_type = calloc(o->nevents, sizeof(*p->event_sample_type));
	p->rings = calloc(o->ncpus, sizeof(*p->rings));
	if (!p->event_sample_type || !p->rings) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out_close;
	}
	for (i = 0; i < o->nevents; i++)
		p->event_sample_type[i] = p->sample_type |
					  (o->events[i].tracepoint ? PERF_SAMPLE_RAW : 0);
	for (i = 0; i < o->ncpus; i++) {
		struct perf_ring *r = &p->rings[p->nrings++];

		r->cpu = o->cpus[i];
		r->fd = -1;
		ret = open_cpu(p, o, r, err);
		if (ret)
			goto out_close;
	}
	*out = p;
	return 0;

out_close:
	ks_perf_close(p);
	return ret;
}

static int ioctl_all(struct ks_perf *p, unsigned long req)
{
	int i, ret = 0;

	for (i = 0; i < p->nfds; i++)
		if (ioctl(p->fds[i], req, 0) < 0 && !ret)
			ret = -errno;
	return ret;
}

int ks_perf_enable(struct ks_perf *p)
{
	return ioctl_all(p, PERF_EVENT_IOC_ENABLE);
}

int ks_perf_disable(struct ks_perf *p)
{
	return ioctl_all(p, PERF_EVENT_IOC_DISABLE);
}

bool ks_perf_has_build_id(const struct ks_perf *p)
{
	return p->build_id;
}

bool ks_perf_uses_clockid(const struct ks_perf *p)
{
	return p->clockid;
}

bool ks_perf_user_only(const struct ks_perf *p)
{
	return p->user_only;
}

uint64_t ks_perf_sample_type(const struct ks_perf *p)
{
	return p->sample_type;
}

uint64_t ks_perf_event_sample_type(const struct ks_perf *p, int event)
{
	return p->event_sample_type[event];
}

uint64_t ks_perf_regs_mask(const struct ks_perf *p)
{
	return p->regs_mask;
}

int ks_perf_event_index(const struct ks_perf *p, uint64_t id)
{
	int i;

	for (i = 0; i < p->nfds; i++)
		if (p->ids[i] == id)
			return p->id_event[i];
	return -1;
}

int ks_perf_nrings(const struct ks_perf *p)
{
	return p->nrings;
}

int ks_perf_ring_fd(const struct ks_perf *p, int ring)
{
	return p->rings[ring].fd;
}

int ks_perf_ring_cpu(const struct ks_perf *p, int ring)
{
	return p->rings[ring].cpu;
}

static int64_t read_ring(struct perf_ring *r, ks_perf_record_cb cb, void *arg)
{
	struct perf_event_mmap_page *meta = r->base;
	/* data_offset is 0 before Linux 4.1: the data then starts on the next page. */
	const char *data = (const char *)r->base +
			   (meta->data_offset ? meta->data_offset : (uint64_t)sysconf(_SC_PAGESIZE));
	uint64_t head, tail, start;
	int ret = 0;

	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	start = tail;
	while (tail < head) {
		const struct perf_event_header *h;
		size_t off = tail % r->data_size, size;

		h = (const void *)(data + off);
		if (off + sizeof(*h) > r->data_size) {
			/* Even the header wraps. */
			size_t first = r->data_size - off;

			memcpy(r->copy, data + off, first);
			memcpy(r->copy + first, data, sizeof(*h) - first);
			h = (const void *)r->copy;
		}
		size = h->size;
		if (size < sizeof(*h) || tail + size > head)
			break;			/* cannot happen with a sane kernel; do not spin */
		if (off + size > r->data_size) {
			size_t first = r->data_size - off;

			memcpy(r->copy, data + off, first);
			memcpy(r->copy + first, data, size - first);
			h = (const void *)r->copy;
		}
		ret = cb(arg, r->cpu, h);
		tail += size;
		if (ret)
			break;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret ? ret : (int64_t)(tail - start);
}

int64_t ks_perf_read(struct ks_perf *p, ks_perf_record_cb cb, void *arg)
{
	int64_t total = 0, n;
	int i;

	for (i = 0; i < p->nrings; i++) {
		if (!p->rings[i].base)
			continue;
		n = read_ring(&p->rings[i], cb, arg);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void ks_perf_close(struct ks_perf *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nrings; i++) {
		if (p->rings[i].base)
			munmap(p->rings[i].base, p->rings[i].data_size + p->page_size);
		free(p->rings[i].copy);
	}
	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	free(p->fds);
	free(p->ids);
	free(p->id_event);
	free(p->rings);
	free(p->event_sample_type);
	free(p);
}

/* A bounded reader over a record's bytes. */
struct cursor {
	const char *p, *end;
};

static int take(struct cursor *c, void *dst, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -EINVAL;
	if (dst)
		memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

static int take_u64(struct cursor *c, uint64_t *v)
{
	return take(c, v, 8);
}

int ks_perf_parse_sample(const struct perf_event_header *h, uint64_t st, uint64_t regs_mask,
			 struct ks_perf_sample *s)
{
	struct cursor c = { (const char *)(h + 1), (const char *)h + h->size };
	uint32_t pair[2];
	uint64_t n;

	memset(s, 0, sizeof(*s));
	if (h->size < sizeof(*h))
		return -EINVAL;
	if ((st & PERF_SAMPLE_IDENTIFIER) && take_u64(&c, &s->id))
		return -EINVAL;
	if ((st & PERF_SAMPLE_IP) && take_u64(&c, &s->ip))
		return -EINVAL;
	if (st & PERF_SAMPLE_TID) {
		if (take(&c, pair, 8))
			return -EINVAL;
		s->pid = pair[0];
		s->tid = pair[1];
	}
	if ((st & PERF_SAMPLE_TIME) && take_u64(&c, &s->time))
		return -EINVAL;
	if ((st & PERF_SAMPLE_ADDR) && take(&c, NULL, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_ID) && take_u64(&c, &s->id))
		return -EINVAL;
	if ((st & PERF_SAMPLE_STREAM_ID) && take(&c, NULL, 8))
		return -EINVAL;
	if (st & PERF_SAMPLE_CPU) {
		if (take(&c, pair, 8))
			return -EINVAL;
		s->cpu = pair[0];
	}
	if ((st & PERF_SAMPLE_PERIOD) && take_u64(&c, &s->period))
		return -EINVAL;
	if (st & PERF_SAMPLE_READ)
		return -EINVAL;			/* never asked for */
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (take_u64(&c, &s->nr) || s->nr > (uint64_t)(c.end - c.p) / 8)
			return -EINVAL;
		s->ips = (const uint64_t *)c.p;
		c.p += s->nr * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		if (take(&c, &s->raw_size, 4) || s->raw_size > (uint64_t)(c.end - c.p))
			return -EINVAL;
		s->raw = c.p;
		/* The u32 size and the data together are padded to 8 bytes. */
		c.p += (s->raw_size + 4 + 7) / 8 * 8 - 4;
		if (c.p > c.end)
			return -EINVAL;
	}
	if (st & PERF_SAMPLE_BRANCH_STACK)
		return -EINVAL;			/* never asked for */
	if (st & PERF_SAMPLE_REGS_USER) {
		if (take_u64(&c, &s->regs_abi))
			return -EINVAL;
		if (s->regs_abi) {
			n = (uint64_t)__builtin_popcountll(regs_mask);
			if (n > (uint64_t)(c.end - c.p) / 8)
				return -EINVAL;
			s->regs = (const uint64_t *)c.p;
			c.p += n * 8;
		}
	}
	if (st & PERF_SAMPLE_STACK_USER) {
		if (take_u64(&c, &n) || n > (uint64_t)(c.end - c.p))
			return -EINVAL;
		if (n) {
			s->stack = c.p;
			c.p += n;
			if (take_u64(&c, &s->stack_size))
				return -EINVAL;
			if (s->stack_size > n)
				s->stack_size = n;
		}
	}
	return 0;
}

int ks_perf_parse_sample_id(const struct perf_event_header *h, uint64_t st,
			    struct ks_perf_sample_id *sid)
{
	const char *end = (const char *)h + h->size, *p;
	size_t len = 0;
	uint32_t pair[2];

	memset(sid, 0, sizeof(*sid));
	/* The trailer's fields, in order, end the record: walk it from its start. */
	len += (st & PERF_SAMPLE_TID) ? 8 : 0;
	len += (st & PERF_SAMPLE_TIME) ? 8 : 0;
	len += (st & PERF_SAMPLE_ID) ? 8 : 0;
	len += (st & PERF_SAMPLE_STREAM_ID) ? 8 : 0;
	len += (st & PERF_SAMPLE_CPU) ? 8 : 0;
	len += (st & PERF_SAMPLE_IDENTIFIER) ? 8 : 0;
	if (h->size < sizeof(*h) + len)
		return -EINVAL;
	p = end - len;
	if (st & PERF_SAMPLE_TID) {
		memcpy(pair, p, 8);
		sid->pid = pair[0];
		sid->tid = pair[1];
		p += 8;
	}
	if (st & PERF_SAMPLE_TIME) {
		memcpy(&sid->time, p, 8);
		p += 8;
	}
	if (st & PERF_SAMPLE_ID) {
		memcpy(&sid->id, p, 8);
		p += 8;
	}
	if (st & PERF_SAMPLE_STREAM_ID)
		p += 8;
	if (st & PERF_SAMPLE_CPU) {
		memcpy(pair, p, 8);
		sid->cpu = pair[0];
		p += 8;
	}
	if (st & PERF_SAMPLE_IDENTIFIER)
		memcpy(&sid->id, p, 8);
	return 0;
}
