/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pprof output: resolved samples written as a gzipped profile.proto
 * (github.com/google/pprof/proto/profile.proto), for `pprof`, `go tool pprof`,
 * Pyroscope, Grafana, Speedscope and friends.
 *
 * Two values per sample: ("samples", "count") and (@type, @unit), e.g. ("cpu",
 * "nanoseconds") or ("off_cpu", "nanoseconds"); the second is the default. Samples
 * carry the labels "pid", "tid" (numbers) and "comm" (a string); samples with the
 * same stack and labels are merged by summing their values. One Mapping per binary
 * mapping (the kernel's included), one Location per (mapping, address) with its
 * inline frames as Lines (innermost first, the real function last), one Function
 * per (name, source file). Unresolved frames are Locations without Lines, which
 * pprof can symbolize later from the binary. Frames without a mapping have none.
 */
#ifndef KSCOPE_OUTPUT_PPROF_H
#define KSCOPE_OUTPUT_PPROF_H

#include <stdint.h>

#include "kscope/profile/prof.h"
#include "kscope/base/util.h"

struct ks_pprof;

/* @period: the sampling period in @unit (e.g. 1e9 / frequency ns), 0 if none. */
int ks_pprof_new(struct ks_pprof **out, const char *type, const char *unit, uint64_t period,
		 struct ks_err *err);
/*
 * Wall-clock time of the start of the recording, ns since the epoch (the profile's
 * time_nanos). Sample times are on the trace clock, so this cannot come from them;
 * without it time_nanos is left out. The duration is always the span of the
 * samples' times.
 */
void ks_pprof_set_time(struct ks_pprof *p, uint64_t epoch_ns);
/* Values [1, s->weight]. -ENOMEM; -EOVERFLOW if a merged value passes INT64_MAX. */
int ks_pprof_add(struct ks_pprof *p, const struct ks_prof_sample *s, struct ks_err *err);
/* The gzipped profile to @fd (which may be a pipe). Can be called again after more adds. */
int ks_pprof_write(struct ks_pprof *p, int fd, struct ks_err *err);
void ks_pprof_free(struct ks_pprof *p);

#endif
