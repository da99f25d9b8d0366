# SPDX-License-Identifier: GPL-2.0-only
# kscope build. `make` builds ./kscope; `make check` installs what the tests need,
# builds and runs every test; `make demo` records and reports a few seconds of
# scheduler events. See README.md.

CC		?= cc
CROSS_COMPILE	?=
ifneq ($(CROSS_COMPILE),)
CC		:= $(CROSS_COMPILE)gcc
AR		:= $(CROSS_COMPILE)ar
CROSS_TRIPLET	:= $(patsubst %-,%,$(CROSS_COMPILE))
ifeq ($(shell command -v $(CC)),)
$(error cross compiler $(CC) not found (Debian: apt-get install gcc-$(CROSS_TRIPLET)))
endif
# Debian multiarch: the target's .pc files live in /usr/lib/<triplet>/pkgconfig.
PKG_CONFIG	?= $(if $(shell command -v $(CROSS_COMPILE)pkg-config),$(CROSS_COMPILE)pkg-config,\
		   PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS_TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config)
endif
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
DESTDIR		?=
MANDIR		?= $(PREFIX)/share/man

COMMA		:= ,
PKGS		:= libtracefs libtraceevent libdw libelf zlib
WARN		:= -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 -Wstrict-prototypes
CFLAGS		?= -O2 -g
KS_CFLAGS	:= -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE -pthread
KS_LDLIBS	:= -pthread

# Missing -dev packages: name them instead of failing deep inside the compiler.
ifeq ($(filter deps demo check clean distclean help man-check,$(MAKECMDGOALS)),)
PC_MISSING := $(foreach p,$(PKGS),$(if $(shell $(PKG_CONFIG) --exists $(p) && echo ok),,$(p)))
ifneq ($(strip $(PC_MISSING)),)
$(error missing development package(s) for: $(PC_MISSING); install them with `make deps` \
(Debian: libtracefs-dev libtraceevent-dev libdw-dev libelf-dev zlib1g-dev$(if \
$(CROSS_COMPILE),$(COMMA) for the target: dpkg --add-architecture ARCH and the same \
packages with :ARCH)))
endif
endif

ifeq ($(STATIC),1)
KS_CFLAGS	+= $(shell $(PKG_CONFIG) --static --cflags $(PKGS)) -DKS_STATIC
KS_LDLIBS	+= -static $(shell $(PKG_CONFIG) --static --libs $(PKGS)) -lzstd -ldl
HAVE_TRACECMD	:= 0
else
KS_CFLAGS	+= $(shell $(PKG_CONFIG) --cflags $(PKGS))
KS_LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(PKGS)) -ldl
HAVE_TRACECMD	:= $(shell $(PKG_CONFIG) --exists libtracecmd && echo 1 || echo 0)
endif
ifeq ($(HAVE_TRACECMD),1)
KS_CFLAGS	+= -DKS_HAVE_TRACECMD $(shell $(PKG_CONFIG) --cflags libtracecmd)
KS_LDLIBS	+= $(shell $(PKG_CONFIG) --libs libtracecmd)
endif

ifeq ($(SANITIZE),1)
CFLAGS		:= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined
LDFLAGS		+= -fsanitize=address,undefined
endif

BUILD		?= build
# Library layers, lowest first (docs/DESIGN.md); commands and plugins sit on top.
LAYERS		:= base symbols kernel tracedat profile output analysis
LIB_SRCS	:= $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)) $(wildcard plugins/*.c)
CMD_SRCS	:= $(wildcard src/cmd-*.c)
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS	:= $(CMD_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/src/main.o
UNIT_SRCS	:= $(wildcard tests/unit/test-*.c)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
KSCOPE		?= kscope

.PHONY: all static clean distclean deps deps-check demo check unit tcheck asan-check \
	fuzz-check install man-check layers-check bench bench-profile vmcheck
.DEFAULT_GOAL := all

all: $(KSCOPE)

$(KSCOPE): $(CMD_OBJS) $(BUILD)/libkscope.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(BUILD)/libkscope.a $(KS_LDLIBS)

$(BUILD)/libkscope.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Header dependencies from the compiler (-MMD); a header that goes away is no error (-MP).
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)

$(BUILD)/tests/test-%: tests/unit/test-%.c tests/unit/tap.h $(BUILD)/libkscope.a
	@mkdir -p $(dir $@)
	$(CC) $(KS_CFLAGS) $(CFLAGS) -Itests/unit $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/libkscope.a \
		$(KS_LDLIBS)

-include $(UNIT_BINS:=.d)

# A fully static binary for boards and the QEMU initramfs (no libtracecmd: v7 files
# written by trace-cmd are read by the dynamic build).
static:
	$(MAKE) STATIC=1 BUILD=build-static KSCOPE=kscope-static

deps:
	@scripts/install-deps.sh build

deps-check:
	@scripts/install-deps.sh check

demo: deps
	$(MAKE) all
	@scripts/demo.sh

$(BUILD)/tests/loadgen: tests/lib/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -o $@ $<

# Profiler workload, with frame pointers (-g works) and without (only DWARF does).
# No sibling calls, so every function stays on the stack; the same alignment for
# every loop, so that equal loops cost the same and shares follow step counts.
PROFLOAD_ALIGN	:= -falign-loops=32 -falign-functions=64
$(BUILD)/tests/profload-fp: tests/lib/profload.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls $(PROFLOAD_ALIGN) -Wall \
		-o $@ $< -pthread

$(BUILD)/tests/profload-nofp: tests/lib/profload.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fomit-frame-pointer -fno-optimize-sibling-calls $(PROFLOAD_ALIGN) -Wall \
		-o $@ $< -pthread

# C++ names to demangle (see profload-cxx.cc).
$(BUILD)/tests/profload-cxx: tests/lib/profload-cxx.cc
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -Wall -o $@ $<

# DWARF unwinding fixture (never sanitized, no frame pointers: only CFI finds its
# callers); the -nocfi twin has its CFI in .debug_frame only, for the debuginfo tests,
# and is not PIE, to cover ET_EXEC too.
$(BUILD)/tests/unwfix: tests/lib/unwfix.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fomit-frame-pointer -Wall -o $@ $<

$(BUILD)/tests/unwfix-nocfi: tests/lib/unwfix.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fomit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
		-no-pie -fno-pie -Wall -o $@ $<

$(BUILD)/tests/test-unwind: $(BUILD)/tests/unwfix $(BUILD)/tests/unwfix-nocfi

# Drives the pprof and speedscope writers from a text description of samples.
$(BUILD)/tests/profwrite: tests/lib/profwrite.c $(BUILD)/libkscope.a
	@mkdir -p $(dir $@)
	$(CC) $(KS_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libkscope.a $(KS_LDLIBS)

# Symbolization fixture: with DWARF; -dyn exports its functions (.dynsym). symfs.stamp
# lays out stripped copies under fake symfs roots: debuginfo found by build-id
# (symfs-bid), by .gnu_debuglink next to it, in .debug/ and in /usr/lib/debug/<dir>
# (symfs-link), or not at all, with a non-ELF file and a directory (symfs-none); with
# dwz installed, DWARF that needs its dwz supplement (.gnu_debugaltlink, symfs-dwz).
$(BUILD)/tests/symfix $(BUILD)/tests/symfix-dyn: tests/lib/symfix.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wl,--build-id $(if $(filter %-dyn,$@),-rdynamic) -o $@ $(CURDIR)/$<

$(BUILD)/tests/symfs.stamp: $(BUILD)/tests/symfix $(BUILD)/tests/symfix-dyn
	set -e; t=$(BUILD)/tests; \
	id=$$(LC_ALL=C readelf -n $$t/symfix | sed -n 's/.*Build ID: *//p'); test -n "$$id"; \
	bid=usr/lib/debug/.build-id/$$(echo $$id | cut -c1-2); \
	dbg=$$bid/$$(echo $$id | cut -c3-).debug; \
	rm -rf $$t/symfs-bid $$t/symfs-link $$t/symfs-none $$t/symfs-dwz $$t/dwz; \
	mkdir -p $$t/symfs-bid/usr/bin $$t/symfs-bid/$$bid $$t/symfs-link/usr/bin \
		$$t/symfs-link/srv $$t/symfs-link/opt/.debug $$t/symfs-link/usr/lib/debug/usr/bin \
		$$t/symfs-none/usr/bin/adir; \
	objcopy --only-keep-debug $$t/symfix $$t/symfix.debug; \
	strip --strip-all -o $$t/symfix.stripped $$t/symfix; \
	cp $$t/symfix.stripped $$t/symfs-bid/usr/bin/symfix; \
	cp $$t/symfix.debug $$t/symfs-bid/$$dbg; \
	objcopy --add-gnu-debuglink=$$t/symfix.debug $$t/symfix.stripped $$t/symfix.link; \
	for d in usr/bin srv opt; do cp $$t/symfix.link $$t/symfs-link/$$d/symfix; done; \
	cp $$t/symfix.debug $$t/symfs-link/srv/symfix.debug; \
	cp $$t/symfix.debug $$t/symfs-link/opt/.debug/symfix.debug; \
	cp $$t/symfix.debug $$t/symfs-link/usr/lib/debug/usr/bin/symfix.debug; \
	cp $$t/symfix.stripped $$t/symfs-none/usr/bin/symfix; \
	strip --strip-all -o $$t/symfs-none/usr/bin/symfix-dyn $$t/symfix-dyn; \
	cp tests/lib/symfix.c $$t/symfs-none/usr/bin/notelf; \
	if command -v dwz >/dev/null && mkdir -p $$t/dwz && cp $$t/symfix $$t/dwz/a && \
	   cp $$t/symfix-dyn $$t/dwz/b && \
	   dwz -m $$t/dwz/common.debug -M /usr/lib/debug/.dwz/symfix.debug $$t/dwz/a $$t/dwz/b; \
	then \
		mkdir -p $$t/symfs-dwz/usr/bin $$t/symfs-dwz/$$bid $$t/symfs-dwz/usr/lib/debug/.dwz; \
		cp $$t/dwz/a $$t/symfs-dwz/usr/bin/symfix-full; \
		strip --strip-all -o $$t/symfs-dwz/usr/bin/symfix $$t/dwz/a; \
		objcopy --only-keep-debug $$t/dwz/a $$t/symfs-dwz/$$dbg; \
		cp $$t/dwz/common.debug $$t/symfs-dwz/usr/lib/debug/.dwz/symfix.debug; \
	fi; \
	touch $@

$(BUILD)/tests/test-symbols: $(BUILD)/tests/symfs.stamp

unit: $(UNIT_BINS)
	prove -e '' $(UNIT_BINS)

tcheck: all $(BUILD)/tests/loadgen $(BUILD)/tests/profwrite $(BUILD)/tests/profload-fp \
	$(BUILD)/tests/profload-nofp $(BUILD)/tests/profload-cxx
	prove -f tests/t/t*.sh

# AddressSanitizer + UBSan build: unit tests, every command's exit paths (t0020), the
# report/parser, profile and analysis tests.
asan-check: export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
asan-check: export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
asan-check:
	$(MAKE) SANITIZE=1 BUILD=build-asan KSCOPE=build-asan/kscope build-asan/kscope \
		$(UNIT_SRCS:tests/unit/%.c=build-asan/tests/%)
	prove -e '' $(UNIT_SRCS:tests/unit/%.c=build-asan/tests/%)
	KSCOPE_BIN=$(CURDIR)/build-asan/kscope prove -f tests/t/t0020-exit-codes.sh \
		$(wildcard tests/t/t*-report-*.sh) $(wildcard tests/t/t06*-profile-*.sh) \
		$(wildcard tests/t/t07*-analysis-*.sh)

# The source tree's layering, mirrored headers, file sizes and license lines.
layers-check:
	tests/layers/check.sh

man-check: all
	prove -f tests/t/t0900-man-pages.sh

fuzz-check:
	@tests/fuzz/run.sh smoke

# Real kernels under QEMU (TCG): function/function_graph/kprobes/uprobes on Debian's
# kernel, irqsoff/preemptoff on shared/kernels, wakeup* on Debian's PREEMPT_RT kernel.
vmcheck: all
	prove -f tests/vm/vmcheck.sh

check: deps-check
	$(MAKE) layers-check
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) tcheck
	$(MAKE) asan-check
	$(MAKE) fuzz-check
	@if command -v qemu-system-x86_64 >/dev/null; then $(MAKE) vmcheck; \
	 else echo "make check: qemu-system-x86_64 missing: VM tests skipped"; fi
	@echo "make check: all test groups passed"

bench: all
	tests/bench/report-bench.sh
	tests/bench/analysis-bench.sh

# perf record + perf script | stackcollapse-perf.pl | flamegraph.pl vs kscope profile +
# flame: overhead, and samples to SVG (FLAMEGRAPH_DIR=a FlameGraph checkout; RUNS=N).
bench-profile: all $(BUILD)/tests/profload-fp $(BUILD)/tests/profload-nofp
	KSCOPE=$(KSCOPE) BUILD=$(BUILD) tests/bench/profile-bench.sh

install: all
	install -D -m 0755 $(KSCOPE) $(DESTDIR)$(PREFIX)/bin/kscope
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/

clean:
	rm -rf $(BUILD) build-asan build-static build-fuzz build-arm64* kscope kscope-static kscope-arm64*

distclean: clean
