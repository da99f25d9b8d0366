#!/bin/bash
# Every command has a man page that renders cleanly and documents every option its
# --help lists (the help comes from the option table, so this keeps the two in step).
. "$(dirname "$0")/lib.sh"

cmds=$($KSCOPE --help | sed -n 's/^  \([a-z]*\) .*/\1/p')

test_expect_success "kscope(1) exists and names every command" '
	MANWIDTH=100 man --warnings -l $SRC_DIR/man/kscope.1 >rendered 2>warn && test ! -s warn &&
	for c in $cmds; do grep -q "kscope-$c(1)" rendered || { echo "no $c"; exit 1; }; done
'

for c in $cmds; do
test_expect_success "kscope-$c(1) renders without warnings and lists every option of --help" "
	page=\$SRC_DIR/man/kscope-$c.1 && test -f \$page &&
	MANWIDTH=100 man --warnings -l \$page >rendered 2>warn && test ! -s warn &&
	\$KSCOPE $c --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >opts &&
	while read o; do
		grep -qF -- \"\$o\" rendered || { echo \"\$page lacks \$o\"; exit 1; }
	done <opts
"
done

test_done
