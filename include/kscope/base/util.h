/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by every module: files, strings, errors, time. */
#ifndef KSCOPE_BASE_UTIL_H
#define KSCOPE_BASE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kscope/base/err.h"

#define KS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growing byte buffer. */
struct ks_buf {
	char *data;
	size_t len;
	size_t cap;
};

int ks_buf_reserve(struct ks_buf *b, size_t extra);
int ks_buf_add(struct ks_buf *b, const void *data, size_t len);
int ks_buf_addf(struct ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ks_buf_add_u16(struct ks_buf *b, uint16_t v);
int ks_buf_add_u32(struct ks_buf *b, uint32_t v);
int ks_buf_add_u64(struct ks_buf *b, uint64_t v);
void ks_buf_free(struct ks_buf *b);

/* Whole-file read that works on tracefs/procfs files whose st_size is 0. NUL-terminated. */
int ks_read_file(const char *path, char **data, size_t *len);
/* The same from an open fd (a pipe, standard input) to its end. */
int ks_read_fd(int fd, char **data, size_t *len);
int ks_write_file(const char *path, const char *str);
/* Write all of it, retrying on EINTR and short writes. */
int ks_write_all(int fd, const void *data, size_t len);
int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off);

/* Strings. */
char *ks_strip(char *s);
/* @n bytes as 2n lowercase hex digits and a NUL, into @out; returns @out. */
char *ks_hex(const void *data, size_t n, char *out);
/* Insertions, deletions, substitutions and swaps of neighbours from @a to @b. */
int ks_edit_distance(const char *a, const char *b);
/* A comma separated list split into a NULL-terminated array (one allocation). */
char **ks_split(const char *s, char sep, int *count);

/*
 * An unnamed scratch file in @dir (O_TMPFILE, or a name unlinked at once): nothing to
 * clean up if kscope is killed, and copies from it stay on one file system. -errno.
 */
int ks_spool_open(const char *dir);
/* The directory part of @path, as dirname(1) prints it, into @buf. -ENAMETOOLONG. */
int ks_dirname(const char *path, char *buf, size_t size);

/*
 * An output file that appears only when complete: written unnamed (O_TMPFILE) or
 * under a hidden temporary name in the same directory, then renamed over @path.
 * A failed or killed run leaves any existing file untouched. A @path that exists
 * and is not a regular file (/dev/null, a FIFO, a terminal) is written directly:
 * renaming over it would replace the device with a file.
 */
struct ks_outfile {
	int fd;
	int direct;		/* @path itself is open */
	char path[4096];
	char tmp[4200];		/* "" while the file is unnamed */
};

int ks_outfile_open(struct ks_outfile *o, const char *path);
int ks_outfile_commit(struct ks_outfile *o);
void ks_outfile_discard(struct ks_outfile *o);

/* Decimal digits of @v written backwards, ending just before @end; returns the first. */
char *ks_udec_back(char *end, unsigned long long v);
/* The two-digit pairs "00".."99", for formatting numbers fast. */
extern const char ks_digits2[201];

/* Whether @fd is a pipe or socket whose reader went away ("| head" exited). */
int ks_fd_reader_gone(int fd);

uint64_t ks_now_ns(void);
int ks_pid_alive(int pid);
int ks_mkdir_p(const char *path, int mode);

#endif
