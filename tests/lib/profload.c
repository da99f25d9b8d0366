// SPDX-License-Identifier: GPL-2.0-only
/*
 * Workloads with known stacks for the profiler tests, built with and without frame
 * pointers (tests/t/t06*-profile-*.sh).
 *
 *   profload cpu SECS     burns CPU for SECS seconds in fixed proportions:
 *                         spin_a 60%, spin_b 30%, and spin_c at the bottom of a
 *                         40-deep recursion (recurse) 10%, all under run_cpu.
 *   profload offcpu N     N rounds of: sleep 10 ms in nanosleep (in nap), then block
 *                         30 ms reading a pipe another thread writes (in wait_pipe);
 *                         blocked time in the ratio 1:3.
 *   profload sleep SECS   mostly sleeps (for -p tests): 2 ms of CPU (spin_a under
 *                         run_sleep), then 10 ms of nanosleep, again and again.
 *   profload wake N       N rounds of: the main thread blocks reading a pipe in
 *                         wait_partner until a second thread, after 20 ms of sleep,
 *                         writes it in wake_partner (both make the system call
 *                         themselves, so a frame-pointer walk shows them, not libc).
 *   profload work N       N rounds of run_cpu's loop body (in run_work): a fixed amount
 *                         of work, so a profiler's overhead shows as a longer run
 *                         (tests/bench/profile-bench.sh). Prints nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}


/*
 * Not leaf functions: GCC gives a leaf no frame even with -fno-omit-frame-pointer,
 * which would hide its caller from a frame-pointer walk.
 */
NOINLINE void publish(unsigned long x)
{
	sink = x;
}

/* The three share one loop of equal cost per step, so shares follow the step counts. */
NOINLINE void spin_a(unsigned long n)
{
	unsigned long i, x = sink;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	publish(x);
}

/*
 * spin_b's whole loop, always inlined into it: kscope flame --inline shows
 * spin_b;mix_b_[i] (the loop is all of it, so every sample lands in it).
 */
static inline __attribute__((always_inline)) unsigned long mix_b(unsigned long x,
								 unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		x = x * 2862933555777941757ul + 3037000493ul;
	return x;
}

NOINLINE void spin_b(unsigned long n)
{
	publish(mix_b(sink, n));
}

NOINLINE void spin_c(unsigned long n)
{
	unsigned long i, x = sink;

	for (i = 0; i < n; i++)
		x = x * 3935559000370003845ul + 2691343689449507681ul;
	publish(x);
}

NOINLINE int recurse(int depth, unsigned long n)
{
	if (depth == 0) {
		spin_c(n);
		return 0;
	}
	/* The addition after the call keeps it from becoming a tail call. */
	return recurse(depth - 1, n) + 1;
}

NOINLINE void run_cpu(double secs)
{
	/* One round takes about 25 us, far below any sampling period: no aliasing. */
	const unsigned long unit = 2000;
	double end = now() + secs;
	int k;

	/* The clock is read every 100 rounds: in a VM it can be a costly syscall (HPET). */
	do {
		for (k = 0; k < 100; k++) {
			spin_a(6 * unit);
			spin_b(3 * unit);
			sink += (unsigned long)recurse(40, unit);
		}
	} while (now() < end);
}

NOINLINE void run_work(long n)
{
	/* One round takes about 25 us, far below any sampling period: no aliasing. */
	const unsigned long unit = 2000;
	long i;

	for (i = 0; i < n; i++) {
		spin_a(6 * unit);
		spin_b(3 * unit);
		sink += (unsigned long)recurse(40, unit);
	}
}

static int pipe_fds[2];

static void *writer(void *arg)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++) {
		nanosleep(&ts, NULL);
		if (write(pipe_fds[1], "x", 1) != 1)
			break;
	}
	return NULL;
}

NOINLINE void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	sink++;
}

NOINLINE void wait_pipe(void)
{
	char c;

	if (read(pipe_fds[0], &c, 1) != 1)
		exit(1);
	sink++;
}

NOINLINE void run_offcpu(int n)
{
	pthread_t t;
	int i;

	if (pipe(pipe_fds))
		exit(1);
	/* The writer starts its 30 ms when we start waiting: after our nap. */
	for (i = 0; i < n; i++) {
		nap();
		if (pthread_create(&t, NULL, writer, &(int){ 1 }))
			exit(1);
		wait_pipe();
		pthread_join(t, NULL);
	}
}

/* read(2) or write(2) from the caller's own frame (libc's wrappers keep no frame pointer). */
static inline long own_syscall3(long nr, long a, long b, long c)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
#else
	return syscall(nr, a, b, c);
#endif
}

static int wake_fds[2];

NOINLINE void wait_partner(void)
{
	char c;

	if (own_syscall3(SYS_read, wake_fds[0], (long)&c, 1) != 1)
		exit(1);
	publish(sink + 1);
}

NOINLINE void wake_partner(void)
{
	if (own_syscall3(SYS_write, wake_fds[1], (long)"x", 1) != 1)
		exit(1);
	publish(sink + 1);
}

NOINLINE void *waker_loop(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++) {
		nanosleep(&ts, NULL);
		wake_partner();
	}
	return NULL;
}

NOINLINE void run_wake(int n)
{
	pthread_t t;
	int i;

	if (pipe(wake_fds) || pthread_create(&t, NULL, waker_loop, &n))
		exit(1);
	for (i = 0; i < n; i++)
		wait_partner();
	pthread_join(t, NULL);
}

NOINLINE void run_sleep(double secs)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	double end = now() + secs;

	while (now() < end) {
		spin_a(2000000);	/* about 2 ms of every 12 */
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "cpu"))
		run_cpu(atof(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "offcpu"))
		run_offcpu(atoi(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "sleep"))
		run_sleep(atof(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "work"))
		run_work(atol(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "wake"))
		run_wake(atoi(argv[2]));
	else {
		fprintf(stderr, "usage: profload cpu SECS | offcpu N | sleep SECS | wake N | "
			"work N\n");
		return 2;
	}
	return 0;
}
