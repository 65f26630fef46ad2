# USDT probes (sdt:) on the project's usdt tool (tests/tools/usdt.c), which
# fires each of its probes a known number of times with known arguments:
# exact counts and argument sums, operands in registers and on the stack,
# semaphores set only while attached, globs, the short form, -p, objects,
# a library by name, listings; nothing left loaded after.
. "$(dirname "$0")/lib.bash"
N=1000

# ktap:tick(i, -i), i = 0..N-1: N hits, arguments summing to N(N-1)/2 and
# its negative (a long in rax, an int in edx, sign-extended).
t_tick_count_and_args() {
	out=$("$KTAP" -q -e "var n = 0
	var s1 = 0
	var s2 = 0
	trace sdt:$USDT:ktap:tick /execname == \"kt-sdt-tick\"/ { n += 1 s1 += arg1 s2 += arg2 }
	trace_end { print(n, s1, s2) }" -- "$USDT" -q --comm kt-sdt-tick $N) || fail "ktap"
	expect "count and sums" "$out" "$N	$((N * (N - 1) / 2))	$((-N * (N - 1) / 2))"
	no_leaks
}

# ktap:mixed(i * 1000, (short)-i, (unsigned char)i, &tick_count): stack
# operands of 8, 2 (signed) and 1 (unsigned) bytes, and a pointer in rdi,
# the same every time. 300 hits: the byte wraps at 256.
t_mixed_args() {
	out=$("$KTAP" -q -e "var s1 = 0
	var s2 = 0
	var s3 = 0
	var p = {}
	trace sdt:$USDT:ktap:mixed /execname == \"kt-sdt-mix\"/ { s1 += arg1 s2 += arg2 s3 += arg3 p[arg4] += 1 }
	trace_end { var k = 0
		for (a, c in pairs(p)) { if (a != 0) { k += c } }
		print(s1, s2, s3, k) }" -- "$USDT" -q --comm kt-sdt-mix 300) || fail "ktap"
	expect "mixed" "$out" "$((1000 * 300 * 299 / 2))	$((-300 * 299 / 2))	$((255 * 256 / 2 + 43 * 44 / 2))	300"
	no_leaks
}

# ktap:guarded fires only while its semaphore is set: N times while ktap
# is attached (the kernel counts the uprobe in it), never without.
t_guarded_semaphore() {
	out=$("$KTAP" -q -e "var n = 0
	trace sdt:$USDT:ktap:guarded /execname == \"kt-sdt-sem\"/ { n += 1 }
	trace_end { print(n) }" -- "$USDT" --comm kt-sdt-sem $N) || fail "ktap"
	expect "attached" "$out" "guarded $N
$N"
	expect "not attached" "$("$USDT" 7)" "guarded 0"
	no_leaks
}

# The same through an object: the semaphore travels in it (ref_ctr).
t_guarded_object() {
	"$KTAPC" -e "var n = 0
	trace sdt:$USDT:ktap:guarded /execname == \"kt-sdt-obj\"/ { n += 1 }
	trace_end { print(n) }" -o "$work/g.o" || fail "ktapc"
	out=$("$KTAP" -q "$work/g.o" -- "$USDT" --comm kt-sdt-obj 40) || fail "ktap"
	expect "object" "$out" "guarded 40
40"
	no_leaks
}

# A glob over providers and names, and sdt:PATH:NAME: probename is NAME.
t_glob_and_short_form() {
	out=$("$KTAP" -q -e "var c = {}
	trace sdt:$USDT:k*:[tg]u*, sdt:$USDT:mixed /execname == \"kt-sdt-glob\"/ { c[probename] += 1 }
	trace_end { for (k, v in pairs(c)) { printf(\"%s %d\\n\", k, v) } }" \
		-- "$USDT" -q --comm kt-sdt-glob 9) || fail "ktap"
	expect "glob" "$(sort <<<"$out")" "guarded 9
mixed 9"
	no_leaks
}

# -p: only that process's hits; another running the same probes at the
# same time is not counted.
t_pid() {
	only_pid "var n = 0
	trace sdt:$USDT:ktap:tick { n += 1 }
	trace_end { print(n) }" "$USDT" -q --comm kt-sdt-pid
	expect "-p" "$(cat "$work/pid.out")" 300
}

# A library by name: this system's libstdc++ has USDT notes (no semaphores).
# Nothing here throws: the probes attach, count nothing, and detach.
t_library_by_name() {
	out=$("$KTAP" -q -e "var n = 0
	trace sdt:libstdc++:libstdcxx:* /execname == \"kt-sdt-lib\"/ { n += 1 }
	trace_end { print(n) }" -- "$USDT" -q --comm kt-sdt-lib 1) || fail "ktap"
	expect "libstdc++" "$out" 0
	no_leaks
}

# ktap -l lists the notes; -lv with their operands.
t_list() {
	expect "-l" "$("$KTAP" -l "sdt:$USDT:*")" "sdt:$USDT:ktap:tick
sdt:$USDT:ktap:mixed
sdt:$USDT:ktap:guarded
sdt:$USDT:ktap:global"
	expect "-lv" "$("$KTAP" -lv "sdt:$USDT:ktap:[tm]*")" "sdt:$USDT:ktap:tick  -8@%rax -4@%edx
sdt:$USDT:ktap:mixed  -8@24(%rsp) -2@22(%rsp) 1@21(%rsp) 8@%rdi"
	out=$("$KTAP" -l "sdt:$USDT:tik" 2>&1) && fail "-l of nothing succeeded"
	expect "-l of nothing" "$out" "ktap: error: $USDT has no USDT probe 'tik'; did you mean 'tick'?"
}

run_cases "$@"
