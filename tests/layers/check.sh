#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The source tree keeps its layering (docs/DESIGN.md): src/ holds main.c and cmd-*.c,
# the library lives in src/LAYER/ with headers in include/kscope/LAYER/, every
# "kscope/..." include follows an edge of allowed.txt, modules of one layer include
# each other without cycles, no source file passes 1,500 lines, and every file has its
# SPDX license line. TAP output.
set -u
shopt -s lastpipe	# check() runs last in a pipeline and counts in this shell
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
TABLE=$SRC_DIR/tests/layers/allowed.txt
cd "$SRC_DIR" || exit 1

n=0
failed=0
check() {		# check DESCRIPTION: the problems are on stdin, one a line
	local problems
	problems=$(cat)
	n=$((n + 1))
	if [ -z "$problems" ]; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		echo "$problems" | head -n 40 | sed 's/^/#   /'
	fi
}

layers=$(sed -e 's/#.*//' "$TABLE" | awk 'NF { print $1 }')
allowed() {		# allowed FROM TO
	[ "$1" = "$2" ] && return 0
	sed -e 's/#.*//' "$TABLE" | awk -v f="$1" -v t="$2" \
		'$1 == f { for (i = 2; i <= NF; i++) if ($i == t) ok = 1 } END { exit !ok }'
}
known() {
	case " $(echo $layers) " in *" $1 "*) return 0 ;; esac
	return 1
}
# The layer a file belongs to: src/LAYER/x.c, include/kscope/LAYER/x.h, plugins/x.c; the
# commands (src/main.c, src/cmd-*.c, include/kscope/cmds.h) are "cmd".
layer_of() {
	case $1 in
	src/main.c | src/cmd-*.c | include/kscope/cmds.h) echo cmd ;;
	plugins/*) echo plugins ;;
	src/*/* | include/kscope/*/*) echo "$1" | sed -E 's#^(src|include/kscope)/([^/]+)/.*#\2#' ;;
	*) echo "?" ;;
	esac
}

files=$(git ls-files -co --exclude-standard -- 'src/*.c' 'src/*.h' 'include/*.h' 'plugins/*.[ch]' |
	sort -u)

# 1. The top of src/ is the command layer only.
for f in src/*; do
	case $f in
	src/main.c | src/cmd-*.c) ;;
	*) [ -d "$f" ] && known "$(basename "$f")" && continue
	   echo "$f: src/ holds main.c, cmd-*.c and the layer folders of allowed.txt only" ;;
	esac
done | check "src/ holds only main.c, cmd-*.c and layer folders"

# 2. Every library source has its module header at the mirrored path and includes it:
#    src/L/x.c or src/L/x-part.c <-> include/kscope/L/x.h; and no header without a home.
for f in $files; do
	case $f in src/*/*.c) ;; *) continue ;; esac
	l=$(layer_of "$f") b=$(basename "$f" .c)
	h=include/kscope/$l/$b.h
	[ -f "$h" ] || h=include/kscope/$l/${b%%-*}.h
	if [ ! -f "$h" ]; then
		echo "$f: no header include/kscope/$l/$b.h"
	elif ! grep -q "^#include \"${h#include/}\"" "$f"; then
		echo "$f: does not include its own header ${h#include/}"
	fi
done | check "library sources mirror their headers"
for f in include/kscope/*/; do
	known "$(basename "$f")" || echo "$f: not a layer of allowed.txt"
done | check "include/kscope/ has one folder per layer"

# 3. Includes follow allowed.txt.
for f in $files; do
	from=$(layer_of "$f")
	sed -n 's|^#include "kscope/\([^"]*\)".*|\1|p' "$f" | while read -r inc; do
		case $inc in
		cmds.h) to=cmd ;;
		*/*) to=${inc%%/*} ;;
		*) echo "$f: includes kscope/$inc, which is in no layer"; continue ;;
		esac
		[ -f "include/kscope/$inc" ] || { echo "$f: includes kscope/$inc, which does not exist"; continue; }
		allowed "$from" "$to" || echo "$f ($from) includes kscope/$inc ($to): not in allowed.txt"
	done
done | check "every include follows an edge of tests/layers/allowed.txt"

# 4. Inside a layer, the modules (a header and its sources) form no include cycle.
for l in $layers; do
	for f in $files; do
		[ "$(layer_of "$f")" = "$l" ] || continue
		m=$(basename "$f"); m=${m%.*}; m=${m%%-*}
		echo "$m $m"
		sed -n "s|^#include \"kscope/$l/\([^\"]*\)\.h\".*|\1|p" "$f" | sed "s|^|$m |"
	done | tsort 2>&1 >/dev/null | sed "s|^|$l: |"
done | check "no include cycle between the modules of a layer"

# 5. Files stay readable.
for f in $files; do
	lines=$(wc -l <"$f")
	[ "$lines" -le 1500 ] || echo "$f: $lines lines (split it: at most 1,500)"
done | check "no source file over 1,500 lines"

# 6. Every source file names its license (LICENSE): GPL-2.0-only.
git ls-files -co --exclude-standard | grep -vE '^tests/(fuzz/seeds|data)|\.(md|json|txt)$|^(LICENSE|\.gitignore)$' |
	while read -r f; do
		[ -f "$f" ] || continue
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-only' ||
			echo "$f: no 'SPDX-License-Identifier: GPL-2.0-only' in its first lines"
	done | check "every source file has an SPDX license line"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
