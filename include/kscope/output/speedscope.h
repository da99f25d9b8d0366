/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * speedscope output: resolved samples as speedscope's JSON file format
 * (https://www.speedscope.app/file-format-schema.json), for https://speedscope.app
 * and `speedscope FILE`.
 *
 * One "sampled" profile per process, named "comm (pid)" (the latest comm of the
 * process's main thread, else that of the first thread seen) and ordered by pid; the
 * file opens on the heaviest. Samples keep their order (the "Time Order" view), consecutive
 * samples of a process with the same stack merged, samples of weight 0 left out (as
 * speedscope does); stacks are root first, as speedscope wants, weights in
 * nanoseconds (or as set); each profile spans [0, its total weight], the axis speedscope lays
 * the samples out on.
 *
 * Frames are shared by all profiles, one per function: (name, file), as speedscope
 * itself imports pprof. An inlined function is a frame of its own. Names follow
 * ks_profout_name; kernel frames end in " [k]". A frame's file is the source file
 * when known, else the binary's path; its line, only with a source file, is the
 * lowest line sampled in the function (speedscope's line is where it starts).
 */
#ifndef KSCOPE_OUTPUT_SPEEDSCOPE_H
#define KSCOPE_OUTPUT_SPEEDSCOPE_H

#include "kscope/profile/prof.h"
#include "kscope/base/util.h"

struct ks_speedscope;

/* @name: the name speedscope shows for the file, e.g. "kscope cpu profile". */
int ks_speedscope_new(struct ks_speedscope **out, const char *name, struct ks_err *err);
/*
 * The unit of the weights, "nanoseconds" unless set: one speedscope knows ("none",
 * "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"), else -EINVAL.
 * "none" suits weights that count events (sampling periods of cycles, ...).
 */
int ks_speedscope_set_unit(struct ks_speedscope *w, const char *unit, struct ks_err *err);
/* -ENOMEM; -EOVERFLOW if a process's total weight passes UINT64_MAX. */
int ks_speedscope_add(struct ks_speedscope *w, const struct ks_prof_sample *s,
		      struct ks_err *err);
/* The JSON to @fd (which may be a pipe). Can be called again after more adds. */
int ks_speedscope_write(struct ks_speedscope *w, int fd, struct ks_err *err);
void ks_speedscope_free(struct ks_speedscope *w);

#endif
