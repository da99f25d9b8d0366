// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by every module. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include <endian.h>

#include "kscope/base/util.h"

int ks_err_set(struct ks_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return ret;
}

int ks_buf_reserve(struct ks_buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + extra + 1 <= b->cap)
		return 0;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int ks_buf_add(struct ks_buf *b, const void *data, size_t len)
{
	if (ks_buf_reserve(b, len))
		return -ENOMEM;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ks_buf_addf(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ks_buf_reserve(b, n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
	return 0;
}

/* trace.dat numbers are written in the host's order; the file says which. */
int ks_buf_add_u16(struct ks_buf *b, uint16_t v)
{
	return ks_buf_add(b, &v, sizeof(v));
}

int ks_buf_add_u32(struct ks_buf *b, uint32_t v)
{
	return ks_buf_add(b, &v, sizeof(v));
}

int ks_buf_add_u64(struct ks_buf *b, uint64_t v)
{
	return ks_buf_add(b, &v, sizeof(v));
}

void ks_buf_free(struct ks_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int ks_read_file(const char *path, char **data, size_t *len)
{
	struct ks_buf b = { 0 };
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (ks_buf_reserve(&b, 65536)) {
			ret = -ENOMEM;
			break;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		b.len += n;
	}
	close(fd);
	if (ret) {
		ks_buf_free(&b);
		return ret;
	}
	if (!b.data && ks_buf_reserve(&b, 1))
		return -ENOMEM;
	b.data[b.len] = '\0';
	*data = b.data;
	if (len)
		*len = b.len;
	return 0;
}

int ks_write_file(const char *path, const char *str)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ks_write_all(fd, str, strlen(str));
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int ks_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

char *ks_strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int ks_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int ks_parse_int(const char *s, int *v)
{
	long x;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	x = strtol(s, &end, 0);
	if (errno || *end || x < -2147483647L - 1 || x > 2147483647L)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

/* "10", "2.5", "500ms", "3s", "1m". */
int ks_parse_duration(const char *s, double *secs)
{
	double x;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || x < 0)
		return -EINVAL;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		x /= 1000;
	else if (!strcmp(end, "us"))
		x /= 1e6;
	else if (!strcmp(end, "m"))
		x *= 60;
	else
		return -EINVAL;
	*secs = x;
	return 0;
}

char **ks_split(const char *s, char sep, int *count)
{
	size_t n = 1, len = strlen(s);
	char **v, *copy, *p;
	size_t i = 0;

	for (p = (char *)s; *p; p++)
		n += *p == sep;
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v)
		return NULL;
	copy = (char *)(v + n + 1);
	memcpy(copy, s, len + 1);
	v[i++] = copy;
	for (p = copy; *p; p++) {
		if (*p == sep) {
			*p = '\0';
			v[i++] = p + 1;
		}
	}
	v[i] = NULL;
	if (count)
		*count = (int)i;
	return v;
}

int ks_outfile_open(struct ks_outfile *o, const char *path)
{
	char dir[4096], *slash;
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (strlen(path) >= sizeof(o->path))
		return -ENAMETOOLONG;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		o->direct = 1;
		return o->fd < 0 ? -errno : 0;
	}
	strcpy(o->path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
	if (o->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	/* No O_TMPFILE here: a hidden name next to the target. */
	snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.kscope-XXXXXX", dir, slash ? slash + 1 : path);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		o->tmp[0] = '\0';
		return -errno;
	}
	fchmod(o->fd, 0644);
	return 0;
}

int ks_outfile_commit(struct ks_outfile *o)
{
	char proc[64];
	int ret = 0;

	if (o->fd < 0)
		return -EBADF;
	if (o->direct) {
		ret = close(o->fd) ? -errno : 0;
		o->fd = -1;
		return ret;
	}
	if (!o->tmp[0]) {
		/* Give the unnamed file a temporary name, then rename it over the target. */
		snprintf(o->tmp, sizeof(o->tmp), "%s.kscope-%d", o->path, (int)getpid());
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
		unlink(o->tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW))
			ret = -errno;
	}
	if (!ret && rename(o->tmp, o->path))
		ret = -errno;
	if (ret && o->tmp[0])
		unlink(o->tmp);
	close(o->fd);
	o->fd = -1;
	o->tmp[0] = '\0';
	return ret;
}

void ks_outfile_discard(struct ks_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp[0])
		unlink(o->tmp);
	o->fd = -1;
	o->tmp[0] = '\0';
}

const char ks_digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *ks_udec_back(char *end, unsigned long long v)
{
	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		end -= 2;
		memcpy(end, ks_digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, ks_digits2 + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

uint64_t ks_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int ks_pid_alive(int pid)
{
	if (pid <= 0)
		return 0;
	return kill(pid, 0) == 0 || errno == EPERM;
}

int ks_mkdir_p(const char *path, int mode)
{
	char tmp[4096];
	char *p;

	if (strlen(path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}
