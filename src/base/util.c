// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by every module. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include <endian.h>

#include "kscope/base/util.h"

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

int ks_read_fd(int fd, char **data, size_t *len)
{
	struct ks_buf b = { 0 };
	ssize_t n;

	for (;;) {
		if (ks_buf_reserve(&b, 65536)) {
			ks_buf_free(&b);
			return -ENOMEM;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			ks_buf_free(&b);
			return (int)n;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	b.data[b.len] = '\0';
	*data = b.data;
	if (len)
		*len = b.len;
	return 0;
}

int ks_read_file(const char *path, char **data, size_t *len)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ks_read_fd(fd, data, len);
	close(fd);
	return ret;
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

/* write() or, at @off >= 0, pwrite() until all of it is out. */
static int write_loop(int fd, const void *data, size_t len, int64_t off)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int ks_write_all(int fd, const void *data, size_t len)
{
	return write_loop(fd, data, len, -1);
}

int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	return write_loop(fd, data, len, (int64_t)off);
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

/* Damerau-Levenshtein (optimal string alignment), for "did you mean". O(len(a) * len(b)). */
int ks_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[33][33];

	if (la > 32 || lb > 32)
		return 1 << 20;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

char *ks_hex(const void *data, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = data;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
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

int ks_spool_open(const char *dir)
{
	char path[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : -errno;
	/* No O_TMPFILE on this file system: a name that is gone at once. */
	snprintf(path, sizeof(path), "%s/.kscope-spool-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int ks_dirname(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return snprintf(buf, size, ".") < (int)size ? 0 : -ENAMETOOLONG;
	while (slash > path && slash[-1] == '/')
		slash--;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
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
	/* Kernel addresses, stacks and command lines: for the owner only, as perf.data. */
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
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
	fchmod(o->fd, 0600);
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

int ks_fd_reader_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
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
