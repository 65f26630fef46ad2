# The ktap command: scripts, objects, -e, script arguments, #! scripts, and
# every error a user can make: compile errors, bad objects, a program the
# verifier rejects, no privileges, bad options.
. "$(dirname "$0")/lib.bash"

# refused WANT CMD ARGS...: CMD ARGS fails with status 1 and says exactly
# WANT on stderr.
refused() {
	local want=$1 rc=0; shift
	"$@" >/dev/null 2>"$work/err" || rc=$?
	expect "$* status" $rc 1
	expect "$*" "$(cat "$work/err")" "$want"
}

t_hello_world() {
	expect "hello world" "$("$KTAP" -e 'print("hello world")')" "hello world"
}

# Script arguments are the arg table; a #! script runs directly.
t_script_args() {
	cat >"$work/args.kp" <<-'KP'
	#!/usr/bin/env ktap
	print(arg[1], arg[2])
	KP
	chmod +x "$work/args.kp"
	expect "arg" "$(PATH=$(dirname "$KTAP"):$PATH "$work/args.kp" 10 foo)" "10	foo"
	expect "arg[0]" "$("$KTAP" -e 'print(arg[0])')" "-e"
	expect "-e arguments" "$("$KTAP" -e 'print(arg[2], arg[1])' a b -- true)" "b	a"
}

# An option after the script is the script's argument; ktap says so
# rather than, say, running for ever without the -t it was given. A
# negative number is an argument like any other.
t_option_after_script() {
	local err
	expect "after -e" "$("$KTAP" -e 'print(arg[1], arg[2])' -t 1 2>"$work/err")" "-t	1"
	expect "warning" "$(cat "$work/err")" "ktap: warning: '-t' after the script is the script's arg[1], not an option of ktap (options go before the script)"
	expect "negative" "$("$KTAP" -e 'print(arg[1])' -5 2>&1)" "-5"
}

t_stdin() {
	expect "stdin" "$(echo 'print("from stdin")' | "$KTAP" -)" "from stdin"
}

# An object compiled by ktapc runs as it is.
t_object() {
	"$KTAPC" -e 'print("from an object")' -o "$work/obj.o" || fail "ktapc"
	expect "object" "$("$KTAP" "$work/obj.o")" "from an object"
}

# Compile errors are ktapc's, exit status 1.
t_compile_error() {
	printf 'var x = \n' >"$work/bad.kp"
	"$KTAP" "$work/bad.kp" 2>"$work/err"
	expect "status" $? 1
	grep -q "^$work/bad.kp:1:8: error: " "$work/err" || fail "compile error: $(cat "$work/err")"
}

# Objects that are not ktap's: garbage, an executable, a BPF object
# without ktap's sections.
t_junk_object() {
	echo garbage >"$work/junk.o"
	refused "ktap: error: '$work/junk.o' is not an eBPF object file" "$KTAP" "$work/junk.o"
}

t_executable_object() {
	cp "$OBJCHECK" "$work/exe.o"
	refused "ktap: error: '$work/exe.o' is not an eBPF object file" "$KTAP" "$work/exe.o"
}

t_foreign_object() {
	"$KTAPC" -e 'print("from an object")' -o "$work/obj.o" || fail "ktapc"
	objcopy --remove-section='.ktap*' "$work/obj.o" "$work/foreign.o" 2>/dev/null ||
		llvm-objcopy-14 --remove-section='.ktap*' "$work/obj.o" "$work/foreign.o" || fail "objcopy"
	"$KTAP" "$work/foreign.o" 2>"$work/err" && fail "foreign object accepted"
	grep -q "^ktap: error: '$work/foreign.o' is not a ktap object: " "$work/err" || fail "foreign: $(cat "$work/err")"
}

# verifier_object O: compile to O a program the verifier rejects: the atomic
# add of `n += 1` (line 3) patched to use a register nobody set.
verifier_object() {
	printf 'var n = 0\ntrace syscalls:sys_enter_getppid {\n\tn += 1\n}\n' >"$work/verif.kp"
	"$KTAPC" "$work/verif.kp" -o "$1" || fail "ktapc verif.kp"
	python3 - "$1" <<-'PY' || fail "patching the object"
	import struct, sys
	p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
	shoff, = struct.unpack_from('<Q', b, 0x28); shnum, shstrndx = struct.unpack_from('<HH', b, 0x3c)
	sh = lambda i: struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * 64)
	names = sh(shstrndx)[4]
	for i in range(shnum):
	    s = sh(i)
	    if b[names + s[0]:].startswith(b'tracepoint/'):
	        for off in range(s[4], s[4] + s[5], 8):
	            if b[off] == 0xdb:	# lock *(u64 *)(dst + off) += src
	                b[off + 1] = (b[off + 1] & 0xf0) | 9
	open(p, 'wb').write(b)
	PY
}

# The verifier's rejection is reported at its script line.
t_verifier_error() {
	verifier_object "$work/verif.o"
	"$KTAP" "$work/verif.o" 2>"$work/err" && fail "verifier accepted the patched object"
	expect "verifier error" "$(head -1 "$work/err")" \
		"$work/verif.kp:3: error: the kernel's verifier rejected this: R9 !read_ok"
	no_leaks
}

# -v shows the verifier's log.
t_verifier_log() {
	verifier_object "$work/verif.o"
	"$KTAP" -v "$work/verif.o" 2>"$work/err" && fail "verifier accepted the patched object"
	grep -q "^processed [0-9]* insns" "$work/err" || fail "-v shows no verifier log"
	no_leaks
}

# No tracefs: ktap mounts it (in a mount namespace of the test's own).
t_no_tracefs() {
	out=$(unshare -m --propagation private sh -c 'umount /sys/kernel/tracing && ! mountpoint -q /sys/kernel/tracing &&
		"$0" -q -e "trace syscalls:sys_enter_getppid {} trace_end { print(\"traced\") }" -- true' "$KTAP") ||
		fail "without tracefs"
	expect "tracefs mounted" "$out" traced
	no_leaks
}

# Not root: one sentence.
t_unprivileged() {
	refused "ktap: error: ktap needs root (or the capabilities CAP_BPF and CAP_PERFMON) to load BPF programs" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$KTAP" -e 'print(1)'
}

# -d loads and verifies, attaches nothing, runs nothing (the same script
# without -d prints).
t_dry_run() {
	script='print("ran") trace syscalls:sys_enter_getppid {}'
	expect "-d" "$("$KTAP" -d -e "$script" 2>&1)" ""
	expect "without -d" "$("$KTAP" -q -e "$script" -- true 2>&1)" ran
	no_leaks
}

t_help_version() {
	"$KTAP" --help | grep -q -- "-t SECONDS" || fail "--help"
	"$KTAP" -V | grep -q "^ktap " || fail "-V"
}

t_unknown_option() {
	refused "ktap: error: unknown option '-x' (see ktap --help)" "$KTAP" -x
}

t_no_script() {
	refused "ktap: error: no script given (see ktap --help)" "$KTAP"
}

t_zero_timeout() {
	refused "ktap: error: '-t 0': expected a number from 0.001 to 1000000000" "$KTAP" -t 0 -e 'print(1)'
}

t_bad_error_limit() {
	refused "ktap: error: '-ferror-limit=x': expected a number from 0 to 1000000" "$KTAP" -ferror-limit=x -e 'print(1)'
}

t_empty_cmd() {
	refused "ktap: error: '--' needs a command after it" "$KTAP" -e 'print(1)' --
}

run_cases
