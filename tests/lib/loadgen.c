// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test and benchmark workload: "loadgen syscalls SECS" calls getppid() in a loop
 * and prints how many; "loadgen sleep N MS" sleeps N times for MS milliseconds;
 * "loadgen calls N CHILDREN" makes known syscalls in itself and in CHILDREN forked
 * children: each process N getppid(), N/10 openat() of a missing file (ENOENT) and
 * N/20 close(-1) (EBADF); "loadgen burst N RUN_MS SLEEP_MS" runs on the CPU for RUN_MS,
 * then sleeps SLEEP_MS, N times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "syscalls")) {
		double end = now() + atof(argv[2]);
		unsigned long n = 0;

		while (now() < end) {
			int i;

			for (i = 0; i < 1000; i++)
				syscall(SYS_getppid);
			n += 1000;
		}
		printf("%lu\n", n);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sleep")) {
		int i, count = atoi(argv[2]);
		struct timespec ts = { 0, atol(argv[3]) * 1000000L };

		for (i = 0; i < count; i++)
			nanosleep(&ts, NULL);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "calls")) {
		long i, n = atol(argv[2]);
		int c, children = atoi(argv[3]);

		for (c = 0; c < children; c++)
			if (fork() == 0)
				break;
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
		for (i = 0; i < n / 10; i++)
			syscall(SYS_openat, AT_FDCWD, "/nonexistent/kscope-loadgen", O_RDONLY);
		for (i = 0; i < n / 20; i++)
			syscall(SYS_close, -1);
		if (c < children)
			_exit(0);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "burst")) {
		int i, count = atoi(argv[2]);
		double run = atof(argv[3]) / 1000;
		struct timespec ts = { 0, atol(argv[4]) * 1000000L };
		volatile unsigned long spin = 0;

		for (i = 0; i < count; i++) {
			double end = now() + run;

			while (now() < end)
				spin++;
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	fprintf(stderr, "usage: loadgen syscalls SECS | loadgen sleep COUNT MS | "
		"loadgen calls N CHILDREN | loadgen burst N RUN_MS SLEEP_MS\n");
	return 2;
}
