#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Profiles read the same way every time: two small recordings kept in the tree (the
# fuzzer's seeds: an on-CPU profile with frame-pointer stacks, an off-CPU one) give
# exactly the folded stacks and the top table stored next to them. The binaries are
# looked up under an empty --symfs, so only what the files hold decides: mappings,
# comms, kallsyms, stacks, off-CPU pairing and weights.
. "$(dirname "$0")/lib.sh"

SEEDS=$SRC_DIR/tests/fuzz/seeds-profile
DATA=$SRC_DIR/tests/data

for kind in fp offcpu; do
	test_expect_success "the $kind profile folds as it always did" '
		mkdir -p empty &&
		"$KSCOPE" flame -i "$SEEDS/profile-$kind.dat" --format folded --symfs empty \
			>got.folded 2>err &&
		diff -u "$DATA/profile-$kind.folded" got.folded &&
		grep -q "not found under SYMFS" err
	'
	test_expect_success "the $kind profile's top table is as it always was" '
		mkdir -p empty &&
		"$KSCOPE" report --profile -i "$SEEDS/profile-$kind.dat" --symfs empty \
			>got.top 2>/dev/null &&
		diff -u "$DATA/profile-$kind.top" got.top
	'
done

test_done
