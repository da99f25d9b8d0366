// SPDX-License-Identifier: GPL-2.0-only
/* ELF function lookup with libelf, for uprobes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/symbols/elfsym.h"

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__arm__)
#define MULTIARCH "arm-linux-gnueabihf"
#elif defined(__riscv)
#define MULTIARCH "riscv64-linux-gnu"
#else
#define MULTIARCH "."
#endif

/* "libc.so.6" exactly, or "libc" / "libc.so" as the start of a versioned name. */
static bool lib_name_matches(const char *name, const char *want)
{
	size_t n = strlen(want);

	if (!strcmp(name, want))
		return true;
	if (strncmp(name, want, n))
		return false;
	return !strncmp(name + n, ".so", 3) || (n > 3 && !strcmp(want + n - 3, ".so") &&
						name[n] == '.');
}

/* An ELF shared object for this machine (not a linker script, not another arch). */
static bool elf_native(const char *path)
{
	unsigned char mine[20], theirs[20];
	int fd, n1 = 0, n2 = 0;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n1 = (int)read(fd, mine, sizeof(mine));
		close(fd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n2 = (int)read(fd, theirs, sizeof(theirs));
		close(fd);
	}
	/* Same magic, class, data encoding and e_machine (bytes 18-19). */
	return n1 == 20 && n2 == 20 && !memcmp(theirs, ELFMAG, SELFMAG) &&
	       !memcmp(mine + 4, theirs + 4, 2) && !memcmp(mine + 18, theirs + 18, 2);
}

static bool find_in_dir(const char *dir, const char *want, char *out, size_t size)
{
	char cand[4096], best[4096] = "";
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (!lib_name_matches(de->d_name, want))
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (!elf_native(cand))
			continue;
		/* Prefer the exact name, then the shortest (libc.so.6 over libc.so.6.bak). */
		if (!strcmp(de->d_name, want) || !best[0] || strlen(cand) < strlen(best))
			snprintf(best, sizeof(best), "%s", cand);
		if (!strcmp(de->d_name, want))
			break;
	}
	closedir(d);
	return best[0] && realpath(best, out) && strlen(out) < size;
}

/*
 * Where the dynamic linker looks: $LD_LIBRARY_PATH, the directories named in
 * /etc/ld.so.conf.d, and the default ones. The library is never loaded here
 * (loading runs its constructors as root).
 */
static bool find_library(const char *want, char *out, size_t size)
{
	static const char *const defaults[] = {
		"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
		"/usr/local/lib",
	};
	const char *env = getenv("LD_LIBRARY_PATH");
	struct dirent *de;
	size_t i;
	DIR *d;

	while (env && *env) {
		size_t n = strcspn(env, ":");
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s", (int)n, env);
		if (n && find_in_dir(dir, want, out, size))
			return true;
		env += n + (env[n] == ':');
	}
	d = opendir("/etc/ld.so.conf.d");
	while (d && (de = readdir(d))) {
		char conf[4096], *text, *line, *save = NULL;

		if (de->d_name[0] == '.')
			continue;
		snprintf(conf, sizeof(conf), "/etc/ld.so.conf.d/%s", de->d_name);
		if (ks_read_file(conf, &text, NULL))
			continue;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line = ks_strip(line);
			if (line[0] == '/' && find_in_dir(line, want, out, size)) {
				free(text);
				closedir(d);
				return true;
			}
		}
		free(text);
	}
	if (d)
		closedir(d);
	for (i = 0; i < KS_ARRAY_SIZE(defaults); i++)
		if (find_in_dir(defaults[i], want, out, size))
			return true;
	return false;
}

int ks_elf_resolve_path(const char *binary, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char cand[4096];

	if (strchr(binary, '/')) {
		if (!realpath(binary, cand))
			return -errno;
		snprintf(out, size, "%s", cand);
		return 0;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, path, binary);
		if (!access(cand, X_OK) && realpath(cand, out))
			return 0;
		path += n + (path[n] == ':');
	}
	return find_library(binary, out, size) ? 0 : -ENOENT;
}

/* Look @symbol up in one symbol table; its address in *addr. */
static bool find_in(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, const char *symbol, uint64_t *addr)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return false;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (name && !strcmp(name, symbol)) {
			*addr = sym.st_value;
			return true;
		}
	}
	return false;
}

int ks_elf_func_offset(const char *path, const char *symbol, uint64_t *offset,
		       struct ks_err *err)
{
	int types[] = { SHT_SYMTAB, SHT_DYNSYM };
	bool found = false;
	uint64_t addr = 0;
	size_t i, nph;
	Elf *elf;
	int fd, ret = 0, t;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ks_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = ks_err_set(err, -ENOEXEC, "%s is not an ELF file", path);
		goto out;
	}
	for (t = 0; t < 2 && !found; t++) {
		Elf_Scn *scn = NULL;

		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && sh.sh_type == (unsigned)types[t])
				found = find_in(elf, scn, &sh, symbol, &addr);
		}
	}
	if (!found) {
		ret = ks_err_set(err, -ENOENT, "no function '%s' in %s (not in .symtab or .dynsym: "
				 "stripped, static or inlined?)", symbol, path);
		goto out;
	}
	if (elf_getphdrnum(elf, &nph)) {
		ret = ks_err_set(err, -ENOEXEC, "%s has no program headers", path);
		goto out;
	}
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) {
			*offset = addr - ph.p_vaddr + ph.p_offset;
			goto out;
		}
	}
	ret = ks_err_set(err, -ENOEXEC, "'%s' in %s is not in an executable segment", symbol, path);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}
