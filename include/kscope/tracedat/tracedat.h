/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.dat: writing version 6 (what trace-cmd 3.x and KernelShark read) and
 * reading it back. Format: trace-cmd.dat.v6(5); summary in DESIGN.md.
 */
#ifndef KSCOPE_TRACEDAT_TRACEDAT_H
#define KSCOPE_TRACEDAT_TRACEDAT_H

#include <stdbool.h>
#include <stdint.h>
#include "kscope/base/util.h"

struct tep_handle;
struct tep_record;
struct ks_evsel;
struct tracefs_instance;

/* Option ids as trace-cmd numbers them; ids >= 0x7F00 are kscope's own. */
enum ks_tdat_option {
	KS_TDAT_OPT_DONE = 0,
	KS_TDAT_OPT_DATE = 1,
	KS_TDAT_OPT_CPUSTAT = 2,
	KS_TDAT_OPT_BUFFER = 3,
	KS_TDAT_OPT_TRACECLOCK = 4,
	KS_TDAT_OPT_UNAME = 5,
	KS_TDAT_OPT_HOOK = 6,
	KS_TDAT_OPT_OFFSET = 7,
	KS_TDAT_OPT_CPUCOUNT = 8,
	KS_TDAT_OPT_VERSION = 9,
	KS_TDAT_OPT_KSCOPE_CMDLINE = 0x7F00,
	KS_TDAT_OPT_KSCOPE_PROFILE = 0x7F01,	/* a profile's settings, "key=value" lines */
};

/* --- writer --- */

struct ks_tdat_writer;

/*
 * Reads everything about the kernel the file needs now (headers, formats of
 * @events and all ftrace formats, kallsyms, printk formats) into memory, and
 * reserves that much space in @fd so that a full disk later still leaves room
 * for the header.
 */
/*
 * Event formats that no kernel has: a system of kscope's own (profile samples).
 * Formats are complete format texts with their IDs.
 */
struct ks_tdat_synth {
	const char *system;
	const char *const *formats;
	int n;
};

/*
 * @synth may be NULL. @page_size may differ from the kernel's sub-buffer size when
 * the pages are written by kscope (profiles): header_page is adjusted to match.
 * @tracefs NULL (tracefs not readable: an unprivileged profile) writes the standard
 * page and event headers, no ftrace formats and only @synth's formats (@events
 * must be empty).
 */
int ks_tdat_writer_new(struct ks_tdat_writer **out, int fd, const char *tracefs,
		       const struct ks_evsel *events, const struct ks_tdat_synth *synth,
		       int ncpus, int page_size, struct ks_err *err);
/* The traced kernel's long size (4 or 8), from header_page. */
int ks_tdat_kernel_long_size(const char *tracefs);
int ks_tdat_writer_add_option(struct ks_tdat_writer *w, uint16_t id, const void *data,
			      uint32_t size);
/* The UNAME option: this machine's uname. */
int ks_tdat_writer_add_uname(struct ks_tdat_writer *w);
/*
 * What a recording of the tracefs instance @inst (NULL: the top level) stores about
 * itself: its trace clock, uname, kscope's version, the CPU count and every CPU's
 * ring buffer stats (read now: call it after tracing stopped).
 */
int ks_tdat_writer_add_recording(struct ks_tdat_writer *w, struct tracefs_instance *inst,
				 int ncpus);
/*
 * Comms the caller knows better than the kernel ("PID COMM" lines): they go first
 * into saved_cmdlines, and readers keep the first name of a pid.
 */
int ks_tdat_writer_add_cmdlines(struct ks_tdat_writer *w, const char *text, size_t len);
/* Per-CPU data comes from spool fds whose size is a multiple of the page size. */
struct ks_tdat_cpu_src {
	int fd;
	uint64_t size;
};
/*
 * Writes the header (saved_cmdlines read now), the options and every CPU's data.
 * Spool space is released as it is copied. On ENOSPC the file is cut at the last
 * whole page and stays readable; *kept tells how many data bytes made it.
 */
int ks_tdat_writer_finish(struct ks_tdat_writer *w, const struct ks_tdat_cpu_src *cpus,
			  uint64_t *kept, struct ks_err *err);
void ks_tdat_writer_free(struct ks_tdat_writer *w);

/* --- reader (kscope's own, version 6; other versions through libtracecmd) --- */

struct ks_tdat;

struct ks_tdat_info {
	int version;
	int ncpus;
	int page_size;
	int long_size;
	bool big_endian;
	const char *clock;	/* the selected trace clock, or "" */
	const char *uname;	/* or "" */
	const char *writer;	/* VERSION option, or "" */
	const char *cpustats;	/* CPUSTAT options concatenated, or "" */
	const char *backend;	/* "kscope" or "libtracecmd" */
};

/* Whether @data starts like a trace.dat (any version): its magic bytes. */
bool ks_tdat_is_tracedat(const void *data, size_t len);
/* The same for the file @path: 1 yes, 0 no (or too short), -errno if it cannot be read. */
int ks_tdat_file_is_tracedat(const char *path);

int ks_tdat_open(const char *path, struct ks_tdat **out, struct ks_err *err);
/* Opens from memory (used by the fuzzer); the buffer must outlive the handle. */
int ks_tdat_open_mem(const void *data, size_t size, struct ks_tdat **out, struct ks_err *err);

enum {
	/* kallsyms is kept (ks_tdat_kallsyms) but not given to libtraceevent, and no print
	 * plugins are loaded: events that print kernel symbols show addresses, others print
	 * from their formats. For readers that read fields and resolve symbols themselves. */
	KS_TDAT_NO_FUNCTIONS = 1 << 0,
};

int ks_tdat_open_flags(const char *path, unsigned int flags, struct ks_tdat **out,
		       struct ks_err *err);
int ks_tdat_open_mem_flags(const void *data, size_t size, unsigned int flags,
			   struct ks_tdat **out, struct ks_err *err);
struct tep_handle *ks_tdat_tep(struct ks_tdat *t);
const struct ks_tdat_info *ks_tdat_info(struct ks_tdat *t);
/* The kallsyms text stored in the file (NULL if none; NUL-terminated). */
const char *ks_tdat_kallsyms(struct ks_tdat *t, size_t *len);
/* The same, handed over to the caller (who frees it); the file then has none. */
char *ks_tdat_take_kallsyms(struct ks_tdat *t, size_t *len);
/*
 * With KS_TDAT_NO_FUNCTIONS, a file's kallsyms is not read: where it is, for a
 * caller that maps it (valid while @t is open). -ENOENT when it was read (or none).
 */
int ks_tdat_kallsyms_file(struct ks_tdat *t, int *fd, uint64_t *off, size_t *len);
/* A kscope option (id >= 0x7F00) of a v6 file, or NULL. */
const void *ks_tdat_option(struct ks_tdat *t, uint16_t id, uint32_t *size);
/* Bytes of event data stored for @cpu (for progress and --stat). */
uint64_t ks_tdat_cpu_size(struct ks_tdat *t, int cpu);

/*
 * Records in time order across CPUs. @cpu_mask (NULL = all) selects CPUs. The
 * record is valid until the next call. NULL at the end; *err_ret < 0 if the
 * file turned out to be corrupted there.
 */
int ks_tdat_rewind(struct ks_tdat *t, const uint64_t *cpu_mask);
struct tep_record *ks_tdat_next(struct ks_tdat *t, int *err_ret);
/* The record after the current one, without moving on; the current one stays valid. */
struct tep_record *ks_tdat_peek(struct ks_tdat *t, int *err_ret);
/* Progress: bytes of event data consumed so far. */
uint64_t ks_tdat_consumed(struct ks_tdat *t);
void ks_tdat_close(struct ks_tdat *t);

#endif
