# ktap: build, test, install.
#   make            build ktapc (and ktap)
#   make check      unit, golden (lit), language server and kernel tests
#   make deps       install the Debian packages the build and tests need (root)
#   make SANITIZE=1 build with AddressSanitizer, UBSan and KTAP_DEBUG checks (build-san/)
#   make fuzz       build and run the libFuzzer target for FUZZ_SECONDS
#   make install    PREFIX=/usr/local DESTDIR=

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# debug checks, e.g. the IR checked after every pass (docs/ir.md)
CPPFLAGS += -DKTAP_DEBUG
else
BUILD    ?= build
SANFLAGS :=
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare $(SANFLAGS)
CPPFLAGS += -D_GNU_SOURCE -I. -I$(BUILD)/frontend -I$(BUILD)/common -MMD -MP
LDFLAGS  += $(SANFLAGS)
LDLIBS   := -lbpf -lelf -lz -ltraceevent -ljansson

DEPS_DEBIAN := build-essential pkg-config flex bison libbpf-dev libelf-dev zlib1g-dev \
	libcmocka-dev llvm-14-tools bpftool clang libclang-rt-14-dev bpftrace libtraceevent-dev bc \
	systemtap-sdt-dev libjansson-dev vim neovim

LIT      := python3 /usr/lib/llvm-14/build/utils/lit/lit.py
FILECHECK_DIR := /usr/lib/llvm-14/bin

# The compiler library: everything but the command-line front ends and the runtime.
LIB_SRCS := $(wildcard common/*.c frontend/*.c ir/*.c backend/*.c backend/*/*.c)
GEN_SRCS := $(BUILD)/frontend/parser.c $(BUILD)/frontend/lexer.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:.c=.o)
RT_SRCS  := $(wildcard runtime/*.c)
RT_OBJS  := $(RT_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:%.c=$(BUILD)/%)

# The plain build's programs are ./ktapc and ./ktap (the README runs them);
# any other build's stay in its own directory, never over them.
BIN   := $(if $(filter build,$(BUILD)),,$(BUILD)/)
PROGS := $(BIN)ktapc $(if $(RT_SRCS),$(BIN)ktap)

all: $(PROGS) $(TOOL_BINS)

$(BUILD)/libktapc.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/libktaprt.a: $(RT_OBJS) $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

LSP_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/lsp*.c)) $(BUILD)/cli/list.o
$(BIN)ktapc: $(BUILD)/cli/ktapc.o $(BUILD)/cli/compile.o $(LSP_OBJS) $(BUILD)/libktapc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)ktap: $(BUILD)/cli/ktap.o $(BUILD)/cli/list.o $(BUILD)/cli/compile.o $(BUILD)/libktaprt.a $(BUILD)/libktapc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/frontend/parser.c $(BUILD)/frontend/parser.h &: frontend/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror -d -o $(BUILD)/frontend/parser.c $<

$(BUILD)/frontend/lexer.c: frontend/lexer.l $(BUILD)/frontend/parser.h
	@mkdir -p $(@D)
	flex -o $@ $<

$(BUILD)/frontend/%.o: $(BUILD)/frontend/%.c
	$(CC) $(CPPFLAGS) -Ifrontend $(CFLAGS) -Wno-unused-function -c -o $@ $<

# Syscall numbers by name, from the kernel headers (common/syscalls.c).
UNISTD_64 := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/common/syscall_nrs.h: $(wildcard $(UNISTD_64))
	@mkdir -p $(@D)
	sed -n 's/^\#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/SYSCALL(\1, \2)/p' $(wildcard $(UNISTD_64)) /dev/null > $@
$(BUILD)/common/syscalls.o: $(BUILD)/common/syscall_nrs.h

# Sources that include the generated parser header need it first.
$(LIB_OBJS) $(RT_OBJS): | $(BUILD)/frontend/parser.h

RT_LIB := $(if $(RT_SRCS),$(BUILD)/libktaprt.a)

$(BUILD)/tests/unit/%: tests/unit/%.c $(RT_LIB) $(BUILD)/libktapc.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(filter %.a,$^) -lcmocka $(LDLIBS)

# test_lsp tests the language server's pieces.
$(BUILD)/tests/unit/test_lsp: $(LSP_OBJS)

# test_usdt reads the usdt tool's notes.
$(BUILD)/tests/unit/test_usdt: | $(BUILD)/tests/tools/usdt

# The workload's user stacks are walked by the kernel: frame pointers.
$(BUILD)/tests/tools/workload: CFLAGS += -fno-omit-frame-pointer
# The usdt tool's notes (operands the tests check) must be the same in every
# build: it is built without sanitizers, and links nothing of ktap.
$(BUILD)/tests/tools/usdt: tests/tools/usdt.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out $(SANFLAGS),$(CFLAGS)) -o $@ $<

$(BUILD)/tests/tools/%: tests/tools/%.c $(RT_LIB) $(BUILD)/libktapc.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS) -lpthread

# Tests. Each suite prints its own summary; tests/run-suites totals them.
check: all $(UNIT_BINS)
	@BUILD=$(BUILD) LIT="$(LIT)" FILECHECK_DIR=$(FILECHECK_DIR) tests/run-suites

check-unit: $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run-suites unit

check-lit: all
	@BUILD=$(BUILD) LIT="$(LIT)" FILECHECK_DIR=$(FILECHECK_DIR) tests/run-suites lit

check-lsp: all
	@BUILD=$(BUILD) tests/run-suites lsp

check-kernel: all
	@BUILD=$(BUILD) tests/run-suites kernel

# libFuzzer needs clang; the target is built with its own flags. It reads the
# tests' fake tracefs and writes nothing. Entropic scheduling (libFuzzer 14's
# default) spends most of the time on its own bookkeeping with this many
# features; and tracing the compares of the generated lexer's and parser's
# table machines costs more than it tells the fuzzer.
FUZZ_BIN := $(BUILD)/fuzz/fuzz_compile
FUZZ_FLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -DKTAP_DEBUG -fno-sanitize-recover=undefined -I. -I$(BUILD)/frontend -I$(BUILD)/common -Ifrontend
FUZZ_GEN_OBJS := $(BUILD)/fuzz/parser.o $(BUILD)/fuzz/lexer.o
fuzz: $(FUZZ_BIN)
	mkdir -p $(BUILD)/fuzz/corpus
	cp examples/*.kp tests/lit/*/*.kp $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	$(FUZZ_BIN) -entropic=0 -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(BUILD)/fuzz/corpus
	$(FUZZ_OBJ_BIN) -entropic=0 -max_total_time=$(FUZZ_SECONDS) -timeout=10 -close_fd_mask=3 $(BUILD)/fuzz/obj-corpus

$(FUZZ_GEN_OBJS): $(BUILD)/fuzz/%.o: $(BUILD)/frontend/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-coverage=trace-cmp -c -o $@ $<

# Hermetic like lit: the fake tracefs and kallsyms, and the small BTF lit's
# kernel.c makes (-O2 as lit builds it: only then are parameters named).
$(FUZZ_BIN): tests/fuzz/fuzz_compile.c cli/compile.c $(LIB_SRCS) $(FUZZ_GEN_OBJS) | $(BUILD)/common/syscall_nrs.h $(BUILD)/fuzz/kernel-btf.o
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
		-DKTAP_FUZZ_TRACEFS='"$(CURDIR)/tests/lit/Inputs/tracefs"' \
		-DKTAP_FUZZ_KALLSYMS='"$(CURDIR)/tests/lit/Inputs/kallsyms"' \
		-DKTAP_FUZZ_BTF='"$(CURDIR)/$(BUILD)/fuzz/kernel-btf.o"' -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/kernel-btf.o: tests/lit/Inputs/btf/kernel.c
	@mkdir -p $(@D)
	clang -O2 -g -target bpf -c -o $@ $<

# The object fuzz target: any bytes as `ktap x.o` reads and runs them,
# without the kernel; seeded with the examples compiled.
FUZZ_OBJ_BIN := $(BUILD)/fuzz/fuzz_object
# Every runtime file but those that need the kernel, tracefs or the run
# loop (fuzz_object.c stubs what they give), so new files join by themselves.
FUZZ_OBJ_STUBBED := $(addprefix runtime/,attach.c argstr.c ksyms.c output.c run.c)
FUZZ_OBJ_SRCS := $(filter-out $(FUZZ_OBJ_STUBBED),$(wildcard runtime/*.c)) $(wildcard common/*.c)
OBJ_CORPUS := $(patsubst examples/%.kp,$(BUILD)/fuzz/obj-corpus/%.o,$(wildcard examples/*.kp))
fuzz: $(FUZZ_OBJ_BIN) $(OBJ_CORPUS)

$(FUZZ_OBJ_BIN): tests/fuzz/fuzz_object.c $(FUZZ_OBJ_SRCS) | $(BUILD)/common/syscall_nrs.h
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/obj-corpus/%.o: examples/%.kp $(BIN)ktapc
	@mkdir -p $(@D)
	./$(BIN)ktapc $< -o $@

bench: all
	tests/bench/compile_time.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ktap/examples
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 examples/*.kp $(DESTDIR)$(PREFIX)/share/ktap/examples/

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEPS_DEBIAN)

clean:
	rm -rf build build-san ktapc ktap

.PHONY: all check check-unit check-lit check-lsp check-kernel fuzz bench install deps clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
