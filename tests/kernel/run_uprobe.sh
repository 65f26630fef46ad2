# Uprobes and uretprobes (probe:PATH:SYM) on the workload's own functions
# and on libc's labs, which it calls a known number of times with known
# arguments: exact counts, argument and return-value sums, library names,
# offsets, globs, -p, filters and probename; nothing left loaded after.
. "$(dirname "$0")/lib.bash"
N=1000

# ktap_workload_probe(i), i = 0..N-1: N calls whose arguments sum to N(N-1)/2.
t_count_and_args() {
	out=$("$KTAP" -q -e "var n = 0
	var s = 0
	trace probe:$WORKLOAD:ktap_workload_probe /execname == \"kt-up\"/ { n += 1 s += arg1 }
	trace_end { print(n, s) }" -- "$WORKLOAD" -q --comm kt-up call $N) || fail "uprobe"
	expect "count and argument sum" "$out" "$N	$((N * (N - 1) / 2))"
	no_leaks
}

# The static ktap_workload_ret(i) returns 2i + 1: the returns sum to N*N.
t_uretprobe() {
	out=$("$KTAP" -q -e "var n = 0
	var s = 0
	trace probe:$WORKLOAD:ktap_workload_ret%return /execname == \"kt-uret\"/ { n += 1 s += arg1 }
	trace_end { print(n, s) }" -- "$WORKLOAD" -q --comm kt-uret ret $N) || fail "uretprobe"
	expect "count and return sum" "$out" "$N	$((N * N))"
	no_leaks
}

# libc by its library name: labs(-i) N times, arguments summing to -N(N-1)/2.
t_libc_by_name() {
	out=$("$KTAP" -q -e 'var n = 0
	var s = 0
	trace probe:libc:labs /execname == "kt-libc"/ { n += 1 s += arg1 }
	trace_end { print(n, s) }' -- "$WORKLOAD" -q --comm kt-libc libc $N) || fail "libc"
	expect "libc labs" "$out" "$N	$((-N * (N - 1) / 2))"
	no_leaks
}

# PATH:0xOFFSET: the file offset of ktap_workload_probe, as nm's address
# is (a PIE's first segment maps at offset 0); probename is the offset.
t_offset() {
	off=0x$(nm "$WORKLOAD" | sed -n 's/^0*\([0-9a-f]*\) T ktap_workload_probe$/\1/p')
	[ "$off" != 0x ] || fail "no ktap_workload_probe in nm's output"
	out=$("$KTAP" -q -e "trace probe:$WORKLOAD:$off /execname == \"kt-off\"/ { print(probename, arg1) }" \
		-- "$WORKLOAD" -q --comm kt-off call 2) || fail "offset"
	expect "offset spec" "$out" "$off	0
$off	1"
	no_leaks
}

# A glob over the workload's functions (the static one too): one uprobe
# each, counted by probename.
t_glob() {
	out=$("$KTAP" -q -e "var c = {}
	trace probe:$WORKLOAD:ktap_workload_* /execname == \"kt-glob\"/ { c[probename] += 1 }
	trace_end { for (k, v in pairs(c)) { printf(\"%s %d\\n\", k, v) } }" \
		-- "$WORKLOAD" -q --comm kt-glob call 5 ret 9) || fail "glob"
	expect "glob" "$(sort <<<"$out")" "ktap_workload_probe 5
ktap_workload_ret 9"
	no_leaks
}

# -p: the uprobe is attached in that process only; another running the
# same code at the same time is not counted.
t_pid() {
	only_pid "var n = 0
	trace probe:$WORKLOAD:ktap_workload_probe { n += 1 }
	trace_end { print(n) }" "$WORKLOAD" -q --comm kt-upid call
	expect "-p" "$(cat "$work/pid.out")" 300
}

# A filter on an argument: the calls with i >= N - 10.
t_filter_on_arg() {
	out=$("$KTAP" -q -e "var n = 0
	trace probe:$WORKLOAD:ktap_workload_probe /execname == \"kt-ufilt\" && arg1 >= $((N - 10))/ { n += 1 }
	trace_end { print(n) }" -- "$WORKLOAD" -q --comm kt-ufilt call $N) || fail "filter"
	expect "filter on arg1" "$out" 10
	no_leaks
}

# Named fetch-args: %di as args.i and arg1, a 32-bit view of it as arg2.
t_fetch_args() {
	out=$("$KTAP" -q -e "var s = 0
	var t = 0
	trace probe:$WORKLOAD:ktap_workload_probe i=%di lo=%di:u8 /execname == \"kt-fetch\"/ { s += args.i t += arg2 }
	trace_end { print(s, t) }" -- "$WORKLOAD" -q --comm kt-fetch call 300) || fail "fetch-args"
	# the low bytes of 0..299: 0..255, then 0..43
	expect "fetch-args" "$out" "$((300 * 299 / 2))	$((255 * 256 / 2 + 43 * 44 / 2))"
	no_leaks
}

# probename is the symbol; printed from the kernel.
t_probename() {
	out=$("$KTAP" -q -e "trace probe:$WORKLOAD:ktap_workload_probe /execname == \"kt-pname\"/ { print(probename, arg1) }" \
		-- "$WORKLOAD" -q --comm kt-pname call 2) || fail "probename"
	expect "probename" "$out" "ktap_workload_probe	0
ktap_workload_probe	1"
	no_leaks
}

run_cases
