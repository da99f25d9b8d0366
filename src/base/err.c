// SPDX-License-Identifier: GPL-2.0-only
/* Errors for the user and the exit status they lead to. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kscope/base/err.h"

static enum ks_err_kind kind_of(int ret)
{
	switch (-ret) {
	case EINVAL:
	case ENOENT:
	case ESRCH:
	case E2BIG:
	case ERANGE:
	case ENAMETOOLONG:
	case EISDIR:
	case ENOTDIR:
	case EBADMSG:
		return KS_ERR_INPUT;
	default:
		return KS_ERR_RUNTIME;
	}
}

static void vset(struct ks_err *err, enum ks_err_kind kind, const char *fmt, va_list ap)
{
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int ks_err_set(struct ks_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vset(err, kind_of(ret), fmt, ap);
		va_end(ap);
	}
	return ret;
}

int ks_err_input(struct ks_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vset(err, KS_ERR_INPUT, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int ks_err_runtime(struct ks_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vset(err, KS_ERR_RUNTIME, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int ks_err_kernel(struct ks_err *err, int ret, const char *item, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vset(err, KS_ERR_KERNEL, fmt, ap);
		va_end(ap);
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, " (kscope check: %s)", item);
	}
	return ret;
}

int ks_err_mark_input(struct ks_err *err, int ret)
{
	if (err)
		err->kind = KS_ERR_INPUT;
	return ret;
}

int ks_err_prefix(struct ks_err *err, int ret, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;

	if (!err)
		return ret;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	return ret;
}

int ks_err_exit(int ret, const struct ks_err *err)
{
	if (ret >= 0)
		return KS_EXIT_OK;
	switch (err ? err->kind : kind_of(ret)) {
	case KS_ERR_INPUT:
		return KS_EXIT_USAGE;
	case KS_ERR_KERNEL:
		return KS_EXIT_KERNEL;
	default:
		return KS_EXIT_FAIL;
	}
}
