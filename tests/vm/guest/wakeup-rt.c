// SPDX-License-Identifier: GPL-2.0-only
/*
 * "wakeup-rt N US": become SCHED_FIFO 50 (busybox has no chrt) and sleep N times
 * for US microseconds, so the wakeup_rt tracer has real-time wakeups to measure.
 * "wakeup-rt dl N": the same as SCHED_DEADLINE, for wakeup_dl.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct sched_attr_dl {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec ts = { 0, 1000000 };
	int i, n;

	if (argc == 3 && !strcmp(argv[1], "dl")) {
		struct sched_attr_dl a = { .size = sizeof(a), .sched_policy = 6 /* SCHED_DEADLINE */,
					   .sched_runtime = 200000, .sched_deadline = 1000000,
					   .sched_period = 1000000 };

		n = atoi(argv[2]);
		if (syscall(SYS_sched_setattr, 0, &a, 0)) {
			perror("sched_setattr");
			return 1;
		}
		for (i = 0; i < n; i++)
			sched_yield();
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: wakeup-rt N US | wakeup-rt dl N\n");
		return 2;
	}
	n = atoi(argv[1]);
	ts.tv_nsec = atol(argv[2]) * 1000;
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("sched_setscheduler");
		return 1;
	}
	for (i = 0; i < n; i++)
		nanosleep(&ts, NULL);
	return 0;
}
