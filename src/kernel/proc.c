// SPDX-License-Identifier: GPL-2.0-only
/* Reading CPUs and threads from sysfs and procfs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/base/parse.h"
#include "kscope/base/util.h"
#include "kscope/kernel/proc.h"

int ks_proc_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}

int ks_proc_cpus_online(int **cpus, int *n)
{
	char *text;
	int ret;

	*cpus = NULL;
	*n = 0;
	ret = ks_read_file("/sys/devices/system/cpu/online", &text, NULL);
	if (ret)
		return ret;
	ret = ks_parse_cpu_list(ks_strip(text), ks_proc_ncpus(), cpus, n);
	free(text);
	if (!ret && !*n)
		ret = -ENOENT;
	return ret;
}

int ks_proc_threads(int pid, int **tids, int *n)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name), *nt;

		if (tid <= 0)
			continue;
		nt = realloc(*tids, (size_t)(*n + 1) * sizeof(*nt));
		if (!nt) {
			closedir(d);
			return -ENOMEM;
		}
		*tids = nt;
		(*tids)[(*n)++] = tid;
	}
	closedir(d);
	return 0;
}

int ks_proc_comm(int pid, char *buf, size_t size)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	ret = ks_read_file(path, &text, NULL);
	if (ret)
		return ret;
	snprintf(buf, size, "%s", ks_strip(text));
	free(text);
	return 0;
}
