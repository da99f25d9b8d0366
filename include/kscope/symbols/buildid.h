/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GNU build-ids (the NT_GNU_BUILD_ID note): how a profile names the exact binary it
 * sampled, and how separate debuginfo is found and checked against it.
 */
#ifndef KSCOPE_SYMBOLS_BUILDID_H
#define KSCOPE_SYMBOLS_BUILDID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

/* What the kernel and perf keep of one (SHA-1: 20 bytes); longer ones are not used. */
#define KS_BUILD_ID_MAX 20

/* The build-id of an ELF handle: its length with *@id pointing into @elf, or 0 if none. */
size_t ks_buildid_elf(Elf *elf, const uint8_t **id);
/*
 * The build-id of the ELF file @fd or @path into @id (@cap bytes): its length, 0 if the
 * file has none, is no ELF file, or cannot be opened, or the id does not fit.
 */
size_t ks_buildid_fd(int fd, uint8_t *id, size_t cap);
size_t ks_buildid_path(const char *path, uint8_t *id, size_t cap);
/* Equal ids; perf and the kernel pad them with zeros to 20 bytes, so those don't count. */
bool ks_buildid_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
