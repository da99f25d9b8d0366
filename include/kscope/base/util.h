/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by every module: files, strings, errors, time. */
#ifndef KSCOPE_BASE_UTIL_H
#define KSCOPE_BASE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Detail for an error that core code returns as -errno: the command prints it.
 * Core code never prints.
 */
struct ks_err {
	char msg[1024];
};

int ks_err_set(struct ks_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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
int ks_write_file(const char *path, const char *str);
/* Write all of it, retrying on EINTR and short writes. */
int ks_write_all(int fd, const void *data, size_t len);
int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off);

/* Strings. */
char *ks_strip(char *s);
int ks_parse_u64(const char *s, uint64_t *v);
int ks_parse_int(const char *s, int *v);
int ks_parse_duration(const char *s, double *secs);
/* A comma separated list split into a NULL-terminated array (one allocation). */
char **ks_split(const char *s, char sep, int *count);

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

uint64_t ks_now_ns(void);
int ks_pid_alive(int pid);
int ks_mkdir_p(const char *path, int mode);

#endif
