#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every command has a man page that renders cleanly and documents every option its
# --help lists (the help comes from the option table, so this keeps the two in step).
# The commands come from `kscope --help`, so a new command needs a page to pass.
. "$(dirname "$0")/lib.sh"

cmds=$($KSCOPE --help | sed -n 's/^  \([a-z]*\) .*/\1/p')

test_expect_success "kscope --help lists commands" '
	test -n "$cmds"
'

test_expect_success "kscope(1) exists, names every command and refers to every page" '
	MANWIDTH=100 man --warnings -l $SRC_DIR/man/kscope.1 >rendered 2>warn && test ! -s warn &&
	for c in $cmds; do
		grep -q "kscope-$c(1)" rendered || { echo "no $c"; exit 1; }
		sed -n "/^SEE ALSO/,\$p" rendered | grep -q "kscope-$c(1)" ||
			{ echo "kscope-$c(1) is not in SEE ALSO"; exit 1; }
	done
'

# An option as a whole word: --duration must not be satisfied by --duration-min alone,
# nor -e by --events.
word() {
	printf '(^|[^[:alnum:]-])%s([^[:alnum:]-]|$)' "$1"
}

for c in $cmds; do
test_expect_success "kscope-$c(1) renders without warnings and lists every option of --help" "
	page=\$SRC_DIR/man/kscope-$c.1 && test -f \$page &&
	MANWIDTH=100 man --warnings -l \$page >rendered 2>warn && test ! -s warn &&
	\$KSCOPE $c --help >help &&
	grep -oE -- '--[a-z][a-z0-9-]+' help | sort -u >opts &&
	sed -n 's/^  \\(-[a-zA-Z]\\)[, ].*/\\1/p' help | sort -u >>opts &&
	test -s opts &&
	while read o; do
		grep -qE -- \"\$(word \"\$o\")\" rendered || { echo \"\$page lacks \$o\"; exit 1; }
	done <opts
"
done

# The SYNOPSIS is where a user looks first: it shows every option of the table too,
# by its short or its long name.
for c in $cmds; do
test_expect_success "kscope-$c(1) SYNOPSIS shows every option of the option table" "
	MANWIDTH=100 man -l \$SRC_DIR/man/kscope-$c.1 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^[A-Z]/p' >synopsis &&
	\$KSCOPE $c --help | sed -n '/^options:/,\$p' | grep -E '^ +-' | grep -v -- '--help' >table &&
	test -s table &&
	while read -r first rest; do
		short= long=
		case \$first in
		--*) long=\$first ;;
		*,) short=\${first%,} long=\${rest%% *} ;;
		*) short=\$first ;;
		esac
		{ [ -n \"\$short\" ] && grep -qE -- \"\$(word \"\$short\")\" synopsis; } ||
		{ [ -n \"\$long\" ] && grep -qE -- \"\$(word \"\$long\")\" synopsis; } ||
		{ echo \"SYNOPSIS lacks \$short \$long\"; exit 1; }
	done <table
"
done

test_done
