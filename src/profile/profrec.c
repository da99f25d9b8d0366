// SPDX-License-Identifier: GPL-2.0-only
/*
 * Profile recording: perf records are turned into kscope:* trace events as they
 * are read and appended to an unnamed spool file, with a small index entry each.
 * At the end the index is sorted by (CPU, time) and every CPU's events are encoded
 * into ring-buffer pages exactly as the kernel lays them out (header_page and
 * header_event), which trace.dat readers then decode like kernel events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kscope/kernel/perf.h"
#include "kscope/symbols/buildid.h"
#include "kscope/profile/profrec.h"
#include "kscope/tracedat/tracedat.h"

#define SPOOL_FLUSH	(1u << 20)

#define COMMON_FIELDS \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

#define STR(x) #x
#define XSTR(x) STR(x)

/*
 * The fields each event has after the common ones; readers find them by name.
 * common_pid is the thread, "pid" the process, as in the kernel's own events.
 */
static const char *const prof_formats[] = {
	"name: sample\nID: " XSTR(65000) "\nformat:\n" COMMON_FIELDS
	"\tfield:int pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int event;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 period;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int nr;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned short abi;\toffset:36;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned short misc;\toffset:38;\tsize:2;\tsigned:0;\n"
	"\tfield:__data_loc u64[] callchain;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc u64[] regs;\toffset:44;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] stack;\toffset:48;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] raw;\toffset:52;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"pid=%d event=%u ip=0x%llx period=%llu frames=%u\", REC->pid, "
	"REC->event, REC->ip, REC->period, REC->nr\n",

	"name: mmap\nID: " XSTR(65001) "\nformat:\n" COMMON_FIELDS
	"\tfield:int pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int prot;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 start;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 len;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 pgoff;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ino;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int maj;\toffset:48;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned int min;\toffset:52;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] build_id;\toffset:56;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] filename;\toffset:60;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"pid=%d start=0x%llx len=0x%llx pgoff=0x%llx %s\", REC->pid, "
	"REC->start, REC->len, REC->pgoff, __get_str(filename)\n",

	"name: comm\nID: " XSTR(65002) "\nformat:\n" COMMON_FIELDS
	"\tfield:int pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int exec;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] comm;\toffset:16;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"pid=%d exec=%u comm=%s\", REC->pid, REC->exec, __get_str(comm)\n",

	"name: task\nID: " XSTR(65003) "\nformat:\n" COMMON_FIELDS
	"\tfield:int pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int ppid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:int ptid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int exit;\toffset:20;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"pid=%d ppid=%d ptid=%d exit=%u\", REC->pid, REC->ppid, REC->ptid, "
	"REC->exit\n",

	"name: lost\nID: " XSTR(65004) "\nformat:\n" COMMON_FIELDS
	"\tfield:u64 lost;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int kind;\toffset:16;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"lost=%llu kind=%u\", REC->lost, REC->kind\n",

	"name: switch\nID: " XSTR(65005) "\nformat:\n" COMMON_FIELDS
	"\tfield:int pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int out;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned int preempt;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:int other_tid;\toffset:20;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"pid=%d out=%u preempt=%u other_tid=%d\", REC->pid, REC->out, "
	"REC->preempt, REC->other_tid\n",
};

_Static_assert(KS_ARRAY_SIZE(prof_formats) == KS_PROF_ID_END - KS_PROF_ID_SAMPLE,
	       "one format per kscope event id");

/* Where each event's dynamic data starts (the fixed part's size). */
enum { SAMPLE_FIXED = 56, MMAP_FIXED = 64, COMM_FIXED = 20, TASK_FIXED = 24, LOST_FIXED = 24,
       SWITCH_FIXED = 24 };

struct spool_ent {
	uint64_t ts;
	uint64_t off;
	uint32_t len;
	uint32_t cpu;
	uint64_t seq;
};

struct comm_ent {
	int tid;
	uint32_t seq;
	char comm[16];
};

struct build_id_cache_ent {
	char *path;
	uint64_t dev, ino;
	uint8_t id[KS_BUILD_ID_MAX];
	uint8_t len;
};

struct ks_profrec {
	struct ks_perf *perf;
	int spool_fd;
	uint64_t spool_len;		/* bytes in the file */
	struct ks_buf pending;		/* bytes not yet written to it */
	struct spool_ent *ents;
	size_t nents, ents_cap;
	int page_size;
	size_t max_payload;
	struct ks_buf ev;		/* the event being built */
	struct build_id_cache_ent *bids;
	size_t nbids;
	struct ks_profrec_stats st;
	struct comm_ent *comms;		/* every comm seen, for saved_cmdlines */
	size_t ncomms, comms_cap;
	int spool_err;
	char *spool_dir;
};

const char *const *ks_profrec_formats(int *n)
{
	*n = (int)KS_ARRAY_SIZE(prof_formats);
	return prof_formats;
}

int ks_profrec_new(struct ks_profrec **out, struct ks_perf *perf, const char *spool_dir,
		   int page_size, struct ks_err *err)
{
	struct ks_profrec *r;
	int fd;

	*out = NULL;
	fd = ks_spool_open(spool_dir);
	if (fd < 0)
		return ks_err_set(err, fd, "cannot create a spool file in %s: %s", spool_dir,
				  strerror(-fd));
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return ks_err_set(err, -ENOMEM, "out of memory");
	}
	r->perf = perf;
	r->spool_fd = fd;
	r->spool_dir = strdup(spool_dir);
	r->page_size = page_size;
	/* A page holds its header (u64 time, long commit) and one event header + length. */
	r->max_payload = (size_t)page_size - 16 - 8;
	*out = r;
	return 0;
}

void ks_profrec_free(struct ks_profrec *r)
{
	size_t i;

	if (!r)
		return;
	if (r->spool_fd >= 0)
		close(r->spool_fd);
	free(r->spool_dir);
	ks_buf_free(&r->pending);
	ks_buf_free(&r->ev);
	for (i = 0; i < r->nbids; i++)
		free(r->bids[i].path);
	free(r->bids);
	free(r->comms);
	free(r->ents);
	free(r);
}

const struct ks_profrec_stats *ks_profrec_stats(const struct ks_profrec *r)
{
	return &r->st;
}

uint64_t ks_profrec_now(const char *clock)
{
	struct timespec ts;

	if (strcmp(clock, "mono") || clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- building one event --- */

static void ev_start(struct ks_profrec *r, uint16_t id, int tid, size_t fixed)
{
	uint8_t zero[64] = { 0 };

	r->ev.len = 0;
	ks_buf_add(&r->ev, zero, fixed);
	if (r->ev.data) {
		memcpy(r->ev.data, &id, 2);
		memcpy(r->ev.data + 4, &tid, 4);
	}
}

static void ev_put(struct ks_profrec *r, size_t off, const void *v, size_t n)
{
	if (r->ev.data && off + n <= r->ev.len)
		memcpy(r->ev.data + off, v, n);
}

static void ev_put_u32(struct ks_profrec *r, size_t off, uint32_t v)
{
	ev_put(r, off, &v, 4);
}

static void ev_put_u64(struct ks_profrec *r, size_t off, uint64_t v)
{
	ev_put(r, off, &v, 8);
}

/* Append dynamic data and point the __data_loc field at @loc_off to it. */
static void ev_dyn(struct ks_profrec *r, size_t loc_off, const void *data, size_t n)
{
	uint32_t loc;

	if (n > 0xffff)
		n = 0xffff;
	loc = (uint32_t)(n << 16) | (uint32_t)r->ev.len;
	ev_put_u32(r, loc_off, loc);
	if (n)
		ks_buf_add(&r->ev, data, n);
}

static int spool_flush(struct ks_profrec *r)
{
	int ret;

	if (!r->pending.len)
		return 0;
	ret = ks_pwrite_all(r->spool_fd, r->pending.data, r->pending.len, r->spool_len);
	if (ret)
		return ret;
	r->spool_len += r->pending.len;
	r->pending.len = 0;
	return 0;
}

/* Keep the event built in r->ev, stamped @ts, for @cpu. */
static int ev_commit(struct ks_profrec *r, uint64_t ts, int cpu)
{
	struct spool_ent *e;
	size_t len = (r->ev.len + 3) & ~(size_t)3;
	static const char pad[4];

	if (!r->ev.data || r->spool_err)
		return r->spool_err ?: -ENOMEM;
	if (len > r->max_payload)
		return 0;			/* cannot happen for samples (cut to fit) */
	if (r->nents == r->ents_cap) {
		size_t cap = r->ents_cap ? r->ents_cap * 2 : 4096;

		e = realloc(r->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->ents = e;
		r->ents_cap = cap;
	}
	e = &r->ents[r->nents];
	e->ts = ts;
	e->off = r->spool_len + r->pending.len;
	e->len = (uint32_t)len;
	e->cpu = (uint32_t)cpu;
	e->seq = r->nents;
	if (ks_buf_add(&r->pending, r->ev.data, r->ev.len) ||
	    ks_buf_add(&r->pending, pad, len - r->ev.len))
		return -ENOMEM;
	r->nents++;
	r->st.records++;
	if (r->pending.len >= SPOOL_FLUSH) {
		r->spool_err = spool_flush(r);
		return r->spool_err;
	}
	return 0;
}

/* --- build-ids --- */

/* The build-id of a mapped file, read once per file. 0 if it has none. */
static int cached_build_id(struct ks_profrec *r, const char *path, const uint8_t **id)
{
	struct build_id_cache_ent *e;
	struct stat st;
	size_t i;

	if (path[0] != '/' || stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	for (i = 0; i < r->nbids; i++) {
		e = &r->bids[i];
		if (e->dev == st.st_dev && e->ino == st.st_ino && !strcmp(e->path, path)) {
			*id = e->id;
			return e->len;
		}
	}
	e = realloc(r->bids, (r->nbids + 1) * sizeof(*e));
	if (!e)
		return 0;
	r->bids = e;
	e = &r->bids[r->nbids];
	e->path = strdup(path);
	if (!e->path)
		return 0;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->len = (uint8_t)ks_buildid_path(path, e->id, sizeof(e->id));
	r->nbids++;
	*id = e->id;
	return e->len;
}

/* --- perf records to events --- */

static int add_mmap(struct ks_profrec *r, int pid, int tid, uint64_t start, uint64_t len,
		    uint64_t pgoff, uint32_t maj, uint32_t min, uint64_t ino, uint32_t prot,
		    const uint8_t *bid, int bid_len, const char *file, uint64_t ts, int cpu)
{
	if (!bid_len)
		bid_len = cached_build_id(r, file, &bid);
	ev_start(r, KS_PROF_ID_MMAP, tid, MMAP_FIXED);
	ev_put_u32(r, 8, (uint32_t)pid);
	ev_put_u32(r, 12, prot);
	ev_put_u64(r, 16, start);
	ev_put_u64(r, 24, len);
	ev_put_u64(r, 32, pgoff);
	ev_put_u64(r, 40, ino);
	ev_put_u32(r, 48, maj);
	ev_put_u32(r, 52, min);
	ev_dyn(r, 56, bid, bid_len);
	ev_dyn(r, 60, file, strlen(file) + 1);
	return ev_commit(r, ts, cpu);
}

static int add_comm(struct ks_profrec *r, int pid, int tid, bool exec, const char *comm,
		    uint64_t ts, int cpu)
{
	if (r->ncomms == r->comms_cap) {
		size_t cap = r->comms_cap ? r->comms_cap * 2 : 256;
		struct comm_ent *nc = realloc(r->comms, cap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		r->comms = nc;
		r->comms_cap = cap;
	}
	r->comms[r->ncomms].tid = tid;
	r->comms[r->ncomms].seq = (uint32_t)r->ncomms;
	snprintf(r->comms[r->ncomms].comm, sizeof(r->comms[0].comm), "%s", comm);
	r->ncomms++;
	ev_start(r, KS_PROF_ID_COMM, tid, COMM_FIXED);
	ev_put_u32(r, 8, (uint32_t)pid);
	ev_put_u32(r, 12, exec);
	ev_dyn(r, 16, comm, strlen(comm) + 1);
	return ev_commit(r, ts, cpu);
}

static int conv_sample(struct ks_profrec *r, const struct perf_event_header *h)
{
	struct ks_perf_sample s;
	uint64_t id;
	size_t fixed_dyn, room, stack;
	uint16_t abi;
	int ev, ret;

	if (h->size < sizeof(*h) + 8)
		return 0;
	memcpy(&id, h + 1, 8);
	ev = ks_perf_event_index(r->perf, id);
	if (ev < 0)
		return 0;
	ret = ks_perf_parse_sample(h, ks_perf_event_sample_type(r->perf, ev),
				   ks_perf_regs_mask(r->perf), &s);
	if (ret)
		return 0;			/* a malformed record: skip it, never trust it */
	abi = (uint16_t)s.regs_abi;
	ev_start(r, KS_PROF_ID_SAMPLE, (int)s.tid, SAMPLE_FIXED);
	ev_put_u32(r, 8, s.pid);
	ev_put_u32(r, 12, (uint32_t)ev);
	ev_put_u64(r, 16, s.ip);
	ev_put_u64(r, 24, s.period);
	if (s.nr > 0xffff / 8)
		s.nr = 0xffff / 8;
	ev_put_u32(r, 32, (uint32_t)s.nr);
	ev_put(r, 36, &abi, 2);
	ev_put(r, 38, &h->misc, 2);
	ev_dyn(r, 40, s.ips, s.nr * 8);
	ev_dyn(r, 44, s.regs, s.regs ? __builtin_popcountll(ks_perf_regs_mask(r->perf)) * 8 : 0);
	/* The stack copy goes last and is what gives way when a page would overflow. */
	fixed_dyn = r->ev.len + ((s.raw_size + 3) & ~3u) + 4;
	room = r->max_payload > fixed_dyn ? r->max_payload - fixed_dyn : 0;
	stack = s.stack_size < room ? s.stack_size : room & ~(size_t)7;
	if (stack < s.stack_size)
		r->st.truncated++;
	ev_dyn(r, 48, s.stack, stack);
	ev_dyn(r, 52, s.raw, s.raw_size);
	r->st.samples++;
	return ev_commit(r, s.time, (int)s.cpu);
}

int ks_profrec_add(void *arg, int cpu, const struct perf_event_header *h)
{
	struct ks_profrec *r = arg;
	uint64_t st = ks_perf_sample_type(r->perf);
	struct ks_perf_sample_id sid;
	const char *p = (const char *)(h + 1);
	size_t body = h->size - sizeof(*h);
	uint32_t u32[4];
	uint64_t u64[4];

	r->st.bytes += h->size;
	if (h->type == PERF_RECORD_SAMPLE)
		return conv_sample(r, h);
	if (ks_perf_parse_sample_id(h, st, &sid))
		return 0;
	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		/* pid tid addr len pgoff {maj min ino ino_gen | bid_size .. build_id} prot flags file */
		const uint8_t *bid = NULL;
		const char *file;
		size_t flen;
		uint32_t maj = 0, min = 0, prot;
		uint64_t ino = 0;
		int bid_len = 0;

		if (body < 8 + 24 + 24 + 8 + 1)
			return 0;
		memcpy(u32, p, 8);
		memcpy(u64, p + 8, 24);
		if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			bid_len = (uint8_t)p[32];
			bid_len = bid_len > KS_BUILD_ID_MAX ? 0 : bid_len;
			bid = (const uint8_t *)p + 36;
		} else {
			memcpy(&maj, p + 32, 4);
			memcpy(&min, p + 36, 4);
			memcpy(&ino, p + 40, 8);
		}
		memcpy(&prot, p + 56, 4);
		file = p + 64;
		flen = strnlen(file, body - 64);
		if (flen == body - 64)
			return 0;
		return add_mmap(r, (int)u32[0], (int)u32[1], u64[0], u64[1], u64[2], maj, min,
				ino, prot, bid, bid_len, file, sid.time, cpu);
	}
	case PERF_RECORD_COMM: {
		const char *comm = p + 8;

		if (body < 9 || strnlen(comm, body - 8) == body - 8)
			return 0;
		memcpy(u32, p, 8);
		return add_comm(r, (int)u32[0], (int)u32[1], h->misc & PERF_RECORD_MISC_COMM_EXEC,
				comm, sid.time, cpu);
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (body < 24)
			return 0;
		memcpy(u32, p, 16);
		memcpy(u64, p + 16, 8);
		ev_start(r, KS_PROF_ID_TASK, (int)u32[2], TASK_FIXED);
		ev_put_u32(r, 8, u32[0]);
		ev_put_u32(r, 12, u32[1]);
		ev_put_u32(r, 16, u32[3]);
		ev_put_u32(r, 20, h->type == PERF_RECORD_EXIT);
		return ev_commit(r, u64[0], cpu);
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
	case PERF_RECORD_THROTTLE:
		if (body < 8)
			return 0;
		memcpy(u64, p, 8);
		if (h->type == PERF_RECORD_LOST) {
			if (body < 16)
				return 0;
			memcpy(u64, p + 8, 8);
			r->st.lost += u64[0];
		} else if (h->type == PERF_RECORD_LOST_SAMPLES) {
			r->st.lost_samples += u64[0];
		} else {
			u64[0] = 1;
			r->st.throttled++;
		}
		ev_start(r, KS_PROF_ID_LOST, (int)sid.tid, LOST_FIXED);
		ev_put_u64(r, 8, u64[0]);
		ev_put_u32(r, 16, h->type == PERF_RECORD_LOST ? 0 :
			   h->type == PERF_RECORD_LOST_SAMPLES ? 1 : 2);
		return ev_commit(r, sid.time, cpu);
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		u32[1] = 0;
		if (h->type == PERF_RECORD_SWITCH_CPU_WIDE && body >= 8)
			memcpy(u32, p, 8);
		ev_start(r, KS_PROF_ID_SWITCH, (int)sid.tid, SWITCH_FIXED);
		ev_put_u32(r, 8, sid.pid);
		ev_put_u32(r, 12, !!(h->misc & PERF_RECORD_MISC_SWITCH_OUT));
		ev_put_u32(r, 16, !!(h->misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT));
		ev_put_u32(r, 20, u32[1]);
		return ev_commit(r, sid.time, cpu);
	default:
		return 0;
	}
}

/* --- what already runs --- */

static int synth_maps(struct ks_profrec *r, int pid, uint64_t ts, int cpu)
{
	char path[64], *text, *line, *next;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	ret = ks_read_file(path, &text, NULL);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	for (line = text; line && *line; line = next) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;
		char perms[8];
		int n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj,
			   &min, &ino, &n) < 7 || !n || perms[2] != 'x')
			continue;
		if (line[n] != '/' && strcmp(line + n, "[vdso]"))
			continue;
		ret = add_mmap(r, pid, pid, start, end - start, off, maj, min, ino,
			       (perms[0] == 'r' ? 1 : 0) | (perms[1] == 'w' ? 2 : 0) | 4, NULL, 0,
			       line + n, ts, cpu);
		if (ret)
			break;
	}
	free(text);
	return ret;
}

int ks_profrec_synth_proc(struct ks_profrec *r, int pid, uint64_t ts, int cpu)
{
	char path[64], *comm;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;			/* gone meanwhile */
	while (!ret && (de = readdir(d))) {
		char cpath[128];
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%d/comm", pid, tid);
		if (ks_read_file(cpath, &comm, NULL))
			continue;
		ret = add_comm(r, pid, tid, false, ks_strip(comm), ts, cpu);
		free(comm);
	}
	closedir(d);
	if (!ret)
		ret = synth_maps(r, pid, ts, cpu);
	/* Gone meanwhile, or hidden from us (another namespace, hidepid): not an error. */
	return ret == -ESRCH || ret == -ENOENT || ret == -EACCES || ret == -EPERM ? 0 : ret;
}

int ks_profrec_synth_all(struct ks_profrec *r, uint64_t ts, int cpu)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int ret = 0;

	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid > 0)
			ret = ks_profrec_synth_proc(r, pid, ts, cpu);
	}
	closedir(d);
	return ret;
}

/* --- pages --- */

struct page_enc {
	uint8_t *page;
	size_t size, hdr, used;		/* used: bytes of events after the header */
	uint64_t page_ts, last_ts;
	int fd;
	uint64_t written;
	int long_size;
};

static int page_flush(struct page_enc *pe)
{
	uint64_t commit = pe->used;
	int ret;

	if (!pe->used)
		return 0;
	memcpy(pe->page, &pe->page_ts, 8);
	if (pe->long_size == 4) {
		uint32_t c32 = (uint32_t)commit;

		memcpy(pe->page + 8, &c32, 4);
	} else {
		memcpy(pe->page + 8, &commit, 8);
	}
	ret = ks_pwrite_all(pe->fd, pe->page, pe->size, pe->written);
	if (ret)
		return ret;
	pe->written += pe->size;
	memset(pe->page, 0, pe->size);
	pe->used = 0;
	return 0;
}

/* One event: a 32-bit header (type_len 0, 27-bit delta), its length, the payload. */
static int page_add(struct page_enc *pe, uint64_t ts, const void *data, uint32_t len)
{
	size_t need = 8 + len, ext = 0;
	uint64_t delta;
	uint32_t w[2];
	int ret;

	if (pe->used && ts >= pe->last_ts && ts - pe->last_ts >= (1u << 27))
		ext = 8;
	if (pe->used && pe->hdr + pe->used + ext + need > pe->size) {
		ret = page_flush(pe);
		if (ret)
			return ret;
		ext = 0;
	}
	if (!pe->used) {
		pe->page_ts = ts;
		pe->last_ts = ts;
	}
	/* Records that arrived slightly out of order keep the previous time. */
	delta = ts > pe->last_ts ? ts - pe->last_ts : 0;
	if (ext) {
		w[0] = 30u | (uint32_t)((delta & ((1u << 27) - 1)) << 5);
		w[1] = (uint32_t)(delta >> 27);
		memcpy(pe->page + pe->hdr + pe->used, w, 8);
		pe->used += 8;
		delta = 0;
	}
	w[0] = (uint32_t)(delta << 5);
	w[1] = len + 4;
	memcpy(pe->page + pe->hdr + pe->used, w, 8);
	memcpy(pe->page + pe->hdr + pe->used + 8, data, len);
	pe->used += need;
	if (ts > pe->last_ts)
		pe->last_ts = ts;
	return 0;
}

/* By tid, the latest name first. */
static int comm_cmp(const void *a, const void *b)
{
	const struct comm_ent *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* The last name of every thread, as saved_cmdlines lines, so trace-cmd shows them. */
static int add_comms(struct ks_profrec *r, struct ks_tdat_writer *w)
{
	struct ks_buf b = { 0 };
	size_t i;
	int ret = 0;

	qsort(r->comms, r->ncomms, sizeof(*r->comms), comm_cmp);
	for (i = 0; !ret && i < r->ncomms; i++)
		if (!i || r->comms[i].tid != r->comms[i - 1].tid)
			ret = ks_buf_addf(&b, "%d %s\n", r->comms[i].tid, r->comms[i].comm);
	if (!ret && b.len)
		ret = ks_tdat_writer_add_cmdlines(w, b.data, b.len);
	ks_buf_free(&b);
	return ret;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct spool_ent *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

char *ks_profrec_meta_text(const struct ks_profrec_meta *m)
{
	struct ks_buf b = { 0 };
	int i;

	ks_buf_addf(&b, "kscope-profile=1\nmachine=%s\nclock=%s\nfreq=%llu\nperiod=%llu\n"
		    "callgraph=%s\nstack_size=%u\nregs_mask=0x%llx\ntarget=%s\nevents=%d\n",
		    m->machine, m->clock, (unsigned long long)m->freq,
		    (unsigned long long)m->period, ks_perf_callgraph_name(m->callgraph),
		    m->stack_size, (unsigned long long)m->regs_mask, m->target, m->nevents);
	for (i = 0; i < m->nevents; i++)
		ks_buf_addf(&b, "event%d=%s\nevent%d_clock=%d\nevent%d_offcpu=%d\n", i,
			    m->events[i].name, i, ks_perf_event_is_clock(&m->events[i]), i,
			    i == m->offcpu_event);
	ks_buf_addf(&b, "start_ns=%llu\nduration_ns=%llu\nstart_epoch_ns=%llu\n",
		    (unsigned long long)m->start_ns, (unsigned long long)m->duration_ns,
		    (unsigned long long)m->start_epoch_ns);
	if (m->cmd) {
		ks_buf_addf(&b, "command=");
		for (i = 0; m->cmd[i]; i++)
			ks_buf_addf(&b, "%s%s", i ? " " : "", m->cmd[i]);
		ks_buf_addf(&b, "\n");
	}
	return b.data;
}

int ks_profrec_write(struct ks_profrec *r, int fd, const char *tracefs,
		     const struct ks_evsel *events, const struct ks_profrec_meta *m,
		     int ncpus, struct ks_err *err)
{
	const char *clock = m->clock;
	char *meta = ks_profrec_meta_text(m);
	struct ks_tdat_synth synth = { .system = "kscope", .formats = prof_formats,
				       .n = (int)KS_ARRAY_SIZE(prof_formats) };
	struct ks_tdat_writer *w = NULL;
	struct ks_tdat_cpu_src *src = NULL;
	struct page_enc pe = { 0 };
	const uint8_t *spool = NULL;
	char clockopt[64];
	uint32_t ncpu32 = (uint32_t)ncpus;
	uint64_t kept;
	size_t i;
	int c, ret;

	if (!meta)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = spool_flush(r);
	if (ret)
		return ks_err_set(err, ret, "cannot write the spool: %s", strerror(-ret));
	if (r->spool_len) {
		spool = mmap(NULL, r->spool_len, PROT_READ, MAP_PRIVATE, r->spool_fd, 0);
		if (spool == MAP_FAILED)
			return ks_err_set(err, -errno, "cannot map the spool: %s", strerror(errno));
	}
	qsort(r->ents, r->nents, sizeof(*r->ents), ent_cmp);
	src = calloc(ncpus, sizeof(*src));
	pe.page = calloc(1, r->page_size);
	if (!src || !pe.page) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (c = 0; c < ncpus; c++)
		src[c].fd = -1;
	pe.size = r->page_size;
	pe.long_size = ks_tdat_kernel_long_size(tracefs);
	pe.hdr = 8 + pe.long_size;
	for (i = 0; i < r->nents; ) {
		c = (int)r->ents[i].cpu;
		if (c >= ncpus) {
			i++;
			continue;
		}
		pe.fd = ks_spool_open(r->spool_dir ? r->spool_dir : "/tmp");
		if (pe.fd < 0) {
			ret = ks_err_set(err, pe.fd, "cannot create a page spool: %s",
					 strerror(-pe.fd));
			goto out;
		}
		pe.written = 0;
		pe.used = 0;
		for (; i < r->nents && (int)r->ents[i].cpu == c; i++) {
			ret = page_add(&pe, r->ents[i].ts, spool + r->ents[i].off, r->ents[i].len);
			if (ret)
				break;
		}
		ret = ret ?: page_flush(&pe);
		src[c].fd = pe.fd;
		src[c].size = pe.written;
		if (ret) {
			ks_err_set(err, ret, "cannot write pages: %s", strerror(-ret));
			goto out;
		}
	}
	ret = ks_tdat_writer_new(&w, fd, tracefs, events, &synth, ncpus, r->page_size, err);
	if (ret)
		goto out;
	ret = add_comms(r, w);
	if (ret) {
		ks_err_set(err, ret, "out of memory");
		goto out;
	}
	snprintf(clockopt, sizeof(clockopt), "[%s]", clock);
	ks_tdat_writer_add_option(w, KS_TDAT_OPT_TRACECLOCK, clockopt, strlen(clockopt) + 1);
	ks_tdat_writer_add_option(w, KS_TDAT_OPT_KSCOPE_PROFILE, meta, strlen(meta) + 1);
	ks_tdat_writer_add_option(w, KS_TDAT_OPT_CPUCOUNT, &ncpu32, sizeof(ncpu32));
	ks_tdat_writer_add_uname(w);
	ret = ks_tdat_writer_finish(w, src, &kept, err);
out:
	free(meta);
	ks_tdat_writer_free(w);
	if (src)
		for (c = 0; c < ncpus; c++)
			if (src[c].fd >= 0)
				close(src[c].fd);
	free(src);
	free(pe.page);
	if (spool)
		munmap((void *)spool, r->spool_len);
	return ret;
}
