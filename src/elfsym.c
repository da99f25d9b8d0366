// SPDX-License-Identifier: GPL-2.0
/* ELF function lookup with libelf, for uprobes. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/elfsym.h"

int ks_elf_resolve_path(const char *binary, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char cand[4096];
	struct link_map *lm = NULL;
	void *h;

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
	/* A library name: let the dynamic linker find it the way programs would. */
	h = dlopen(binary, RTLD_LAZY | RTLD_LOCAL);
	if (h && !dlinfo(h, RTLD_DI_LINKMAP, &lm) && lm && lm->l_name[0] &&
	    realpath(lm->l_name, cand)) {
		snprintf(out, size, "%s", cand);
		dlclose(h);
		return 0;
	}
	if (h)
		dlclose(h);
	return -ENOENT;
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
