# The ktap command: scripts, objects, -e, script arguments, #! scripts, and
# every error a user can make: compile errors, bad objects, a program the
# verifier rejects, no privileges, bad options.
. "$(dirname "$0")/lib.bash"

expect "hello world" "$("$KTAP" -e 'print("hello world")')" "hello world"

# Script arguments are the arg table; a #! script runs directly.
cat >"$work/args.kp" <<'KP'
#!/usr/bin/env ktap
print(arg[1], arg[2])
KP
chmod +x "$work/args.kp"
expect "arg" "$(PATH=$(dirname "$KTAP"):$PATH "$work/args.kp" 10 foo)" "10	foo"
expect "arg[0]" "$("$KTAP" -e 'print(arg[0])')" "-e"
expect "-e arguments" "$("$KTAP" -e 'print(arg[2], arg[1])' a b -- true)" "b	a"

expect "stdin" "$(echo 'print("from stdin")' | "$KTAP" -)" "from stdin"

# An object compiled by ktapc runs as it is.
"$KTAPC" -e 'print("from an object")' -o "$work/obj.o" || fail "ktapc"
expect "object" "$("$KTAP" "$work/obj.o")" "from an object"

# Compile errors are ktapc's, exit status 1.
printf 'var x = \n' >"$work/bad.kp"
"$KTAP" "$work/bad.kp" 2>"$work/err" && fail "compile error accepted"
grep -q "^$work/bad.kp:1:8: error: " "$work/err" || fail "compile error: $(cat "$work/err")"

# Objects that are not ktap's.
echo garbage >"$work/junk.o"
"$KTAP" "$work/junk.o" 2>"$work/err" && fail "junk object accepted"
expect "junk object" "$(cat "$work/err")" "ktap: error: '$work/junk.o' is not an eBPF object file"
cp "$OBJCHECK" "$work/exe.o"
"$KTAP" "$work/exe.o" 2>"$work/err" && fail "executable accepted"
expect "executable" "$(cat "$work/err")" "ktap: error: '$work/exe.o' is not an eBPF object file"
# a BPF object without ktap's sections: strip them
objcopy --remove-section='.ktap*' "$work/obj.o" "$work/foreign.o" 2>/dev/null ||
	llvm-objcopy-14 --remove-section='.ktap*' "$work/obj.o" "$work/foreign.o" || fail "objcopy"
"$KTAP" "$work/foreign.o" 2>"$work/err" && fail "foreign object accepted"
grep -q "^ktap: error: '$work/foreign.o' is not a ktap object: " "$work/err" || fail "foreign: $(cat "$work/err")"

# A program the verifier rejects is reported at its script line: make the
# atomic add of `n += 1` (line 3) use a register nobody set.
printf 'var n = 0\ntrace syscalls:sys_enter_getppid {\n\tn += 1\n}\n' >"$work/verif.kp"
"$KTAPC" "$work/verif.kp" -o "$work/verif.o" || fail "ktapc verif.kp"
python3 - "$work/verif.o" <<'PY' || fail "patching the object"
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
"$KTAP" "$work/verif.o" 2>"$work/err" && fail "verifier accepted the patched object"
expect "verifier error" "$(head -1 "$work/err")" "$work/verif.kp:3: error: the kernel's verifier rejected this: R9 !read_ok"
"$KTAP" -v "$work/verif.o" 2>"$work/err"
grep -q "^processed [0-9]* insns" "$work/err" || fail "-v shows no verifier log"

# No tracefs: ktap mounts it (in a mount namespace of the test's own).
if command -v unshare >/dev/null; then
	out=$(unshare -m --propagation private sh -c 'umount /sys/kernel/tracing && ! mountpoint -q /sys/kernel/tracing &&
		"$0" -q -e "trace syscalls:sys_enter_getppid {} trace_end { print(\"traced\") }" -- true' "$KTAP") ||
		fail "without tracefs"
	expect "tracefs mounted" "$out" traced
fi

# Not root: one sentence.
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$KTAP" -e 'print(1)' 2>"$work/err" && fail "ran unprivileged"
	expect "unprivileged" "$(cat "$work/err")" \
		"ktap: error: ktap needs root (or the capabilities CAP_BPF and CAP_PERFMON) to load BPF programs"
fi

# -d loads and verifies, attaches nothing, runs nothing.
expect "-d" "$("$KTAP" -d -e 'print("ran") trace syscalls:sys_enter_getppid {}' 2>&1)" ""

# Options.
"$KTAP" --help | grep -q -- "-t SECONDS" || fail "--help"
"$KTAP" -V | grep -q "^ktap " || fail "-V"
"$KTAP" -x 2>"$work/err" && fail "-x accepted"
expect "unknown option" "$(cat "$work/err")" "ktap: error: unknown option '-x' (see ktap --help)"
"$KTAP" 2>/dev/null && fail "no script accepted"
"$KTAP" -t 0 -e 'print(1)' 2>/dev/null && fail "-t 0 accepted"
"$KTAP" -e 'print(1)' -- 2>/dev/null && fail "empty CMD accepted"
no_leaks
echo ok
