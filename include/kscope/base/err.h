/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Errors and exit codes. Library code returns -errno and, for the user, one line in
 * a struct ks_err; it never prints and never exits. The error also says what kind of
 * failure it is, and that decides the exit status, the same for every command
 * (kscope(1), EXIT STATUS):
 *
 *   0  success (a recording ended by Ctrl-C included)
 *   1  runtime failure: an I/O error, the kernel refused a write
 *   2  bad usage or input: an unknown option, a bad value, a missing, unreadable or
 *      corrupt input file
 *   3  the kernel lacks what was asked; the message names the `kscope check` line
 *
 * and, with "-- command", the command's own status (128+N if signal N killed it).
 */
#ifndef KSCOPE_BASE_ERR_H
#define KSCOPE_BASE_ERR_H

#include <stdarg.h>

enum {
	KS_EXIT_OK = 0,
	KS_EXIT_FAIL = 1,
	KS_EXIT_USAGE = 2,
	KS_EXIT_KERNEL = 3,
};

enum ks_err_kind {
	KS_ERR_RUNTIME,		/* exit 1 */
	KS_ERR_INPUT,		/* exit 2 */
	KS_ERR_KERNEL,		/* exit 3 */
};

struct ks_err {
	enum ks_err_kind kind;
	char msg[1024];
};

/*
 * Set the message and return @ret. The kind follows from @ret: -EINVAL, -ENOENT,
 * -ESRCH, -E2BIG, -ERANGE, -ENAMETOOLONG, -EISDIR, -ENOTDIR and -EBADMSG are bad
 * input; everything else is a runtime failure. @err may be NULL.
 */
int ks_err_set(struct ks_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Bad usage or input whatever @ret is (a corrupt file read with -EIO, say). */
int ks_err_input(struct ks_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A runtime failure whatever @ret is (an output file that cannot be created, say). */
int ks_err_runtime(struct ks_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The kernel lacks something: the message ends "(kscope check: @item)". */
int ks_err_kernel(struct ks_err *err, int ret, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The error already set is the input's fault (a file that cannot be read, say). Returns @ret. */
int ks_err_mark_input(struct ks_err *err, int ret);
/* Put "PREFIX: " in front of the message; the kind stays. Returns @ret. */
int ks_err_prefix(struct ks_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The exit status of a command that failed with @ret (< 0) and @err; 0 for @ret >= 0. */
int ks_err_exit(int ret, const struct ks_err *err);

#endif
