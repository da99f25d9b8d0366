// SPDX-License-Identifier: GPL-2.0-only
/* Numbers, durations and lists from the command line. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/parse.h"
#include "kscope/base/util.h"

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
	if (errno || *end || x < INT_MIN || x > INT_MAX)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

int ks_parse_int_range(const char *s, int min, int max, int *v)
{
	int x;

	if (ks_parse_int(s, &x) || x < min || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

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

/* Room for @more ints after the *@n in *@v. */
static int grow(int **v, int n, int more)
{
	int *nv = realloc(*v, (size_t)(n + more) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

int ks_parse_int_list(const char *s, int min, int max, int **v, int *n)
{
	char **parts;
	int i, cnt, x, ret = 0;

	parts = ks_split(s, ',', &cnt);
	if (!parts)
		return -ENOMEM;
	if (grow(v, *n, cnt)) {
		free(parts);
		return -ENOMEM;
	}
	for (i = 0; i < cnt && !ret; i++) {
		ret = ks_parse_int_range(parts[i], min, max, &x);
		if (!ret)
			(*v)[(*n)++] = x;
	}
	free(parts);
	return ret;
}

int ks_parse_cpu_list(const char *s, int ncpus, int **v, int *n)
{
	char **parts;
	int i, j, cnt, a, b, k, ret = 0;

	parts = ks_split(s, ',', &cnt);
	if (!parts)
		return -ENOMEM;
	for (i = 0; i < cnt && !ret; i++) {
		char *dash = strchr(parts[i], '-');

		if (dash)
			*dash = '\0';
		if (ks_parse_int_range(parts[i], 0, ncpus - 1, &a) ||
		    (dash && ks_parse_int_range(dash + 1, a, ncpus - 1, &b))) {
			ret = -EINVAL;
			break;
		}
		if (!dash)
			b = a;
		for (k = a; k <= b && !ret; k++) {
			for (j = 0; j < *n && (*v)[j] != k; j++)
				;
			if (j < *n)
				continue;
			ret = grow(v, *n, 1);
			if (!ret)
				(*v)[(*n)++] = k;
		}
	}
	free(parts);
	return ret;
}
