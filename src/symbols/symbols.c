// SPDX-License-Identifier: GPL-2.0-only
/*
 * Symbols for profiles: kernel addresses through a kallsyms text, user addresses
 * through the ELF files under symfs with libdwfl (symbol tables, separate debuginfo)
 * and libdw (file:line, inline frames).
 *
 * Symbol table names and DWARF linkage names are demangled (C++, Rust legacy)
 * unless the options say not to.
 *
 * Errors of a binary (ks_syms_dso_status, and what ks_syms_dso_lookup returns for it):
 *   -ENOENT	not found under SYMFS, or not a file ("[vdso]", "//anon", ...)
 *   -EISDIR, -EINVAL	a directory or another file that is not a regular one
 *   -EACCES, ...	it could not be opened
 *   -ENOEXEC	not an ELF file, not an executable or shared library, no PT_LOAD
 *   -ESTALE	its build-id differs from the one the recording saw
 *   -ENODATA	no function symbols (stripped, and no debuginfo found)
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/base/hash.h"
#include "kscope/symbols/buildid.h"
#include "kscope/symbols/demangle.h"
#include "kscope/base/keysort.h"
#include "kscope/symbols/ksyms.h"
#include "kscope/symbols/symbols.h"

/* Inline chains deeper than this (never seen) lose their innermost frames. */
#define MAX_INLINE		64
#define ARENA_CHUNK		(64 * 1024)

/* Allocations that live until ks_syms_free: interned strings, line arrays, DSOs. */
struct arena_chunk {
	struct arena_chunk *next;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head;
	char *cur;
	size_t left;
};

/* Open addressing: a power-of-two slot array, at most half full. */
struct strset {
	const char **slot;
	size_t mask, count;
};

struct dso_seg {
	uint64_t off, filesz, vaddr;
	bool exec;
};

/* A function symbol, sorted by address, one per address. */
struct dso_fsym {
	uint64_t addr, size;
	uint64_t maxend;		/* the highest end of the sized symbols up to here */
	const char *name;		/* in libdwfl's string table */
	/* what lookups return: .func interned, demangled, without @VERSION; set on first use */
	struct ks_sym_line line;
};

struct addr_range {
	uint64_t lo, hi;
};

struct fn_range;

/* The functions of one CU, by the CU DIE's offset + 1 (0: free slot). */
struct cu_fns {
	uint64_t key;
	struct fn_range *r;
	size_t n;
};

struct ks_dso {
	struct ks_syms *s;
	struct ks_dso *next;		/* all of them, for ks_syms_free */
	const char *path, *base;	/* interned */
	const uint8_t *bid;		/* the recording's build-id (arena), or NULL */
	size_t bid_len;
	uint64_t hash;
	bool opened;
	int err;
	const char *why;
	char *file;			/* the path under symfs that was opened */
	dev_t dev;
	ino_t ino;
	uint8_t fbid[64];		/* the file's own build-id, for debuginfo */
	size_t fbid_len;
	struct dso_seg *segs;
	unsigned int nsegs;
	struct addr_range *xsecs;	/* the sections holding code */
	unsigned int nxsecs;
	struct dso_fsym *fsyms;
	size_t nfsyms;
	/*
	 * bucket[b]: the first symbol at or above fsyms[0].addr + (b << bucket_shift), so
	 * a lookup searches a bucket's few symbols, not the whole table (cache misses).
	 */
	uint32_t *bucket;
	size_t nbuckets;
	unsigned int bucket_shift;
	struct cu_fns *cus;
	size_t cu_mask, ncus;
	Dwfl *dwfl;			/* one session per binary, at its own vaddrs */
	Dwfl_Module *mod;
};

struct cache_ent {
	const struct ks_dso *dso;	/* NULL: free slot */
	uint64_t off;
	struct ks_sym sym;
	int ret;
};

struct ks_syms {
	char *symfs;			/* "" for "/": a file is symfs + path */
	bool no_lines;
	struct ks_demangler *demangler;	/* NULL: names stay as the symbol tables have them */
	Dwfl_Callbacks cb;
	struct arena arena;
	struct strset strs;
	struct ks_ksyms **ktabs;	/* every kallsyms loaded; the last one is used */
	size_t nktabs;
	struct ks_dso *dsos;
	struct ks_dso **dso_slot;
	size_t dso_mask, dso_count;
	struct cache_ent *cache;
	size_t cache_mask, cache_count;
};

/* ---- allocation, hashing, interning ---- */

static void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (size > a->left) {
		/* A big block gets a chunk of its own, the current one stays in use. */
		bool big = size > ARENA_CHUNK / 4;

		c = malloc(sizeof(*c) + (big ? size : ARENA_CHUNK));
		if (!c)
			return NULL;
		if (big && a->head) {
			c->next = a->head->next;
			a->head->next = c;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->cur = (char *)c->data;
		a->left = big ? size : ARENA_CHUNK;
	}
	p = a->cur;
	a->cur += size;
	a->left -= size;
	return p;
}

static void arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof(*a));
}

static int strset_grow(struct strset *t)
{
	size_t cap = t->mask ? (t->mask + 1) * 2 : 1024, i;
	const char **slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (i = 0; t->mask && i <= t->mask; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		j = ks_hash_bytes(t->slot[i], strlen(t->slot[i])) & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->mask = cap - 1;
	return 0;
}

/* One copy of every string: equal names have equal pointers, valid until ks_syms_free. */
static const char *intern_n(struct ks_syms *s, const char *str, size_t len)
{
	struct strset *t = &s->strs;
	size_t i;
	char *copy;

	if ((t->count + 1) * 2 > t->mask + 1 && strset_grow(t))
		return NULL;
	i = ks_hash_bytes(str, len) & t->mask;
	for (; t->slot[i]; i = (i + 1) & t->mask)
		if (!strncmp(t->slot[i], str, len) && !t->slot[i][len])
			return t->slot[i];
	copy = arena_alloc(&s->arena, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, str, len);
	copy[len] = 0;
	t->slot[i] = copy;
	t->count++;
	return copy;
}

static const char *intern(struct ks_syms *s, const char *str)
{
	return str ? intern_n(s, str, strlen(str)) : NULL;
}

/* ---- kernel ---- */

int ks_syms_load_kallsyms(struct ks_syms *s, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = 0;
	return ks_syms_load_kallsyms_owned(s, copy, len);
}

/* Makes @k the table lookups use; the ones before stay (results point into them). */
static int add_ktab(struct ks_syms *s, struct ks_ksyms *k)
{
	struct ks_ksyms **nk = realloc(s->ktabs, (s->nktabs + 1) * sizeof(*nk));

	if (!nk) {
		ks_ksyms_free(k);
		return -ENOMEM;
	}
	s->ktabs = nk;
	s->ktabs[s->nktabs++] = k;
	return 0;
}

int ks_syms_load_kallsyms_owned(struct ks_syms *s, char *text, size_t len)
{
	struct ks_ksyms *k;
	int ret = ks_ksyms_from_text(&k, text, len);

	return ret ? ret : add_ktab(s, k);
}

int ks_syms_load_kallsyms_file(struct ks_syms *s, int fd, uint64_t off, size_t len)
{
	struct ks_ksyms *k;
	int ret = ks_ksyms_from_file(&k, fd, off, len);

	return ret ? ret : add_ktab(s, k);
}

static struct ks_ksyms *ktab(const struct ks_syms *s)
{
	return s->nktabs ? s->ktabs[s->nktabs - 1] : NULL;
}

int ks_syms_kernel(struct ks_syms *s, uint64_t addr, struct ks_sym *out, const char **module)
{
	return ks_ksyms_lookup(ktab(s), addr, out, module);
}

int ks_syms_kernel_range(struct ks_syms *s, const char *module, uint64_t *start, uint64_t *end)
{
	return ks_ksyms_range(ktab(s), module, start, end);
}

/* ---- user binaries: opening ---- */

static int dso_fail(struct ks_dso *d, int err, const char *why)
{
	d->err = err;
	d->why = why;
	return err;
}

static bool fd_has_build_id(int fd, const uint8_t *bid, size_t len)
{
	uint8_t fbid[64];
	size_t n = ks_buildid_fd(fd, fbid, sizeof(fbid));

	return n && ks_buildid_equal(fbid, n, bid, len);
}

/*
 * Open @path as separate debuginfo for @d: a regular file other than the binary
 * itself, with build-id @bid when one is known. Without a build-id the debuglink's
 * CRC is not checked (that would read the whole file).
 */
static int open_debug(struct ks_dso *d, const char *path, const uint8_t *bid, size_t bid_len,
		      char **name)
{
	struct stat st;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || (st.st_dev == d->dev && st.st_ino == d->ino))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (bid_len && !fd_has_build_id(fd, bid, bid_len)) {
		close(fd);
		return -1;
	}
	*name = strdup(path);
	if (!*name) {
		close(fd);
		return -1;
	}
	return fd;
}

/* open_debug() on a formatted path; a path that does not fit is not tried. */
static int open_debugf(struct ks_dso *d, const uint8_t *bid, size_t bid_len, char **name,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int open_debugf(struct ks_dso *d, const uint8_t *bid, size_t bid_len, char **name,
		       const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return open_debug(d, path, bid, bid_len, name);
}

static int open_by_build_id(struct ks_dso *d, const uint8_t *bid, size_t len, char **name)
{
	char hex[2 * 64 + 1];

	if (len < 2 || len > 64)
		return -1;
	ks_hex(bid + 1, len - 1, hex);
	return open_debugf(d, bid, len, name, "%s/usr/lib/debug/.build-id/%02x/%s.debug",
			   d->s->symfs, bid[0], hex);
}

/* The dwz supplement named in a debug file's .gnu_debugaltlink: name, then build-id. */
static bool read_altlink(const char *file, char *name, size_t size, uint8_t *bid, size_t *bid_len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	bool found = false;
	size_t shstrndx;
	Elf *elf;

	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while (!found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *sname;
		Elf_Data *data;
		size_t nlen;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sname = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(sname, ".gnu_debugaltlink"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			break;
		nlen = strnlen(data->d_buf, data->d_size);
		if (nlen >= data->d_size || nlen >= size || data->d_size - nlen - 1 > 64)
			break;
		memcpy(name, data->d_buf, nlen + 1);
		*bid_len = data->d_size - nlen - 1;
		memcpy(bid, (char *)data->d_buf + nlen + 1, *bid_len);
		found = true;
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

/*
 * libdwfl's find_debuginfo callback. Ours rather than dwfl_standard_find_debuginfo:
 * every path is under symfs (the standard one looks relative to the real file's
 * directory and under absolute debug directories), and it never asks a debuginfod
 * server (libdwfl does whenever DEBUGINFOD_URLS is set: a report must not download).
 * Called for the binary's debuginfo and, if that uses dwz, for its supplement.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *link,
			  GElf_Word crc, char **debuginfo_file_name)
{
	struct ks_dso *d = *userdata;
	const char *slash;
	char alt[4096];
	uint8_t abid[64];
	size_t abid_len;
	int fd = -1, dlen, mlen;

	if (!d)
		goto out;
	if (file_name && link && read_altlink(file_name, alt, sizeof(alt), abid, &abid_len) &&
	    !strcmp(alt, link)) {
		fd = open_by_build_id(d, abid, abid_len, debuginfo_file_name);
		if (fd >= 0)
			goto out;
		slash = strrchr(file_name, '/');
		if (link[0] == '/')
			fd = open_debugf(d, abid, abid_len, debuginfo_file_name, "%s%s",
					 d->s->symfs, link);
		else	/* relative to the debug file naming it */
			fd = open_debugf(d, abid, abid_len, debuginfo_file_name, "%.*s%s",
					 slash ? (int)(slash + 1 - file_name) : 0, file_name, link);
		goto out;
	}
	fd = open_by_build_id(d, d->fbid, d->fbid_len, debuginfo_file_name);
	if (fd >= 0 || !link || !link[0] || strchr(link, '/'))
		goto out;
	/* .gnu_debuglink: next to the file, in .debug/ there, in /usr/lib/debug/<dir>/ */
	slash = strrchr(d->file, '/');
	dlen = slash ? (int)(slash - d->file) : 0;
	fd = open_debugf(d, d->fbid, d->fbid_len, debuginfo_file_name, "%.*s/%s",
			 dlen, d->file, link);
	if (fd < 0)
		fd = open_debugf(d, d->fbid, d->fbid_len, debuginfo_file_name, "%.*s/.debug/%s",
				 dlen, d->file, link);
	slash = strrchr(d->path, '/');
	mlen = slash ? (int)(slash - d->path) : 0;
	if (fd < 0)
		fd = open_debugf(d, d->fbid, d->fbid_len, debuginfo_file_name,
				 "%s/usr/lib/debug%.*s/%s", d->s->symfs, mlen, d->path, link);
out:
	/* libdwfl reads errno after a failure: 0 means "none found", not an error */
	if (fd < 0)
		errno = 0;
	return fd;
}

/* Never asked for: every module is reported with its file already open. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	errno = 0;
	return -1;
}

static int dso_segments(struct ks_dso *d, Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t nph, i, nsec;

	if (elf_getphdrnum(elf, &nph) || !nph || nph > 65535)
		return -ENOEXEC;
	d->segs = calloc(nph, sizeof(*d->segs));
	if (!d->segs)
		return -ENOMEM;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		d->segs[d->nsegs++] = (struct dso_seg){
			.off = ph.p_offset, .filesz = ph.p_filesz, .vaddr = ph.p_vaddr,
			.exec = ph.p_flags & PF_X,
		};
	}
	if (!d->nsegs)
		return -ENOEXEC;
	/* code sections bound what a symbol without size may cover */
	if (elf_getshdrnum(elf, &nsec) || nsec > 65536)
		nsec = 0;
	d->xsecs = calloc(nsec + d->nsegs, sizeof(*d->xsecs));
	if (!d->xsecs)
		return -ENOMEM;
	while (nsec && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    (sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR) &&
		    sh.sh_addr + sh.sh_size > sh.sh_addr && d->nxsecs < nsec)
			d->xsecs[d->nxsecs++] = (struct addr_range){ sh.sh_addr,
								     sh.sh_addr + sh.sh_size };
	}
	for (i = 0; !d->nxsecs && i < d->nsegs; i++)	/* no section headers */
		if (d->segs[i].exec)
			d->xsecs[d->nxsecs++] = (struct addr_range){
				d->segs[i].vaddr, d->segs[i].vaddr + d->segs[i].filesz };
	return 0;
}

static bool in_same_code_section(const struct ks_dso *d, uint64_t a, uint64_t b)
{
	unsigned int i;

	for (i = 0; i < d->nxsecs; i++)
		if (a >= d->xsecs[i].lo && a < d->xsecs[i].hi)
			return b >= d->xsecs[i].lo && b < d->xsecs[i].hi;
	return false;
}

/*
 * Among symbols at one address: one with a size, a function (not an assembly
 * label), global over weak over local, fewer leading underscores (malloc over
 * __libc_malloc), then the first in the table.
 */
static int fsym_rank(const GElf_Sym *sym, const char *name)
{
	int bind = GELF_ST_BIND(sym->st_info), rank = 0, u = 0;

	rank += sym->st_size ? 1000 : 0;
	rank += GELF_ST_TYPE(sym->st_info) != STT_NOTYPE ? 100 : 0;
	rank += bind == STB_GLOBAL ? 20 : bind == STB_WEAK ? 10 : 0;
	while (name[u] == '_' && u < 9)
		u++;
	return rank + 9 - u;
}

/*
 * The function symbols of whichever tables libdwfl found (.symtab, else the
 * debuginfo's, else .dynsym, plus .gnu_debugdata), sorted once: libdwfl's
 * dwfl_module_addrinfo scans every symbol on each call (130 us a lookup in libc).
 */
/* The buckets of fsym_find, about one per 4 symbols; none (plain binary search) if no memory. */
static void fsym_buckets(struct ks_dso *d)
{
	uint64_t span;
	size_t b, i = 0;

	if (d->nfsyms < 64 || d->nfsyms > UINT32_MAX)
		return;
	span = d->fsyms[d->nfsyms - 1].addr - d->fsyms[0].addr;
	d->bucket_shift = 4;
	while ((span >> d->bucket_shift) > d->nfsyms / 4)
		d->bucket_shift++;
	d->nbuckets = (size_t)(span >> d->bucket_shift) + 2;
	d->bucket = malloc(d->nbuckets * sizeof(*d->bucket));
	if (!d->bucket)
		return;
	for (b = 0; b < d->nbuckets; b++) {
		uint64_t start = d->fsyms[0].addr + ((uint64_t)b << d->bucket_shift);

		while (i < d->nfsyms && d->fsyms[i].addr < start)
			i++;
		d->bucket[b] = (uint32_t)i;
	}
}

static int dso_index_symbols(struct ks_dso *d)
{
	int n = dwfl_module_getsymtab(d->mod), i;
	struct ks_sortkey *keys;
	struct dso_fsym *t;
	uint64_t maxend = 0;
	size_t k = 0, j;

	if (n <= 0)
		return 0;
	t = calloc(n, sizeof(*t));
	keys = calloc(n, sizeof(*keys));
	d->fsyms = malloc(n * sizeof(*d->fsyms));
	if (!t || !keys || !d->fsyms)
		goto out_nomem;
	for (i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(d->mod, i, &sym, &addr, &shndx, NULL,
							   NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || shndx == SHN_ABS ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) ||
		    (type == STT_NOTYPE && !in_same_code_section(d, addr, addr)))
			continue;
		t[k].addr = addr;
		t[k].size = sym.st_size;
		t[k].name = name;
		/* at one address the best rank first, then the table's order */
		keys[k].key = addr;
		keys[k].tie = (uint64_t)(UINT16_MAX - fsym_rank(&sym, name)) << 32 | k;
		k++;
	}
	if (ks_keysort(keys, k))
		goto out_nomem;
	for (j = 0; j < k; j++) {
		struct dso_fsym *f = &t[(uint32_t)keys[j].tie];

		if (d->nfsyms && d->fsyms[d->nfsyms - 1].addr == f->addr)
			continue;	/* the best one at this address came first */
		if (f->size && f->addr + f->size > maxend)
			maxend = f->addr + f->size < f->addr ? UINT64_MAX : f->addr + f->size;
		f->maxend = maxend;
		d->fsyms[d->nfsyms++] = *f;
	}
	free(keys);
	free(t);
	fsym_buckets(d);
	return 0;
out_nomem:
	free(keys);
	free(t);
	free(d->fsyms);
	d->fsyms = NULL;
	return -ENOMEM;
}

/*
 * The symbol holding @addr: a sized one that contains it (the innermost when they
 * nest), else the closest label without size below it, if no sized symbol ends
 * between the two and both are in one code section.
 */
static struct dso_fsym *fsym_find(const struct ks_dso *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nfsyms, i, b;

	if (!hi || addr < d->fsyms[0].addr)
		return NULL;
	b = (addr - d->fsyms[0].addr) >> d->bucket_shift;
	if (d->bucket && b + 1 < d->nbuckets) {
		/* the answer is below the next bucket's first and at least the one before ours */
		lo = d->bucket[b] ? d->bucket[b] - 1 : 0;
		hi = d->bucket[b + 1];
	} else if (d->bucket) {
		lo = d->nfsyms - 1;	/* past the last bucket: above every symbol */
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->fsyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	for (i = lo;; i--) {
		struct dso_fsym *f = &d->fsyms[i];

		if (f->size && addr - f->addr < f->size)
			return f;
		if (!i || d->fsyms[i - 1].maxend <= addr)
			break;
	}
	i = lo;
	if (!d->fsyms[i].size && (!i || d->fsyms[i - 1].maxend <= d->fsyms[i].addr) &&
	    in_same_code_section(d, d->fsyms[i].addr, addr))
		return &d->fsyms[i];
	return NULL;
}

static int dso_open_file(struct ks_syms *s, struct ks_dso *d, struct stat *st)
{
	size_t plen = strlen(d->path), flen = strlen(s->symfs) + plen + 1;
	static const char deleted[] = " (deleted)";
	int fd, ret;

	d->file = malloc(flen);
	if (!d->file)
		return -ENOMEM;
	snprintf(d->file, flen, "%s%s", s->symfs, d->path);
	ret = stat(d->file, st);
	if (ret && errno == ENOENT && plen > sizeof(deleted) - 1 &&
	    !strcmp(d->path + plen - (sizeof(deleted) - 1), deleted)) {
		/* unlinked while mapped: maybe a file of that name is there (build-id decides) */
		d->file[flen - sizeof(deleted)] = 0;
		ret = stat(d->file, st);
	}
	/* never open a device or a FIFO: opening alone may block or have effects */
	if (ret)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	fd = open(d->file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	return fd;
}

static int dso_open(struct ks_syms *s, struct ks_dso *d)
{
	const uint8_t *fbid;
	struct stat st;
	GElf_Ehdr eh;
	Elf *elf = NULL;
	void **udata;
	size_t n;
	int fd, ret;

	d->opened = true;
	if (d->path[0] != '/')
		return dso_fail(d, -ENOENT, "not a file (an anonymous or special mapping)");
	fd = dso_open_file(s, d, &st);
	if (fd < 0) {
		char msg[160];

		switch (fd) {
		case -ENOENT: case -ENOTDIR:
			return dso_fail(d, -ENOENT, "not found under SYMFS");
		case -EISDIR: case -EINVAL:
			return dso_fail(d, fd, "not a regular file");
		case -ENOMEM:
			return dso_fail(d, fd, "out of memory");
		}
		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(-fd));
		return dso_fail(d, fd, intern(s, msg) ?: "cannot open");
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		dso_fail(d, -ENOEXEC, "not an ELF file");
		goto out_close;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		dso_fail(d, -ENOEXEC, "not an executable or shared library");
		goto out_close;
	}
	n = ks_buildid_elf(elf, &fbid);
	if (n && n <= sizeof(d->fbid)) {
		memcpy(d->fbid, fbid, n);
		d->fbid_len = n;
	}
	if (d->bid_len && !ks_buildid_equal(d->bid, d->bid_len, d->fbid, d->fbid_len)) {
		dso_fail(d, -ESTALE, "build-id differs");
		goto out_close;
	}
	ret = dso_segments(d, elf);
	if (ret) {
		dso_fail(d, ret, ret == -ENOMEM ? "out of memory" : "no loadable segments");
		goto out_close;
	}
	elf_end(elf);
	elf = NULL;

	d->dwfl = dwfl_begin(&s->cb);
	if (!d->dwfl) {
		dso_fail(d, -ENOMEM, "out of memory");
		goto out_close;
	}
	/* base 0 + p_vaddr: module addresses are the file's own vaddrs (bias 0) */
	d->mod = dwfl_report_elf(d->dwfl, d->base, d->file, fd, 0, true);
	if (!d->mod) {
		char msg[256];

		snprintf(msg, sizeof(msg), "libdwfl cannot read it: %s", dwfl_errmsg(-1));
		dso_fail(d, -ENOEXEC, intern(s, msg) ?: "libdwfl cannot read it");
		goto out_close;
	}
	fd = -1;	/* the module owns it now */
	dwfl_report_end(d->dwfl, NULL, NULL);
	dwfl_module_info(d->mod, &udata, NULL, NULL, NULL, NULL, NULL, NULL);
	*udata = d;
	if (dso_index_symbols(d))
		return dso_fail(d, -ENOMEM, "out of memory");
	if (!d->nfsyms)
		return dso_fail(d, -ENODATA, "no symbols (stripped, no debuginfo found)");
	return 0;
out_close:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return d->err;
}

/* ---- user binaries: lookups ---- */

static bool file_to_vaddr(const struct ks_dso *d, uint64_t off, uint64_t *vaddr)
{
	bool found = false;
	unsigned int i;

	/* segments may share a page: an executable one wins */
	for (i = 0; i < d->nsegs; i++) {
		const struct dso_seg *g = &d->segs[i];

		if (off < g->off || off - g->off >= g->filesz || (found && !g->exec))
			continue;
		*vaddr = g->vaddr + (off - g->off);
		found = true;
		if (g->exec)
			break;
	}
	return found;
}

/* Where an inlined instance was called from. */
static void call_site(Dwarf_Die *die, const char **file, unsigned int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx, ln;
	Dwarf_Die cu;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &ln) && ln <= UINT32_MAX)
		*line = (unsigned int)ln;
	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &idx) &&
	    dwarf_diecu(die, &cu, NULL, NULL) && !dwarf_getsrcfiles(&cu, &files, &nfiles) &&
	    idx < nfiles)
		*file = dwarf_filesrc(files, idx, NULL, NULL);
}

/* One code range of a function DIE, sorted by start, per CU. */
struct fn_range {
	uint64_t lo, hi;
	uint64_t maxend;		/* the highest end up to here */
	Dwarf_Die die;
};

struct fn_collect {
	struct fn_range *r;
	size_t n, cap;
	bool nomem;
};

static int fn_collect(Dwarf_Die *die, void *arg)
{
	struct fn_collect *c = arg;
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct fn_range *r = realloc(c->r, cap * sizeof(*r));

			if (!r) {
				c->nomem = true;
				return DWARF_CB_ABORT;
			}
			c->r = r;
			c->cap = cap;
		}
		c->r[c->n++] = (struct fn_range){ .lo = lo, .hi = hi, .die = *die };
	}
	return DWARF_CB_OK;
}

static int fn_range_cmp(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi > y->hi ? -1 : x->hi < y->hi;	/* the enclosing one first */
}

static int cu_table_grow(struct ks_dso *d)
{
	size_t cap = d->cu_mask ? (d->cu_mask + 1) * 2 : 64, i, j;
	struct cu_fns *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; d->cu_mask && i <= d->cu_mask; i++) {
		if (!d->cus[i].key)
			continue;
		for (j = ks_hash_u64(d->cus[i].key) & (cap - 1); t[j].key; j = (j + 1) & (cap - 1))
			;
		t[j] = d->cus[i];
	}
	free(d->cus);
	d->cus = t;
	d->cu_mask = cap - 1;
	return 0;
}

/*
 * The functions with code in a CU, indexed on first use (one walk of its DIEs
 * with dwarf_getfuncs). dwarf_getscopes would walk the whole CU again for every
 * address: 100 us a lookup in libc.
 */
static struct cu_fns *cu_functions(struct ks_dso *d, Dwarf_Die *cu)
{
	uint64_t key = dwarf_dieoffset(cu) + 1, maxend = 0;
	struct fn_collect c = { 0 };
	struct cu_fns *e;
	size_t i;

	if ((d->ncus + 1) * 2 > d->cu_mask + 1 && cu_table_grow(d))
		return NULL;
	for (i = ks_hash_u64(key) & d->cu_mask; d->cus[i].key; i = (i + 1) & d->cu_mask)
		if (d->cus[i].key == key)
			return &d->cus[i];
	e = &d->cus[i];
	if (dwarf_getfuncs(cu, fn_collect, &c, 0) < 0 && c.nomem) {
		free(c.r);
		return NULL;
	}
	if (c.n)
		qsort(c.r, c.n, sizeof(*c.r), fn_range_cmp);
	for (i = 0; i < c.n; i++) {
		if (c.r[i].hi > maxend)
			maxend = c.r[i].hi;
		c.r[i].maxend = maxend;
	}
	e->key = key;
	e->r = c.r;
	e->n = c.n;
	d->ncus++;
	return e;
}

/* The innermost function range holding @pc (nested functions nest their ranges). */
static const struct fn_range *fn_find(const struct cu_fns *c, uint64_t pc)
{
	size_t lo = 0, hi = c->n, i;

	if (!hi || pc < c->r[0].lo)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->r[mid].lo <= pc)
			lo = mid;
		else
			hi = mid;
	}
	for (i = lo;; i--) {
		if (pc < c->r[i].hi)
			return &c->r[i];
		if (!i || c->r[i - 1].maxend <= pc)
			return NULL;
	}
}

/*
 * The functions at @vaddr from DWARF, innermost first: the inlined instances
 * (DW_TAG_inlined_subroutine, nested in the concrete function's DIE tree, maybe
 * inside lexical blocks), then the concrete function.
 */
static int dwarf_frames(struct ks_dso *d, uint64_t vaddr, Dwarf_Die *frames)
{
	Dwarf_Die chain[MAX_INLINE], die, child, *cu;
	const struct fn_range *f;
	struct cu_fns *c;
	Dwarf_Addr bias;
	uint64_t pc;
	int n = 0, i;

	cu = dwfl_module_addrdie(d->mod, vaddr, &bias);
	if (!cu || !(c = cu_functions(d, cu)))
		return 0;
	pc = vaddr - bias;
	f = fn_find(c, pc);
	if (!f)
		return 0;
	die = chain[n++] = f->die;
	while (n < MAX_INLINE && !dwarf_child(&die, &child)) {
		bool deeper = false;

		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
			     tag == DW_TAG_try_block || tag == DW_TAG_catch_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				deeper = true;
				break;
			}
		} while (!dwarf_siblingof(&child, &child));
		if (!deeper)
			break;
		die = child;
		if (dwarf_tag(&die) == DW_TAG_inlined_subroutine)
			chain[n++] = die;
	}
	for (i = 0; i < n; i++)
		frames[i] = chain[n - 1 - i];
	return n;
}

/*
 * The name a symbol is shown by: "memcpy@@GLIBC_2.14" in .symtab is "memcpy" in
 * .dynsym, so the version goes; C++ names are demangled. Once per symbol.
 */
static const char *fsym_shown(struct ks_syms *s, struct dso_fsym *f)
{
	size_t len = strcspn(f->name, "@");
	char *bare, *readable = NULL;

	if (f->line.func)
		return f->line.func;
	if (!len)
		len = strlen(f->name);
	if (s->demangler && ks_demangle_wanted(f->name)) {
		bare = strndup(f->name, len);
		readable = bare ? ks_demangle(s->demangler, bare) : NULL;
		free(bare);
	}
	f->line.func = readable ? intern(s, readable) : intern_n(s, f->name, len);
	free(readable);
	return f->line.func;
}

/*
 * A function's name from DWARF: its linkage name demangled when it has one (C++
 * methods and templates get their classes and namespaces, as in the symbol table),
 * else DW_AT_name. Lines mode only, where each address is resolved once.
 */
static const char *die_name(struct ks_syms *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	char *readable;
	const char *name;

	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (link && s->demangler && (readable = ks_demangle(s->demangler, link))) {
		name = intern(s, readable);
		free(readable);
		return name;
	}
	return intern(s, dwarf_diename(die));
}

static int dso_resolve(struct ks_syms *s, struct ks_dso *d, uint64_t off, struct ks_sym *out)
{
	Dwarf_Die frames[MAX_INLINE];
	const char *symname = NULL, *file = NULL;
	struct dso_fsym *fsym;
	struct ks_sym_line *lines;
	uint64_t vaddr = 0, symoff = 0;
	int nf = 0, lineno = 0, i;
	unsigned int nlines;

	if (!file_to_vaddr(d, off, &vaddr))
		return -ENOENT;
	fsym = fsym_find(d, vaddr);
	if (fsym) {
		symname = fsym_shown(s, fsym);
		symoff = vaddr - fsym->addr;
	}
	if (!s->no_lines) {
		Dwfl_Line *ln = dwfl_module_getsrc(d->mod, vaddr);

		if (ln)
			file = dwfl_lineinfo(ln, NULL, &lineno, NULL, NULL, NULL);
		nf = dwarf_frames(d, vaddr, frames);
	}
	if (!symname && !nf)
		return -ENOENT;
	nlines = nf ? (unsigned int)nf : 1;
	lines = arena_alloc(&s->arena, nlines * sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	memset(lines, 0, nlines * sizeof(*lines));
	lines[0].file = intern(s, file);
	lines[0].line = lineno > 0 ? (unsigned int)lineno : 0;
	for (i = 0; i < nf; i++) {
		lines[i].func = die_name(s, &frames[i]);
		if (i + 1 < nf) {
			const char *cfile;

			call_site(&frames[i], &cfile, &lines[i + 1].line);
			lines[i + 1].file = intern(s, cfile);
		}
	}
	if (symname) {
		lines[nlines - 1].func = symname;
	} else {
		Dwarf_Addr low;

		/* DWARF only (no symbol covers it): offset from the function's entry */
		if (!dwarf_entrypc(&frames[nf - 1], &low) && low <= vaddr)
			symoff = vaddr - low;
	}
	out->nlines = nlines;
	out->lines = lines;
	out->offset = symoff;
	return 0;
}

/*
 * The symbol table alone (no DWARF): a binary search, and a line kept in the symbol,
 * so nothing is allocated or cached per address: cheaper than the cache, whose
 * entries for every return address of a big program cost more than they save.
 */
static int dso_resolve_symbol(struct ks_syms *s, struct ks_dso *d, uint64_t off,
			      struct ks_sym *out)
{
	struct dso_fsym *f;
	uint64_t vaddr;

	if (!file_to_vaddr(d, off, &vaddr) || !(f = fsym_find(d, vaddr)))
		return -ENOENT;
	if (!fsym_shown(s, f))
		return -ENOMEM;
	out->nlines = 1;
	out->lines = &f->line;
	out->offset = vaddr - f->addr;
	return 0;
}

static struct cache_ent *cache_slot(struct ks_syms *s, const struct ks_dso *d, uint64_t off)
{
	size_t i = ks_hash_u64(off ^ d->hash) & s->cache_mask;

	while (s->cache[i].dso && (s->cache[i].dso != d || s->cache[i].off != off))
		i = (i + 1) & s->cache_mask;
	return &s->cache[i];
}

static int cache_grow(struct ks_syms *s)
{
	struct cache_ent *old = s->cache;
	size_t omask = s->cache_mask, cap = old ? (omask + 1) * 2 : 4096, i;

	s->cache = calloc(cap, sizeof(*s->cache));
	if (!s->cache) {
		s->cache = old;
		return -ENOMEM;
	}
	s->cache_mask = cap - 1;
	for (i = 0; old && i <= omask; i++)
		if (old[i].dso)
			*cache_slot(s, old[i].dso, old[i].off) = old[i];
	free(old);
	return 0;
}

int ks_syms_dso_lookup(struct ks_syms *s, struct ks_dso *d, uint64_t file_offset,
		       struct ks_sym *out)
{
	struct cache_ent *e;
	struct ks_sym sym = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	if (!d)
		return -EINVAL;
	if (!d->opened)
		dso_open(s, d);
	if (d->err)
		return d->err;
	if (s->no_lines)
		return dso_resolve_symbol(s, d, file_offset, out);
	if ((s->cache_count + 1) * 2 > s->cache_mask + 1 && cache_grow(s))
		return -ENOMEM;
	e = cache_slot(s, d, file_offset);
	if (e->dso) {
		*out = e->sym;
		return e->ret;
	}
	ret = dso_resolve(s, d, file_offset, &sym);
	if (ret == -ENOMEM)
		return ret;
	e->dso = d;
	e->off = file_offset;
	e->sym = sym;
	e->ret = ret;
	s->cache_count++;
	*out = sym;
	return ret;
}

int ks_syms_dso_status(struct ks_syms *s, struct ks_dso *d, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!d) {
		*why = "no binary";
		return -EINVAL;
	}
	if (!d->opened)
		dso_open(s, d);
	*why = d->why;
	return d->err;
}

/* ---- the DSO table ---- */

static uint64_t dso_hash(const char *path, const uint8_t *bid, size_t len)
{
	return ks_hash_u64((uint64_t)(uintptr_t)path) ^ (len ? ks_hash_bytes(bid, len) : 0);
}

static bool dso_is(const struct ks_dso *d, const char *path, const uint8_t *bid, size_t len)
{
	return d->path == path && d->bid_len == len && (!len || !memcmp(d->bid, bid, len));
}

static int dso_table_grow(struct ks_syms *s)
{
	size_t cap = s->dso_mask ? (s->dso_mask + 1) * 2 : 256, i;
	struct ks_dso **slot = calloc(cap, sizeof(*slot));
	struct ks_dso *d;

	if (!slot)
		return -ENOMEM;
	for (d = s->dsos; d; d = d->next) {
		i = d->hash & (cap - 1);
		while (slot[i])
			i = (i + 1) & (cap - 1);
		slot[i] = d;
	}
	free(s->dso_slot);
	s->dso_slot = slot;
	s->dso_mask = cap - 1;
	return 0;
}

struct ks_dso *ks_syms_dso(struct ks_syms *s, const char *path, const uint8_t *build_id,
			   size_t build_id_len)
{
	const char *ipath = intern(s, path ? path : ""), *slash;
	struct ks_dso *d;
	uint64_t h;
	size_t i;

	if (!build_id)
		build_id_len = 0;
	if (!ipath || ((s->dso_count + 1) * 2 > s->dso_mask + 1 && dso_table_grow(s)))
		return NULL;
	h = dso_hash(ipath, build_id, build_id_len);
	for (i = h & s->dso_mask; (d = s->dso_slot[i]); i = (i + 1) & s->dso_mask)
		if (d->hash == h && dso_is(d, ipath, build_id, build_id_len))
			return d;
	d = arena_alloc(&s->arena, sizeof(*d));
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	if (build_id_len) {
		uint8_t *bid = arena_alloc(&s->arena, build_id_len);

		if (!bid)
			return NULL;
		memcpy(bid, build_id, build_id_len);
		d->bid = bid;
		d->bid_len = build_id_len;
	}
	slash = strrchr(ipath, '/');
	d->base = slash ? slash + 1 : ipath;
	d->s = s;
	d->path = ipath;
	d->hash = h;
	d->next = s->dsos;
	s->dsos = d;
	s->dso_slot[i] = d;
	s->dso_count++;
	return d;
}

const char *ks_syms_dso_name(const struct ks_dso *d)
{
	return d->path;
}

const char *ks_syms_dso_basename(const struct ks_dso *d)
{
	return d->base;
}

/* ---- the context ---- */

int ks_syms_new(struct ks_syms **out, const struct ks_syms_opts *o, struct ks_err *err)
{
	const char *symfs = o && o->symfs && o->symfs[0] ? o->symfs : "/";
	struct ks_syms *s;
	struct stat st;
	size_t n;

	*out = NULL;
	if (stat(symfs, &st)) {
		int e = errno;

		return ks_err_set(err, -e, "symfs %s: %s", symfs, strerror(e));
	}
	if (!S_ISDIR(st.st_mode))
		return ks_err_set(err, -ENOTDIR, "symfs %s is not a directory", symfs);
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out_nomem;
	/* "/" and "/x/" become "" and "/x": a binary's file is symfs + its absolute path */
	n = strlen(symfs);
	while (n && symfs[n - 1] == '/')
		n--;
	s->symfs = strndup(symfs, n);
	if (!s->symfs)
		goto out_nomem;
	s->no_lines = o && o->no_lines;
	if (!(o && o->no_demangle) && !(s->demangler = ks_demangler_new()))
		goto out_nomem;
	s->cb.find_elf = find_elf;
	s->cb.find_debuginfo = find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	elf_version(EV_CURRENT);
	*out = s;
	return 0;
out_nomem:
	if (s)
		free(s->symfs);
	free(s);
	return ks_err_set(err, -ENOMEM, "out of memory");
}

void ks_syms_free(struct ks_syms *s)
{
	struct ks_dso *d;
	size_t i;

	if (!s)
		return;
	for (d = s->dsos; d; d = d->next) {
		if (d->dwfl)
			dwfl_end(d->dwfl);
		free(d->file);
		free(d->segs);
		free(d->xsecs);
		free(d->fsyms);
		free(d->bucket);
		for (i = 0; d->cus && i <= d->cu_mask; i++)
			free(d->cus[i].r);
		free(d->cus);
	}
	for (i = 0; i < s->nktabs; i++)
		ks_ksyms_free(s->ktabs[i]);
	free(s->ktabs);
	ks_demangler_free(s->demangler);
	free(s->dso_slot);
	free(s->cache);
	free(s->strs.slot);
	arena_free(&s->arena);
	free(s->symfs);
	free(s);
}
