// SPDX-License-Identifier: GPL-2.0-only
/*
 * DWARF unwinding of sampled user stacks with libdwfl.
 *
 * One Dwfl per address space (pid, maps_gen), kept in a small LRU cache, so the
 * modules are reported once and their CFI is parsed once however many samples the
 * process has. ELF files are mapped once and shared by every Dwfl: libdwfl gets
 * in-memory Elf handles from our find_elf callback, so a cached address space holds
 * no file descriptors. Memory reads come from the sample's stack copy, else from the
 * read-only segments of the mapped files; anything else fails and ends the unwind.
 * Not thread-safe: one struct ks_unwind per thread.
 */
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/base/hash.h"
#include "kscope/profile/unwind.h"

#define UNW_SPACES		32	/* address spaces kept (each holds a Dwfl) */
#define UNW_FILE_BUCKETS	256
#define UNW_MAX_DWREGS		32	/* DWARF registers we set in the first frame */
#define UNW_BUILD_ID_MAX	64

/*
 * perf register numbers (PERF_SAMPLE_REGS_USER bit positions), spelled out here
 * rather than taken from <asm/perf_regs.h>: that header describes the host, and a
 * recording from another architecture must unwind too.
 */
enum {
	X86_AX, X86_BX, X86_CX, X86_DX, X86_SI, X86_DI, X86_BP, X86_SP, X86_IP,
	X86_R8 = 16, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

enum { ARM64_X29 = 29, ARM64_LR = 30, ARM64_SP = 31, ARM64_PC = 32 };

/* General-purpose registers and IP; FLAGS and the segment registers do not unwind. */
#define X86_64_MASK	(((1ull << (X86_IP + 1)) - 1) | (((1ull << 8) - 1) << X86_R8))
#define ARM64_MASK	((1ull << (ARM64_PC + 1)) - 1)

struct unw_arch {
	const char *name, *alias;
	uint16_t e_machine;
	uint64_t mask;
	int ip, sp;			/* perf register numbers */
	int ndw;
	int8_t dw_perf[UNW_MAX_DWREGS];	/* DWARF register number -> perf register number */
};

static const struct unw_arch unw_archs[] = {
	{
		.name = "x86_64", .alias = "amd64", .e_machine = EM_X86_64, .mask = X86_64_MASK,
		.ip = X86_IP, .sp = X86_SP, .ndw = 17,
		/* DWARF: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip (x86-64 psABI) */
		.dw_perf = { X86_AX, X86_DX, X86_CX, X86_BX, X86_SI, X86_DI, X86_BP, X86_SP,
			     X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14,
			     X86_R15, X86_IP },
	},
	{
		.name = "aarch64", .alias = "arm64", .e_machine = EM_AARCH64, .mask = ARM64_MASK,
		.ip = ARM64_PC, .sp = ARM64_SP, .ndw = 32,
		/* DWARF: x0-x30 then sp, the same order as perf; the PC has no number */
		.dw_perf = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
			     19, 20, 21, 22, 23, 24, 25, 26, 27, 28, ARM64_X29, ARM64_LR,
			     ARM64_SP },
	},
};

#define UNW_NARCHS KS_ARRAY_SIZE(unw_archs)

struct unw_load {
	uint64_t vaddr, offset, filesz;
	bool ro;
};

/* One ELF file as some process mapped it, shared by all address spaces. */
struct unw_file {
	struct unw_file *next;		/* hash chain */
	char *path;			/* as mapped (key, with the build-id) */
	uint8_t id[UNW_BUILD_ID_MAX];
	size_t id_len;
	char *real;			/* under symfs */
	int err;			/* 0, or why the file is not used */
	const uint8_t *data;		/* the whole file, mapped read-only */
	size_t size;
	uint16_t machine;
	uint64_t vaddr_lo, vaddr_hi;	/* span of the PT_LOADs, as libdwfl computes it */
	struct unw_load *loads;
	int nloads;
};

/* A file-backed mapping, for memory reads outside the stack copy. */
struct unw_region {
	uint64_t start, end, bias;
	const struct unw_file *file;
};

/* The sample being unwound. */
struct unw_sample {
	const struct unw_arch *arch;
	Dwarf_Word dw[UNW_MAX_DWREGS];
	uint32_t have;			/* one bit per DWARF register in dw[] */
	uint64_t ip, sp;
	const uint8_t *stack;
	size_t stack_len;
	uint64_t *ips;
	int max, n;
};

struct unw_space {
	bool used;
	int err;			/* attach failed: every unwind returns it */
	int pid;
	uint64_t gen;
	const struct unw_arch *arch;
	uint64_t last_use;
	pid_t tid;
	Dwfl *dwfl;
	struct unw_region *regions;	/* sorted by start */
	size_t nregions;
	const struct unw_sample *cur;
};

struct ks_unwind {
	char *symfs;			/* "" for the root */
	char *debuginfo_path;
	Dwfl_Callbacks callbacks;
	struct unw_file *files[UNW_FILE_BUCKETS];
	struct unw_space spaces[UNW_SPACES];
	struct unw_space *last;
	uint64_t clock;
	/* An ELF header per architecture: tells dwfl_attach_state the recording's machine. */
	Elf64_Ehdr arch_ehdr[UNW_NARCHS];
	Elf *arch_elf[UNW_NARCHS];
};

static const struct unw_arch *unw_arch_find(const char *machine)
{
	size_t i;

	if (!machine)
		return NULL;
	for (i = 0; i < UNW_NARCHS; i++)
		if (!strcmp(machine, unw_archs[i].name) || !strcmp(machine, unw_archs[i].alias))
			return &unw_archs[i];
	return NULL;
}

uint64_t ks_unwind_regs_mask(const char *machine)
{
	const struct unw_arch *a = unw_arch_find(machine);

	return a ? a->mask : 0;
}

/* ---- ELF files ---- */

static uint64_t unw_hash(const char *path, const uint8_t *id, size_t id_len)
{
	return ks_hash_u64(ks_hash_fnv(ks_hash_fnv(KS_HASH_SEED, path, strlen(path)), id, id_len));
}

static int unw_file_read_elf(struct unw_file *f)
{
	GElf_Ehdr ehdr;
	GElf_Phdr ph;
	const void *id;
	size_t i, phnum;
	ssize_t id_len;
	int n = 0, ret = -ENOEXEC;
	Elf *elf;

	/* ELF_C_READ (elf_memory) never writes to the image, so a read-only map is fine. */
	elf = elf_memory((char *)f->data, f->size);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64 ||
	    !gelf_getehdr(elf, &ehdr) || (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) ||
	    elf_getphdrnum(elf, &phnum))
		goto out_end;
	f->machine = ehdr.e_machine;
	if (f->id_len) {
		/* A different build of the same path would give wrong frames: use none. */
		id_len = dwelf_elf_gnu_build_id(elf, &id);
		if (id_len != (ssize_t)f->id_len || memcmp(id, f->id, f->id_len)) {
			ret = -ESTALE;
			goto out_end;
		}
	}
	f->loads = calloc(phnum ? phnum : 1, sizeof(*f->loads));
	if (!f->loads) {
		ret = -ENOMEM;
		goto out_end;
	}
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!n)		/* the same expression as libdwfl, so biases agree */
			f->vaddr_lo = ph.p_vaddr & -ph.p_align;
		if (ph.p_vaddr + ph.p_memsz > f->vaddr_hi)
			f->vaddr_hi = ph.p_vaddr + ph.p_memsz;
		f->loads[n].vaddr = ph.p_vaddr;
		f->loads[n].offset = ph.p_offset;
		f->loads[n].filesz = ph.p_offset <= f->size ?
				     (ph.p_filesz < f->size - ph.p_offset ?
				      ph.p_filesz : f->size - ph.p_offset) : 0;
		/* Writable data differs at run time (relocations, variables): not from the file. */
		f->loads[n].ro = !(ph.p_flags & PF_W);
		n++;
	}
	f->nloads = n;
	ret = n ? 0 : -ENOEXEC;
out_end:
	elf_end(elf);
	return ret;
}

static int unw_file_open(struct unw_file *f)
{
	struct stat st;
	void *data;
	int fd, ret;

	/* Mapped devices (GPU, /dev/zero) are never opened: that could have effects. */
	if (stat(f->real, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	fd = open(f->real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		ret = -ENOEXEC;
		goto out_close;
	}
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED) {
		ret = -errno;
		goto out_close;
	}
	f->data = data;
	f->size = st.st_size;
	ret = unw_file_read_elf(f);
	if (ret) {
		munmap(data, f->size);
		f->data = NULL;
	}
out_close:
	close(fd);
	return ret;
}

static void unw_file_free(struct unw_file *f)
{
	if (f->data)
		munmap((void *)f->data, f->size);
	free(f->loads);
	free(f->path);
	free(f->real);
	free(f);
}

/* The file mapped at @path, opened on first use; failures are kept too. NULL: -ENOMEM. */
static struct unw_file *unw_file_get(struct ks_unwind *u, const char *path,
				     const uint8_t *id, size_t id_len)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(path), dl = sizeof(deleted) - 1;
	struct unw_file *f, **head;

	if (!id || id_len > UNW_BUILD_ID_MAX)
		id_len = 0;
	head = &u->files[unw_hash(path, id, id_len) % UNW_FILE_BUCKETS];
	for (f = *head; f; f = f->next)
		if (f->id_len == id_len && (!id_len || !memcmp(f->id, id, id_len)) &&
		    !strcmp(f->path, path))
			return f;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = strdup(path);
	/* A file replaced after it was mapped may still be found under symfs. */
	if (len > dl && !strcmp(path + len - dl, deleted))
		len -= dl;
	if (f->path && asprintf(&f->real, "%s%.*s", u->symfs, (int)len, path) < 0)
		f->real = NULL;
	if (!f->path || !f->real) {
		unw_file_free(f);
		return NULL;
	}
	if (id_len)
		memcpy(f->id, id, id_len);
	f->id_len = id_len;
	f->err = unw_file_open(f);
	f->next = *head;
	*head = f;
	return f;
}

/*
 * Load bias of @f from one of its mappings: the first PT_LOAD whose file bytes the
 * mapping covers appears at start + (p_offset - pgoff).
 */
static bool unw_bias(const struct unw_file *f, const struct ks_unwind_map *m, uint64_t *bias)
{
	uint64_t len = m->end - m->start;
	int i;

	for (i = 0; i < f->nloads; i++) {
		const struct unw_load *l = &f->loads[i];

		if (l->filesz && l->offset < m->pgoff + len && l->offset + l->filesz > m->pgoff) {
			*bias = m->start + l->offset - m->pgoff - l->vaddr;
			return true;
		}
	}
	return false;
}

/* ---- libdwfl callbacks ---- */

static int unw_find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			char **file_name, Elf **elfp)
{
	const struct unw_file *f = *userdata;

	*elfp = f ? elf_memory((char *)f->data, f->size) : NULL;
	/* The real path: separate debuginfo is searched by .gnu_debuglink next to it. */
	if (*elfp && !*file_name)
		*file_name = strdup(f->real);
	return -1;
}

static bool unw_read_file(const struct unw_space *s, uint64_t addr, Dwarf_Word *val)
{
	const struct unw_region *r = NULL;
	const struct unw_file *f;
	size_t lo = 0, hi = s->nregions;
	uint64_t vaddr, in;
	int i;

	while (lo < hi) {		/* the last region starting at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].start <= addr) {
			r = &s->regions[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!r || addr >= r->end)
		return false;
	f = r->file;
	vaddr = addr - r->bias;
	for (i = 0; i < f->nloads; i++) {
		const struct unw_load *l = &f->loads[i];

		if (!l->ro || vaddr < l->vaddr || vaddr - l->vaddr >= l->filesz)
			continue;
		in = vaddr - l->vaddr;
		if (l->filesz - in < sizeof(*val))
			return false;
		memcpy(val, f->data + l->offset + in, sizeof(*val));
		*val = le64toh(*val);
		return true;
	}
	return false;
}

static bool unw_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *val, void *arg)
{
	const struct unw_space *s = arg;
	const struct unw_sample *cur = s->cur;
	uint64_t off = addr - cur->sp;

	if (addr >= cur->sp && off < cur->stack_len && cur->stack_len - off >= sizeof(*val)) {
		memcpy(val, cur->stack + off, sizeof(*val));
		*val = le64toh(*val);
		return true;
	}
	return unw_read_file(s, addr, val);
}

static pid_t unw_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unw_space *s = arg;

	if (*thread_argp)
		return 0;
	*thread_argp = s;
	return s->tid;
}

static bool unw_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool unw_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct unw_space *s = arg;
	const struct unw_sample *cur = s->cur;
	int i;

	/* Registers the recording lacks stay undefined rather than zero. */
	for (i = 0; i < cur->arch->ndw; i++) {
		if (!(cur->have & (1u << i)))
			continue;
		if (!dwfl_thread_state_registers(thread, i, 1, &cur->dw[i]))
			return false;
	}
	dwfl_thread_state_register_pc(thread, cur->ip);
	return true;
}

static const Dwfl_Thread_Callbacks unw_thread_callbacks = {
	.next_thread = unw_next_thread,
	.get_thread = unw_get_thread,
	.memory_read = unw_memory_read,
	.set_initial_registers = unw_set_initial_registers,
};

static int unw_frame(Dwfl_Frame *frame, void *arg)
{
	struct unw_sample *cur = arg;
	bool activation = true;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(frame, &pc, cur->n ? &activation : NULL))
		return DWARF_CB_ABORT;
	if (cur->n) {
		if (!pc)
			return DWARF_CB_ABORT;
		/*
		 * Callers' pcs are return addresses; an interrupted frame (signal) has the
		 * exact pc: +1 so the symbolizer's "return address - 1" lands on it.
		 */
		if (activation)
			pc++;
	}
	cur->ips[cur->n++] = pc;
	return cur->n < cur->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* ---- address spaces ---- */

static bool unw_space_is(const struct unw_space *s, const struct ks_unwind_input *in,
			 const struct unw_arch *arch)
{
	return s->used && s->pid == in->pid && s->gen == in->maps_gen && s->arch == arch;
}

static Elf *unw_arch_elf(struct ks_unwind *u, const struct unw_arch *arch)
{
	size_t i = arch - unw_archs;
	Elf64_Ehdr *h = &u->arch_ehdr[i];

	if (u->arch_elf[i])
		return u->arch_elf[i];
	memset(h, 0, sizeof(*h));
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_type = ET_CORE;
	h->e_machine = arch->e_machine;
	h->e_version = EV_CURRENT;
	h->e_ehsize = sizeof(*h);
	u->arch_elf[i] = elf_memory((char *)h, sizeof(*h));
	return u->arch_elf[i];
}

static void unw_space_clear(struct unw_space *s)
{
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->regions);
	memset(s, 0, sizeof(*s));
}

struct unw_mod {
	const struct unw_file *file;
	uint64_t low, high, bias;
};

/* The module already reported for @f that covers @addr, if any. */
static const struct unw_mod *unw_mod_find(const struct unw_mod *mods, size_t n,
					  const struct unw_file *f, uint64_t addr)
{
	while (n--)
		if (mods[n].file == f && addr >= mods[n].low && addr < mods[n].high)
			return &mods[n];
	return NULL;
}

static int unw_report(struct ks_unwind *u, struct unw_space *s, const struct ks_unwind_input *in,
		      struct unw_mod *mods)
{
	size_t i, nmods = 0, nmaps = in->maps ? in->nmaps : 0;
	const struct unw_mod *have;
	Dwfl_Module *mod;
	struct unw_file *f;
	uint64_t bias;
	void **ud;

	for (i = 0; i < nmaps; i++) {
		const struct ks_unwind_map *m = &in->maps[i];

		/* Anonymous memory, [heap], [stack], [vdso]: no file to read CFI from. */
		if (!m->path || m->path[0] != '/' || m->end <= m->start)
			continue;
		f = unw_file_get(u, m->path, m->build_id, m->build_id_len);
		if (!f)
			return -ENOMEM;
		if (f->err || f->machine != s->arch->e_machine)
			continue;
		/* Later mappings of a file (data, RELRO) belong to the module of its first. */
		have = unw_mod_find(mods, nmods, f, m->start);
		if (have) {
			bias = have->bias;
		} else {
			if (!unw_bias(f, m, &bias))
				continue;
			mod = dwfl_report_module(s->dwfl, m->path, bias + f->vaddr_lo,
						 bias + f->vaddr_hi);
			if (!mod)
				return -ENOMEM;
			dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
			if (*ud && *ud != f)	/* same name and range as another build */
				continue;
			*ud = f;
			mods[nmods++] = (struct unw_mod){ f, bias + f->vaddr_lo,
							  bias + f->vaddr_hi, bias };
		}
		s->regions[s->nregions++] = (struct unw_region){ m->start, m->end, bias, f };
	}
	return 0;
}

static int unw_space_build(struct ks_unwind *u, struct unw_space *s,
			   const struct ks_unwind_input *in, const struct unw_arch *arch)
{
	size_t nmaps = in->maps ? in->nmaps : 0;
	struct unw_mod *mods;
	Elf *arch_elf;
	int ret;

	s->used = true;
	s->pid = in->pid;
	s->gen = in->maps_gen;
	s->arch = arch;
	s->tid = in->pid > 0 ? in->pid : 1;
	s->dwfl = dwfl_begin(&u->callbacks);
	s->regions = calloc(nmaps ? nmaps : 1, sizeof(*s->regions));
	mods = calloc(nmaps ? nmaps : 1, sizeof(*mods));
	if (!s->dwfl || !s->regions || !mods) {
		ret = -ENOMEM;
		goto out_free;
	}
	dwfl_report_begin(s->dwfl);
	ret = unw_report(u, s, in, mods);
	if (dwfl_report_end(s->dwfl, NULL, NULL) && !ret)
		ret = -ENOMEM;
	if (ret)
		goto out_free;
	arch_elf = unw_arch_elf(u, arch);
	if (!arch_elf || !dwfl_attach_state(s->dwfl, arch_elf, s->tid, &unw_thread_callbacks, s))
		s->err = -EOPNOTSUPP;	/* kept: the next sample would fail the same way */
out_free:
	free(mods);
	return ret;
}

static struct unw_space *unw_space_get(struct ks_unwind *u, const struct ks_unwind_input *in,
				       const struct unw_arch *arch, int *err)
{
	struct unw_space *s = u->last, *victim = &u->spaces[0];
	size_t i;

	if (!s || !unw_space_is(s, in, arch)) {
		s = NULL;
		for (i = 0; i < UNW_SPACES && !s; i++) {
			struct unw_space *c = &u->spaces[i];

			if (unw_space_is(c, in, arch))
				s = c;
			else if (!c->used || (victim->used && c->last_use < victim->last_use))
				victim = c;
		}
	}
	if (!s) {
		s = victim;
		unw_space_clear(s);
		*err = unw_space_build(u, s, in, arch);
		if (*err) {
			unw_space_clear(s);
			return NULL;
		}
	}
	s->last_use = ++u->clock;
	u->last = s;
	return s;
}

/* ---- public ---- */

int ks_unwind_new(struct ks_unwind **out, const char *symfs, struct ks_err *err)
{
	struct ks_unwind *u;
	size_t len;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ks_err_set(err, -ENOTSUP, "libelf is too old: %s", elf_errmsg(-1));
	u = calloc(1, sizeof(*u));
	if (!u)
		return ks_err_set(err, -ENOMEM, "out of memory");
	if (!symfs)
		symfs = "";
	len = strlen(symfs);
	while (len && symfs[len - 1] == '/')
		len--;
	u->symfs = strndup(symfs, len);
	if (!u->symfs)
		goto out_nomem;
	/* Next to the binary, its .debug/, and <symfs>/usr/lib/debug (build-id and path). */
	if (asprintf(&u->debuginfo_path, ":.debug:%s/usr/lib/debug", u->symfs) < 0) {
		u->debuginfo_path = NULL;
		goto out_nomem;
	}
	u->callbacks.find_elf = unw_find_elf;
	u->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	u->callbacks.section_address = dwfl_offline_section_address;
	u->callbacks.debuginfo_path = &u->debuginfo_path;
	*out = u;
	return 0;
out_nomem:
	ks_unwind_free(u);
	return ks_err_set(err, -ENOMEM, "out of memory");
}

void ks_unwind_free(struct ks_unwind *u)
{
	struct unw_file *f, *next;
	size_t i;

	if (!u)
		return;
	for (i = 0; i < UNW_SPACES; i++)
		unw_space_clear(&u->spaces[i]);
	/* After every Dwfl: their Ebl backends point at these. */
	for (i = 0; i < UNW_NARCHS; i++)
		if (u->arch_elf[i])
			elf_end(u->arch_elf[i]);
	for (i = 0; i < UNW_FILE_BUCKETS; i++) {
		for (f = u->files[i]; f; f = next) {
			next = f->next;
			unw_file_free(f);
		}
	}
	free(u->debuginfo_path);
	free(u->symfs);
	free(u);
}

/* The value of perf register @reg in the sample: regs[] holds one per set mask bit. */
static uint64_t unw_reg(const struct ks_unwind_input *in, int reg)
{
	return in->regs[__builtin_popcountll(in->regs_mask & ((1ull << reg) - 1))];
}

int ks_unwind_user(struct ks_unwind *u, const struct ks_unwind_input *in, uint64_t *ips,
		   int max)
{
	const struct unw_arch *arch;
	struct unw_sample cur;
	struct unw_space *s;
	int i, ret;

	if (!u || !in || !ips || max < 1)
		return -EINVAL;
	arch = unw_arch_find(in->machine);
	if (!arch)
		return -EOPNOTSUPP;
	if (!in->regs || !(in->regs_mask & (1ull << arch->ip)) ||
	    !(in->regs_mask & (1ull << arch->sp)))
		return -EINVAL;

	memset(&cur, 0, sizeof(cur));
	cur.arch = arch;
	cur.ip = unw_reg(in, arch->ip);
	cur.sp = unw_reg(in, arch->sp);
	for (i = 0; i < arch->ndw; i++) {
		if (in->regs_mask & (1ull << arch->dw_perf[i])) {
			cur.dw[i] = unw_reg(in, arch->dw_perf[i]);
			cur.have |= 1u << i;
		}
	}
	cur.stack = in->stack;
	cur.stack_len = in->stack ? in->stack_len : 0;
	cur.ips = ips;
	cur.max = max;
	ips[0] = cur.ip;
	if (max == 1)
		return 1;

	s = unw_space_get(u, in, arch, &ret);
	if (!s)
		return ret;
	if (s->err)
		return s->err;
	s->cur = &cur;
	/* Its result says only why the walk ended; the frames found so far are the answer. */
	dwfl_getthread_frames(s->dwfl, s->tid, unw_frame, &cur);
	s->cur = NULL;
	if (!cur.n) {
		ips[0] = cur.ip;
		return 1;
	}
	return cur.n;
}
