// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: DWARF unwinding of perf user-stack samples. The fixture (unwfix, built
 * next to this test without frame pointers) spins in main -> level1 -> level2 ->
 * level3; it is sampled here with perf_event_open (cpu-clock, REGS_USER + STACK_USER)
 * and every sample must unwind back to main. Function names come from the fixture's
 * .symtab read here with libelf, independently of the unwinder. Also: a signal frame,
 * separate debuginfo under a symfs, bad inputs, the address-space cache, speed, and
 * aarch64 CFI from a hand-made ELF (runs on any host; the sampling needs x86_64).
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kscope/profile/unwind.h"
#include "kscope/base/util.h"
#include "tap.h"

#define MAX_FRAMES	64
#define MAX_SAMPLES	400
#define MAX_MAPS	256
#define STACK_SIZE	8192
#define RING_PAGES	512

/* perf register numbers on x86_64 (bit positions in the mask) */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP, R_IP };

enum { F_MAIN, F_LEVEL1, F_LEVEL2, F_LEVEL3, F_HANDLER, F_HANDLER_SPIN, F_N };
static const char *const fn_names[F_N] = {
	"main", "level1", "level2", "level3", "unwfix_handler", "unwfix_handler_spin",
};

struct sample {
	uint64_t regs[64];
	uint8_t *stack;
	size_t stack_len;
};

struct fixture {
	char path[PATH_MAX + 64];
	pid_t pid;
	struct ks_unwind_map maps[MAX_MAPS];
	size_t nmaps;
	uint64_t lo[F_N], hi[F_N];	/* run-time address ranges of the functions */
	uint8_t build_id[64];
	size_t build_id_len;
	struct sample samples[MAX_SAMPLES];
	int nsamples;
	uint64_t mask;
	uint64_t signal_pc;		/* where SIGUSR1 interrupted level3 */
	char skip[PATH_MAX + 128];	/* why sampling could not be done */
	int broken;			/* a failure, not a reason to skip */
};

static char test_dir[PATH_MAX];

/* CPU time: speeds stay comparable on a busy machine. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Which fixture function @addr is in, -1 if none. */
static int fn_of(const struct fixture *fx, uint64_t addr)
{
	int i;

	for (i = 0; i < F_N; i++)
		if (addr >= fx->lo[i] && addr < fx->hi[i])
			return i;
	return -1;
}

/* Function of frame @i: callers' addresses are return addresses, look at the call. */
static int frame_fn(const struct fixture *fx, const uint64_t *ips, int i)
{
	return fn_of(fx, i ? ips[i] - 1 : ips[i]);
}

/* level3 <- level2 <- level1 <- main at the start of the chain. */
static int chain_ok(const struct fixture *fx, const uint64_t *ips, int n)
{
	return n >= 4 && frame_fn(fx, ips, 0) == F_LEVEL3 && frame_fn(fx, ips, 1) == F_LEVEL2 &&
	       frame_fn(fx, ips, 2) == F_LEVEL1 && frame_fn(fx, ips, 3) == F_MAIN;
}

static int read_maps(struct fixture *fx)
{
	char file[64], *text, *line, *save = NULL;
	size_t len;

	snprintf(file, sizeof(file), "/proc/%d/maps", (int)fx->pid);
	if (ks_read_file(file, &text, &len))
		return -1;
	for (line = strtok_r(text, "\n", &save); line && fx->nmaps < MAX_MAPS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ks_unwind_map *m = &fx->maps[fx->nmaps];
		unsigned long long start, end, off;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &pos) < 3)
			continue;
		m->start = start;
		m->end = end;
		m->pgoff = off;
		m->path = strdup(pos ? line + pos : "");
		fx->nmaps++;
	}
	free(text);
	return fx->nmaps ? 0 : -1;
}

/* The fixture's functions from its .symtab, moved by the load bias of its mapping. */
static int read_symbols(struct fixture *fx)
{
	uint64_t bias = 0, first_vaddr = UINT64_MAX;
	Elf_Scn *scn = NULL;
	GElf_Ehdr ehdr;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t i, phnum;
	const void *id;
	ssize_t idlen;
	int fd, found = 0;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(fx->path, O_RDONLY);
	elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || !gelf_getehdr(elf, &ehdr) || elf_getphdrnum(elf, &phnum))
		return -1;
	for (i = 0; i < phnum; i++)
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < first_vaddr)
			first_vaddr = ph.p_vaddr & ~0xfffull;
	if (ehdr.e_type == ET_DYN) {
		for (i = 0; i < fx->nmaps; i++)
			if (!strcmp(fx->maps[i].path, fx->path) && fx->maps[i].pgoff == 0)
				break;
		if (i == fx->nmaps)
			return -1;
		bias = fx->maps[i].start - first_vaddr;
	}
	idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (idlen > 0 && (size_t)idlen <= sizeof(fx->build_id)) {
		memcpy(fx->build_id, id, idlen);
		fx->build_id_len = idlen;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			int f;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			for (f = 0; name && f < F_N; f++) {
				if (!strcmp(name, fn_names[f])) {
					fx->lo[f] = bias + sym.st_value;
					fx->hi[f] = bias + sym.st_value + sym.st_size;
					found++;
				}
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found == F_N ? 0 : -1;
}

static void ring_copy(const uint8_t *data, uint64_t size, uint64_t pos, void *dst, size_t len)
{
	uint64_t off = pos % size, first = len < size - off ? len : size - off;

	memcpy(dst, data + off, first);
	memcpy((uint8_t *)dst + first, data, len - first);
}

/* PERF_RECORD_SAMPLE: ip, pid/tid, time, abi + regs, stack size + bytes + dyn_size. */
static void parse_sample(struct fixture *fx, const uint8_t *rec, size_t len)
{
	const uint8_t *p = rec + sizeof(struct perf_event_header), *end = rec + len;
	int nregs = __builtin_popcountll(fx->mask);
	struct sample *s = &fx->samples[fx->nsamples];
	uint64_t abi, size, dyn;

	p += 8 + 8 + 8;
	if (p + 8 > end)
		return;
	memcpy(&abi, p, 8);
	p += 8;
	if (abi != PERF_SAMPLE_REGS_ABI_64 || p + nregs * 8 + 8 > end)
		return;
	memcpy(s->regs, p, nregs * 8);
	p += nregs * 8;
	memcpy(&size, p, 8);
	p += 8;
	if (!size || p + size + 8 > end)
		return;
	memcpy(&dyn, p + size, 8);
	if (dyn > size)
		return;
	s->stack = malloc(dyn ? dyn : 1);
	memcpy(s->stack, p, dyn);
	s->stack_len = dyn;
	fx->nsamples++;
}

static void sample(struct fixture *fx, double secs)
{
	long page = sysconf(_SC_PAGESIZE);
	struct perf_event_attr attr;
	struct perf_event_mmap_page *pg;
	uint64_t head, tail, size = (uint64_t)RING_PAGES * page;
	uint8_t *base, *data, rec[65536];
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 1000000;
	attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			   PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	attr.sample_regs_user = fx->mask;
	attr.sample_stack_user = STACK_SIZE;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.disabled = 1;
	fd = syscall(__NR_perf_event_open, &attr, fx->pid, -1, -1, 0);
	if (fd < 0) {
		snprintf(fx->skip, sizeof(fx->skip), "perf_event_open: %s", strerror(errno));
		return;
	}
	base = mmap(NULL, (RING_PAGES + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		snprintf(fx->skip, sizeof(fx->skip), "perf mmap: %s", strerror(errno));
		close(fd);
		return;
	}
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	usleep(secs * 1e6);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);

	pg = (struct perf_event_mmap_page *)base;
	data = base + page;
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	while (tail < head && fx->nsamples < MAX_SAMPLES) {
		struct perf_event_header hdr;

		ring_copy(data, size, tail, &hdr, sizeof(hdr));
		if (hdr.size < sizeof(hdr))
			break;
		if (hdr.type == PERF_RECORD_SAMPLE) {	/* hdr.size fits rec[] */
			ring_copy(data, size, tail, rec, hdr.size);
			parse_sample(fx, rec, hdr.size);
		}
		tail += hdr.size;
	}
	munmap(base, (RING_PAGES + 1) * page);
	close(fd);
}

/* The interrupted pc the fixture's signal handler writes, as a hex line. */
static uint64_t read_signal_pc(int fd)
{
	char line[32];
	size_t n = 0;

	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	return strtoull(line, NULL, 16);
}

/*
 * Run the fixture @name, wait until it spins (in its signal handler if @sig), read
 * its maps and symbols, sample it.
 */
static struct fixture *fixture_run(const char *name, double secs, int sig)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char buf[16];
	int pipefd[2];

	snprintf(fx->path, sizeof(fx->path), "%s/%s", test_dir, name);
	fx->mask = ks_unwind_regs_mask("x86_64");
	if (access(fx->path, X_OK) || pipe(pipefd)) {
		snprintf(fx->skip, sizeof(fx->skip), "cannot run %s", fx->path);
		fx->broken = 1;
		return fx;
	}
	fx->pid = fork();
	if (fx->pid == 0) {
		dup2(pipefd[1], 1);
		execl(fx->path, fx->path, "30", sig ? "signal" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (fx->pid < 0 || read(pipefd[0], buf, 6) != 6) {
		snprintf(fx->skip, sizeof(fx->skip), "%s did not start", fx->path);
		fx->broken = 1;
		goto out_kill;
	}
	if (read_maps(fx) || read_symbols(fx)) {
		snprintf(fx->skip, sizeof(fx->skip), "cannot read the maps or symbols of %s",
			 fx->path);
		fx->broken = 1;
		goto out_kill;
	}
	usleep(20000);		/* well inside level3 */
	if (sig) {
		kill(fx->pid, SIGUSR1);
		fx->signal_pc = read_signal_pc(pipefd[0]);
		if (!fx->signal_pc) {
			snprintf(fx->skip, sizeof(fx->skip), "the signal handler did not run");
			fx->broken = 1;
			goto out_kill;
		}
	}
	sample(fx, secs);
	if (!fx->skip[0] && !fx->nsamples) {
		snprintf(fx->skip, sizeof(fx->skip), "no samples");
		fx->broken = 1;
	}
out_kill:
	close(pipefd[0]);
	if (fx->pid > 0) {
		kill(fx->pid, SIGKILL);
		waitpid(fx->pid, NULL, 0);
	}
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	size_t i;

	for (i = 0; i < fx->nmaps; i++)
		free((char *)fx->maps[i].path);
	for (i = 0; i < (size_t)fx->nsamples; i++)
		free(fx->samples[i].stack);
	free(fx);
}

static struct ks_unwind_input input_of(const struct fixture *fx, const struct sample *s,
				       uint64_t gen)
{
	struct ks_unwind_input in = {
		.machine = "x86_64",
		.pid = fx->pid,
		.maps_gen = gen,
		.maps = fx->maps,
		.nmaps = fx->nmaps,
		.regs_mask = fx->mask,
		.regs = s->regs,
		.stack = s->stack,
		.stack_len = s->stack_len,
	};
	return in;
}

/* How many samples unwind to level3 <- level2 <- level1 <- main. */
static int count_ok(struct ks_unwind *u, const struct fixture *fx, uint64_t gen, int *errors)
{
	uint64_t ips[MAX_FRAMES];
	int i, n, good = 0;

	*errors = 0;
	for (i = 0; i < fx->nsamples; i++) {
		struct ks_unwind_input in = input_of(fx, &fx->samples[i], gen);

		n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
		if (n < 1 || n > MAX_FRAMES)
			(*errors)++;
		else
			good += chain_ok(fx, ips, n);
	}
	return good;
}

static struct ks_unwind *unwinder(const char *symfs)
{
	struct ks_unwind *u;
	struct ks_err err;

	if (ks_unwind_new(&u, symfs, &err))
		abort();
	return u;
}

/* Index of perf register @reg in a sample's regs[]. */
static int reg_idx(uint64_t mask, int reg)
{
	return __builtin_popcountll(mask & ((1ull << reg) - 1));
}

/* What a frame-pointer walk finds: the rbp chain through the stack copy. */
static int fp_walk(const uint64_t *regs, uint64_t mask, const uint8_t *stack, size_t len,
		   uint64_t *ips, int max)
{
	uint64_t sp = regs[reg_idx(mask, R_SP)], fp = regs[reg_idx(mask, R_BP)], next, ret;
	int n = 0;

	ips[n++] = regs[reg_idx(mask, R_IP)];
	while (n < max && fp >= sp && fp - sp + 16 <= len) {
		memcpy(&next, stack + (fp - sp), 8);
		memcpy(&ret, stack + (fp - sp) + 8, 8);
		ips[n++] = ret;
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

static void print_chain(const struct fixture *fx, const uint64_t *ips, int n)
{
	int i, f;

	printf("# chain:");
	for (i = 0; i < n; i++) {
		f = frame_fn(fx, ips, i);
		printf(" %s", f >= 0 ? fn_names[f] : "?");
	}
	printf(" (%d frames)\n", n);
}

static void test_masks(void)
{
	is_int(ks_unwind_regs_mask("x86_64"), 0xff01ff,
	       "x86_64: AX..IP and R8..R15 (no FLAGS, no segment registers)");
	is_int(ks_unwind_regs_mask("aarch64"), 0x1ffffffffull, "aarch64: x0-x30, sp, pc");
	is_int(ks_unwind_regs_mask("sparc64"), 0, "unknown machine: 0");
	is_int(ks_unwind_regs_mask(NULL), 0, "no machine: 0");
}

static void test_unwind(struct fixture *fx)
{
	struct ks_unwind *u = unwinder(NULL);
	uint64_t ips[MAX_FRAMES];
	int i, n, good, errors, fp_good = 0;

	good = count_ok(u, fx, 1, &errors);
	is_int(errors, 0, "every sample unwinds to at least one frame");
	ok(good * 10 >= fx->nsamples * 9, "level3 <- level2 <- level1 <- main in %d of %d samples",
	   good, fx->nsamples);
	for (i = 0; i < fx->nsamples; i++) {
		struct ks_unwind_input in = input_of(fx, &fx->samples[i], 1);

		n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
		if (chain_ok(fx, ips, n)) {
			print_chain(fx, ips, n);
			break;
		}
	}
	for (i = 0; i < fx->nsamples; i++) {
		const struct sample *s = &fx->samples[i];

		n = fp_walk(s->regs, fx->mask, s->stack, s->stack_len, ips, MAX_FRAMES);
		fp_good += chain_ok(fx, ips, n);
	}
	ok(fp_good * 10 < fx->nsamples, "a frame-pointer walk finds the chain in %d of %d samples",
	   fp_good, fx->nsamples);

	/* Same pid, new maps_gen: a new address space, same answer. */
	good = count_ok(u, fx, 2, &errors);
	ok(good * 10 >= fx->nsamples * 9 && !errors, "a new maps generation unwinds the same");
	ks_unwind_free(u);
}

static void test_limits(struct fixture *fx)
{
	struct ks_unwind *u = unwinder("/");
	const struct sample *s = &fx->samples[0];
	struct ks_unwind_input in = input_of(fx, s, 1);
	uint64_t ips[MAX_FRAMES];
	int n;

	n = ks_unwind_user(u, &in, ips, 1);
	ok(n == 1 && ips[0] == s->regs[reg_idx(fx->mask, R_IP)], "max 1: the sampled IP only");
	n = ks_unwind_user(u, &in, ips, 2);
	ok(n == 2 && frame_fn(fx, ips, 0) == F_LEVEL3 && frame_fn(fx, ips, 1) == F_LEVEL2,
	   "max 2: level3, level2 (%d)", n);
	n = ks_unwind_user(u, &in, ips, 0);
	is_int(n, -EINVAL, "max 0: -EINVAL");
	ks_unwind_free(u);
}

/* Bad or missing inputs: an error or few frames, never a crash. */
static void test_bad_inputs(struct fixture *fx)
{
	struct ks_unwind *u = unwinder(NULL);
	const struct sample *s = &fx->samples[0];
	struct ks_unwind_input in;
	struct ks_unwind_map missing[MAX_MAPS];
	uint64_t ips[MAX_FRAMES], regs[64];
	uint8_t junk[STACK_SIZE];
	unsigned int seed = 1;
	int i, j, n, bad = 0;

	in = input_of(fx, s, 1);
	in.regs_mask &= ~(1ull << R_SP);
	is_int(ks_unwind_user(u, &in, ips, MAX_FRAMES), -EINVAL, "no SP in the mask: -EINVAL");
	in = input_of(fx, s, 1);
	in.regs_mask &= ~(1ull << R_IP);
	is_int(ks_unwind_user(u, &in, ips, MAX_FRAMES), -EINVAL, "no IP in the mask: -EINVAL");
	in = input_of(fx, s, 1);
	in.regs = NULL;
	is_int(ks_unwind_user(u, &in, ips, MAX_FRAMES), -EINVAL, "no registers: -EINVAL");
	in = input_of(fx, s, 1);
	in.machine = "sparc64";
	ok(ks_unwind_user(u, &in, ips, MAX_FRAMES) < 0, "unknown machine: an error");

	in = input_of(fx, s, 1);
	in.stack_len = 0;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n == 1 && ips[0] == s->regs[reg_idx(fx->mask, R_IP)],
	   "empty stack copy: the IP alone (%d)", n);
	in.stack = NULL;
	in.stack_len = 100;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	is_int(n, 1, "no stack copy: the IP alone");
	in = input_of(fx, s, 1);
	in.stack_len = 4;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	is_int(n, 1, "4-byte stack copy: the IP alone");
	in.stack_len = 16;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n >= 1 && n <= 2, "16-byte stack copy: at most level3 <- level2 (%d)", n);

	memcpy(missing, fx->maps, fx->nmaps * sizeof(*missing));
	for (i = 0; i < (int)fx->nmaps; i++)
		if (missing[i].path[0] == '/')
			missing[i].path = "/nonexistent/kscope/file.so";
	in = input_of(fx, s, 1);
	in.maps = missing;
	in.pid = 999999;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n >= 1 && n <= MAX_FRAMES && !chain_ok(fx, ips, n),
	   "maps of missing files: no chain, no crash (%d)", n);
	in.maps = NULL;
	in.nmaps = 0;
	in.pid = 999998;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n >= 1 && n <= MAX_FRAMES, "no maps at all (%d)", n);

	/* Another machine's recording: x86_64 files are not used for aarch64 CFI. */
	in = input_of(fx, s, 1);
	in.machine = "aarch64";
	in.regs_mask = ks_unwind_regs_mask("aarch64");
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n >= 1 && !chain_ok(fx, ips, n), "aarch64 sample over x86_64 files: no chain (%d)", n);

	/* Wrong build-id: the file is another build, its CFI must not be used. */
	memcpy(missing, fx->maps, fx->nmaps * sizeof(*missing));
	for (i = 0; i < (int)fx->nmaps; i++) {
		if (!strcmp(missing[i].path, fx->path)) {
			missing[i].build_id = (const uint8_t *)"not-the-build-id-of-it";
			missing[i].build_id_len = 20;
		}
	}
	in = input_of(fx, s, 1);
	in.maps = missing;
	in.pid = 999997;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n >= 1 && !chain_ok(fx, ips, n), "build-id differs: the file is not used (%d)", n);
	for (i = 0; i < (int)fx->nmaps; i++) {
		if (!strcmp(missing[i].path, fx->path)) {
			missing[i].build_id = fx->build_id;
			missing[i].build_id_len = fx->build_id_len;
		}
	}
	in.pid = 999996;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(fx->build_id_len && chain_ok(fx, ips, n), "build-id matches: the file is used (%d)", n);

	/* Garbage: random registers and stack bytes, real maps. */
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 64; j++)
			regs[j] = (uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed) << 12 ^
				  rand_r(&seed);
		if (i & 1)	/* IP and SP where the fixture really is */
			for (j = 0; j < 64; j++)
				regs[j] = s->regs[j] ^ (rand_r(&seed) & 0xff);
		for (j = 0; j < STACK_SIZE; j++)
			junk[j] = rand_r(&seed);
		/* Stack values that look like return addresses and stack addresses. */
		for (j = 0; (i & 2) && j + 8 <= STACK_SIZE; j += 8) {
			uint64_t v = fx->lo[F_LEVEL1] + 9;

			if (rand_r(&seed) & 1)
				v = regs[reg_idx(fx->mask, R_SP)] + (rand_r(&seed) & 0x1ff8);
			memcpy(junk + j, &v, 8);
		}
		in = input_of(fx, s, 1);
		in.regs = regs;
		in.stack = junk;
		in.stack_len = rand_r(&seed) % (STACK_SIZE + 1);
		n = ks_unwind_user(u, &in, ips, i & 4 ? MAX_FRAMES : 5);
		if (n < 1 || n > (i & 4 ? MAX_FRAMES : 5))
			bad++;
	}
	is_int(bad, 0, "2000 garbage samples: between 1 and max frames each");
	ks_unwind_free(u);
}

/* More address spaces than the cache holds: evictions, still right. */
static void test_cache(struct fixture *fx)
{
	struct ks_unwind *u = unwinder(NULL);
	uint64_t ips[MAX_FRAMES];
	int i, n, good = 0;
	double t0;

	t0 = now();
	for (i = 0; i < 200; i++) {
		struct ks_unwind_input in = input_of(fx, &fx->samples[i % fx->nsamples], i % 100);

		in.pid = 1000 + i % 100;
		n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
		good += chain_ok(fx, ips, n);
	}
	ok(good >= 180, "200 samples over 100 address spaces: %d good", good);
	printf("# %.0f unwinds/s with a new address space each time\n", 200 / (now() - t0));
	ks_unwind_free(u);
}

static void test_speed(struct fixture *fx)
{
	struct ks_unwind *u = unwinder(NULL);
	uint64_t ips[MAX_FRAMES], frames = 0;
	int i, n, count = 0;
	double t0, t;

	t0 = now();
	do {
		for (i = 0; i < fx->nsamples; i++) {
			struct ks_unwind_input in = input_of(fx, &fx->samples[i], 7);

			n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
			frames += n > 0 ? n : 0;
			count++;
		}
		t = now() - t0;
	} while (t < 0.5);
	printf("# speed: %.0f unwinds/s, %.1f frames each (%d unwinds in %.2f s of CPU)\n",
	       count / t, (double)frames / count, count, t);
	ok(count / t > 1000, "more than 1000 unwinds/s");
	ks_unwind_free(u);
}

/*
 * Through a signal frame: handler_spin <- handler <- __restore_rt <- level3 (the
 * interrupted pc, +1 as if it were a return address) <- level2 <- level1 <- main.
 */
static void test_signal(struct fixture *fx)
{
	struct ks_unwind *u = unwinder(NULL);
	uint64_t ips[MAX_FRAMES];
	int i, n, good = 0, exact = 0;

	for (i = 0; i < fx->nsamples; i++) {
		struct ks_unwind_input in = input_of(fx, &fx->samples[i], 1);

		n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
		if (n >= 7 && frame_fn(fx, ips, 0) == F_HANDLER_SPIN &&
		    frame_fn(fx, ips, 1) == F_HANDLER && frame_fn(fx, ips, 2) < 0 &&
		    chain_ok(fx, ips + 3, n - 3) && frame_fn(fx, ips, 3) == F_LEVEL3)
			good++;
		if (n >= 4 && ips[3] - 1 == fx->signal_pc)
			exact++;
		if (i == 0)
			print_chain(fx, ips, n);
	}
	ok(good * 10 >= fx->nsamples * 9, "through the signal frame to main: %d of %d", good,
	   fx->nsamples);
	ok(exact == good, "the interrupted pc, exactly: %d of %d", exact, fx->nsamples);
	ks_unwind_free(u);
}

/* Synthetic stacks, no ELF files: libdwfl's frame-pointer fallback for the machine. */
static void test_fallback(void)
{
	struct ks_unwind *u = unwinder(NULL);
	uint64_t stack[16] = { 0 }, regs[64] = { 0 }, ips[MAX_FRAMES];
	const uint64_t sp = 0x7ffd0000, fp1 = sp + 32, fp2 = sp + 64;
	struct ks_unwind_input in = {
		.machine = "aarch64",
		.pid = 42,
		.regs_mask = ks_unwind_regs_mask("aarch64"),
		.regs = regs,
		.stack = (const uint8_t *)stack,
		.stack_len = sizeof(stack),
	};
	int n;

	/* aarch64: x29 -> {fp2, ret2}, fp2 -> {0, ret3}; the leaf returns to x30. */
	regs[29] = fp1;
	regs[30] = 0x400200;
	regs[31] = sp;
	regs[32] = 0x400100;
	stack[4] = fp2;
	stack[5] = 0x400300;
	stack[8] = 0;
	stack[9] = 0x400400;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n == 4 && ips[0] == 0x400100 && ips[1] == 0x400200 && ips[2] == 0x400300 &&
	   ips[3] == 0x400400, "aarch64 without CFI: pc, lr, then the x29 chain (%d)", n);

	/* x86_64: rbp -> {fp2, ret2}, fp2 -> {0, ret3}. */
	memset(regs, 0, sizeof(regs));
	in.machine = "x86_64";
	in.pid = 43;
	in.regs_mask = ks_unwind_regs_mask("x86_64");
	regs[R_BP] = fp1;
	regs[R_SP] = sp;
	regs[R_IP] = 0x400100;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n == 3 && ips[0] == 0x400100 && ips[1] == 0x400300 && ips[2] == 0x400400,
	   "x86_64 without CFI: ip, then the rbp chain (%d)", n);
	ks_unwind_free(u);
}

/* Append a .eh_frame record (CIE or FDE) of @len bytes after the length, nop-padded. */
static size_t eh_record(uint8_t *p, const uint8_t *body, size_t len)
{
	uint32_t l = (4 + len + 7) / 8 * 8 - 4;

	memcpy(p, &l, 4);
	memcpy(p + 4, body, len);
	memset(p + 4 + len, 0, l - len);	/* DW_CFA_nop */
	return 4 + l;
}

static size_t eh_fde(uint8_t *p, size_t cie_off, size_t off, uint64_t lo, uint64_t hi,
		     const uint8_t *insns, size_t ninsns)
{
	uint8_t body[64];
	uint32_t cie_ptr = off + 4 - cie_off;
	uint64_t range = hi - lo;

	memcpy(body, &cie_ptr, 4);
	memcpy(body + 4, &lo, 8);	/* DW_EH_PE_absptr */
	memcpy(body + 12, &range, 8);
	body[20] = 0;			/* augmentation data length */
	memcpy(body + 21, insns, ninsns);
	return eh_record(p, body, 21 + ninsns);
}

/*
 * A hand-made aarch64 ELF (ET_DYN) with .eh_frame for three functions: A [0x100,0x140)
 * a leaf (CFA = sp, return address in x30), B [0x140,0x180) with x29/x30 saved at
 * CFA-32/CFA-24 and CFA = sp+32, C [0x180,0x1c0) the outermost (x30 undefined).
 */
static int write_arm64_elf(const char *path)
{
	static const uint8_t cie[] = {
		0, 0, 0, 0, 1, 'z', 'R', 0, 4, 0x78, 30, 1, 0x00,	/* CIE id, absptr FDEs */
		0x0c, 31, 0,						/* def_cfa sp, 0 */
	};
	static const uint8_t fde_a[] = { 0 };	/* DW_CFA_nop: the CIE's rules */
	static const uint8_t fde_b[] = { 0x0e, 32, 0x80 | 29, 4, 0x80 | 30, 3 };
	static const uint8_t fde_c[] = { 0x0e, 16, 0x07, 30 };
	static const char shstr[] = "\0.text\0.eh_frame\0.shstrtab";
	uint8_t img[0x440] = { 0 };
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + 0x40);
	Elf64_Shdr sh[4] = { { 0 } };
	size_t off = 0x200, i;
	uint32_t nop = 0xd503201f;
	int fd, ret;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_AARCH64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = 0x40;
	eh->e_shoff = 0x340;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(sh[0]);
	eh->e_shnum = 4;
	eh->e_shstrndx = 3;
	*ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
			    .p_vaddr = 0, .p_filesz = sizeof(img), .p_memsz = sizeof(img),
			    .p_align = 0x1000 };
	for (i = 0x100; i < 0x1c0; i += 4)
		memcpy(img + i, &nop, 4);
	off += eh_record(img + off, cie, sizeof(cie));
	off += eh_fde(img + off, 0x200, off, 0x100, 0x140, fde_a, sizeof(fde_a));
	off += eh_fde(img + off, 0x200, off, 0x140, 0x180, fde_b, sizeof(fde_b));
	off += eh_fde(img + off, 0x200, off, 0x180, 0x1c0, fde_c, sizeof(fde_c));
	off += 4;	/* zero terminator */
	memcpy(img + 0x300, shstr, sizeof(shstr));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = 0x100,
			      .sh_offset = 0x100, .sh_size = 0xc0, .sh_addralign = 4 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			      .sh_addr = 0x200, .sh_offset = 0x200, .sh_size = off - 0x200,
			      .sh_addralign = 8 };
	sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = 0x300,
			      .sh_size = sizeof(shstr), .sh_addralign = 1 };
	memcpy(img + 0x340, sh, sizeof(sh));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ret = ks_write_all(fd, img, sizeof(img));
	close(fd);
	return ret;
}

/* aarch64 CFI on any host: the recording's machine, not the host's, picks the backend. */
static void test_arm64_cfi(void)
{
	char path[] = "/tmp/kscope-unw-arm64-XXXXXX";
	const uint64_t base = 0x5500000000ull, sp = 0x7ffff000ull;
	uint64_t regs[33] = { 0 }, stack[8] = { 0 }, ips[MAX_FRAMES];
	struct ks_unwind_map map = { .start = base, .end = base + 0x1000, .path = path };
	struct ks_unwind_input in = {
		.machine = "aarch64",
		.pid = 7,
		.maps = &map,
		.nmaps = 1,
		.regs_mask = ks_unwind_regs_mask("aarch64"),
		.regs = regs,
		.stack = (const uint8_t *)stack,
		.stack_len = sizeof(stack),
	};
	struct ks_unwind *u;
	int fd, n;

	fd = mkstemp(path);
	if (fd < 0 || (close(fd), write_arm64_elf(path))) {
		ok(0, "cannot write %s", path);
		return;
	}
	u = unwinder(NULL);
	regs[32] = base + 0x110;	/* pc in A */
	regs[30] = base + 0x150;	/* A returns into B */
	regs[31] = sp;
	regs[29] = 0;			/* no frame pointer chain to fall back on */
	stack[1] = base + 0x190;	/* B's saved x30: into C */
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n == 3 && ips[0] == base + 0x110 && ips[1] == base + 0x150 && ips[2] == base + 0x190,
	   "aarch64 .eh_frame: A <- B <- C, ends where x30 is undefined (%d)", n);
	in.stack_len = 8;
	in.pid = 8;
	n = ks_unwind_user(u, &in, ips, MAX_FRAMES);
	ok(n == 2 && ips[1] == base + 0x150, "aarch64: B's saved x30 beyond the stack copy (%d)",
	   n);
	ks_unwind_free(u);
	unlink(path);
}

static int run(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

/*
 * The -nocfi fixture has CFI for its own functions only in .debug_frame. Under a
 * symfs holding a stripped copy, the chain comes back only with its separate
 * debuginfo, found by build-id or by .gnu_debuglink.
 */
static void test_debuginfo(struct fixture *fx)
{
	char tmpl[] = "/tmp/kscope-unw-XXXXXX", cmd[4 * PATH_MAX + 256], hex[160], *dir;
	struct ks_unwind *u;
	int good, errors;
	size_t i;

	u = unwinder(NULL);
	good = count_ok(u, fx, 1, &errors);
	ok(good * 10 >= fx->nsamples * 9, ".debug_frame in the binary itself: %d of %d", good,
	   fx->nsamples);
	ks_unwind_free(u);

	dir = mkdtemp(tmpl);
	if (!dir || !fx->build_id_len || run("command -v objcopy >/dev/null")) {
		ok(1, "# SKIP no objcopy, no build-id or no temporary directory");
		return;
	}
	for (i = 0; i < fx->build_id_len; i++)
		sprintf(hex + 2 * i + (i ? 1 : 0), i ? "%02x" : "%02x/", fx->build_id[i]);
	snprintf(cmd, sizeof(cmd),
		 "set -e; d='%s'; f='%s'; mkdir -p \"$d/$(dirname \"$f\")\" "
		 "\"$d/usr/lib/debug/.build-id/%.2s\"; "
		 "objcopy --only-keep-debug \"$f\" \"$d/usr/lib/debug/.build-id/%s.debug\"; "
		 "objcopy --strip-debug \"$f\" \"$d$f\"",
		 dir, fx->path, hex, hex);
	ok(!run(cmd), "stripped copy and build-id debuginfo under a symfs");
	u = unwinder(dir);
	good = count_ok(u, fx, 1, &errors);
	ok(good * 10 >= fx->nsamples * 9 && !errors,
	   "stripped binary, debuginfo by build-id: %d of %d", good, fx->nsamples);
	ks_unwind_free(u);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/usr/lib/debug/.build-id'", dir);
	run(cmd);
	u = unwinder(dir);
	good = count_ok(u, fx, 1, &errors);
	ok(good == 0 && !errors, "stripped binary without debuginfo: no chain (%d)", good);
	ks_unwind_free(u);

	snprintf(cmd, sizeof(cmd),
		 "set -e; d='%s'; f='%s'; dbg=\"$d/usr/lib/debug$(dirname \"$f\")\"; "
		 "mkdir -p \"$dbg\"; objcopy --only-keep-debug \"$f\" \"$dbg/unwfix-link.debug\"; "
		 "cd \"$dbg\"; objcopy --strip-debug --add-gnu-debuglink=unwfix-link.debug "
		 "\"$f\" \"$d$f\"",
		 dir, fx->path);
	ok(!run(cmd), "stripped copy with a .gnu_debuglink");
	u = unwinder(dir);
	good = count_ok(u, fx, 1, &errors);
	ok(good * 10 >= fx->nsamples * 9 && !errors,
	   "stripped binary, debuginfo by .gnu_debuglink under symfs/usr/lib/debug: %d of %d",
	   good, fx->nsamples);
	ks_unwind_free(u);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run(cmd);
}

/* Sampling may be forbidden (perf_event_paranoid): skip; a fixture that fails: fail. */
static int sampled(const struct fixture *fx, const char *what)
{
	if (!fx->skip[0])
		return 1;
	if (fx->broken)
		ok(0, "%s: %s", what, fx->skip);
	else
		ok(1, "# SKIP %s: %s", what, fx->skip);
	return 0;
}

int main(void)
{
	struct fixture *fx;
	struct utsname un;
	char *slash;

	if (!realpath("/proc/self/exe", test_dir))
		return 1;
	slash = strrchr(test_dir, '/');
	*slash = '\0';

	test_masks();
	test_fallback();
	test_arm64_cfi();
	if (uname(&un) || strcmp(un.machine, "x86_64")) {
		ok(1, "# SKIP the sampled fixture tests need an x86_64 host");
		return tap_done();
	}

	fx = fixture_run("unwfix", 0.25, 0);
	if (sampled(fx, "sampling unwfix")) {
		printf("# %d samples of %s\n", fx->nsamples, fx->path);
		test_unwind(fx);
		test_limits(fx);
		test_bad_inputs(fx);
		test_cache(fx);
		test_speed(fx);
	}
	fixture_free(fx);

	fx = fixture_run("unwfix", 0.1, 1);
	if (sampled(fx, "sampling unwfix in its signal handler"))
		test_signal(fx);
	fixture_free(fx);

	fx = fixture_run("unwfix-nocfi", 0.15, 0);
	if (sampled(fx, "sampling unwfix-nocfi"))
		test_debuginfo(fx);
	fixture_free(fx);
	return tap_done();
}
