#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# run-vm.sh FLAVOUR TEST[,TEST...]: boot a kernel (see get-kernel.sh) under QEMU/TCG with
# an initramfs of busybox + kscope-static + the guest tests, run the tests inside and
# print their TAP (one plan for all). Files the guest exports land in
# build-vm/out/FLAVOUR/. The console log is build-vm/console-FLAVOUR.log.
set -eo pipefail
flavour=$1 tests=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
vm=$src/build-vm
out=$vm/out/$flavour
arch=${VM_ARCH:-x86_64}
mkdir -p "$vm" "$out"

kernel=$("$src/tests/vm/get-kernel.sh" "$flavour" "$vm/kernels/$flavour" 2>"$vm/kernel-$flavour.err") || {
	echo "1..0 # skip $flavour kernel unavailable: $(tail -1 "$vm/kernel-$flavour.err")"
	exit 0
}

# The guest's userland: static binaries only.
if ! make -s -C "$src" static >"$vm/static-build.log" 2>&1; then
	echo "not ok 1 - $flavour: could not build kscope-static (see $vm/static-build.log)"
	echo "1..1"
	exit 1
fi
mkdir -p "$vm/bin"
# The profiler's workload keeps frame pointers, as tests/t builds it.
[ "$vm/bin/profload" -nt "$src/tests/lib/profload.c" ] ||
	cc -O2 -g -static -fno-omit-frame-pointer -fno-optimize-sibling-calls -falign-loops=32 \
		-falign-functions=64 -pthread \
		-o "$vm/bin/profload" "$src/tests/lib/profload.c" ||
	{ echo "not ok 1 - $flavour: cannot build profload"; echo "1..1"; exit 1; }
for prog in tests/lib/loadgen.c tests/lib/uprobe-target.c tests/vm/guest/wakeup-rt.c; do
	bin=$vm/bin/$(basename "$prog" .c)
	[ "$bin" -nt "$src/$prog" ] || cc -O2 -static -o "$bin" "$src/$prog" ||
		{ echo "not ok 1 - $flavour: cannot build $prog"; echo "1..1"; exit 1; }
done

root=$vm/initramfs-$flavour
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tests,etc}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
cp "$src/kscope-static" "$root/bin/kscope"
cp "$vm/bin/"* "$root/bin/"
# Extra files for a benchmark (a dynamic trace-cmd with its libraries, say).
[ -n "${VM_EXTRA_DIR:-}" ] && cp -a "$VM_EXTRA_DIR"/. "$root"/
cp "$src/tests/vm/guest/init" "$root/init"
cp "$src"/tests/vm/guest/*.sh "$root/tests/"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$vm/initrd-$flavour.gz"

log=$vm/console-$flavour.log
timeout ${VM_TIMEOUT:-900} qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 1024 -smp 2 \
	-kernel "$kernel" -initrd "$vm/initrd-$flavour.gz" \
	-append "console=ttyS0 quiet panic=-1 kscope.tests=$tests" \
	-nographic -no-reboot </dev/null 2>&1 |
	sed -E 's/\x1b(\[[0-9;?]*[a-zA-Z]|c)//g; s/\r//g' >"$log" || true

if ! grep -q "KSCOPE-VM-UP" "$log"; then
	echo "not ok 1 - $flavour: the VM did not boot (see $log)"
	tail -20 "$log" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi

# Renumber the guest's TAP into one stream; export files.
awk -v out="$out" -v flavour="$flavour" '
	/^KSCOPE-TAP-BEGIN / { name = $2; inside = 1; next }
	/^KSCOPE-TAP-END / { inside = 0; if ($3 != 0) bad[name] = 1; seen[name] = 1; next }
	/^KSCOPE-FILE-BEGIN / { file = out "/" $2 ".gz.b64"; printf "" > file; infile = 1; next }
	/^KSCOPE-FILE-END / { close(file); infile = 0; next }
	infile { print >> file; next }
	inside && /^(not )?ok [0-9]+/ {
		n++
		line = $0
		sub(/^(not )?ok [0-9]+/, "", line)
		status = ($0 ~ /^not ok/) ? "not ok" : "ok"
		if (line ~ /^ # skip/) print status " " n line
		else print status " " n " - [" flavour ":" name "] " substr(line, 4)
		next
	}
	inside && /^#/ { print; next }
	END { print "1.." n }
' "$log"
for f in "$out"/*.gz.b64; do
	[ -e "$f" ] || continue
	base64 -d "$f" | gunzip >"${f%.gz.b64}" && rm -f "$f"
done
grep -q "KSCOPE-VM-DONE" "$log" || { echo "# $flavour: the VM did not finish (timeout?)"; exit 1; }
