// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test and benchmark workload: "loadgen syscalls SECS" calls getppid() in a loop
 * and prints how many; "loadgen sleep N MS" sleeps N times for MS milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

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
	fprintf(stderr, "usage: loadgen syscalls SECS | loadgen sleep COUNT MS\n");
	return 2;
}
