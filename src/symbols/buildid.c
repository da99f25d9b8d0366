// SPDX-License-Identifier: GPL-2.0-only
/* Reading and comparing GNU build-ids with libelf/libdw. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "kscope/symbols/buildid.h"

size_t ks_buildid_elf(Elf *elf, const uint8_t **id)
{
	const void *p;
	ssize_t n;

	if (!elf || elf_kind(elf) != ELF_K_ELF)
		return 0;
	n = dwelf_elf_gnu_build_id(elf, &p);
	if (n <= 0)
		return 0;
	*id = p;
	return (size_t)n;
}

size_t ks_buildid_fd(int fd, uint8_t *id, size_t cap)
{
	const uint8_t *p;
	size_t n;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	n = ks_buildid_elf(elf, &p);
	if (n > cap)
		n = 0;
	if (n)
		memcpy(id, p, n);
	if (elf)
		elf_end(elf);
	return n;
}

size_t ks_buildid_path(const char *path, uint8_t *id, size_t cap)
{
	/* O_NONBLOCK: a FIFO mapped under a file's name must not hang the recording. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t n;

	if (fd < 0)
		return 0;
	n = ks_buildid_fd(fd, id, cap);
	close(fd);
	return n;
}

bool ks_buildid_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i;

	if (!n || memcmp(a, b, n))
		return false;
	for (i = n; i < alen; i++)
		if (a[i])
			return false;
	for (i = n; i < blen; i++)
		if (b[i])
			return false;
	return true;
}
