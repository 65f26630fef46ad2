# Exact counts from kernel handlers, on the workload's own system calls:
# globals and tables, one thread and two hammering the same entry, printf
# from the kernel, a table built in main, a user function called from a
# probe, thread-local start/stop pairs; -- CMD, -o, -q.
. "$(dirname "$0")/lib.bash"
N=20000

# A global incremented by a probe, read by trace_end; the run ends with CMD.
t_global() {
	out=$("$KTAP" -q -e 'var n = 0
	trace syscalls:sys_enter_getppid /execname == "kt-count"/ { n += 1 }
	trace_end { print(n) }' -- "$WORKLOAD" -q --comm kt-count getppid $N) || fail "global count"
	expect "global, 1 thread" "$out" $N
	no_leaks
}

# Two threads on the same global and the same table entry: no increment lost.
t_two_threads() {
	out=$("$KTAP" -q -e 'var n = 0
	var s = {}
	trace syscalls:sys_enter_getppid /execname == "kt-count2"/ { n += 1 s[execname] += 1 }
	trace_end { print(n, s["kt-count2"]) }' -- "$WORKLOAD" -q --comm kt-count2 --threads 2 getppid $N) || fail "2 threads"
	expect "global and table, 2 threads" "$out" "$((2 * N))	$((2 * N))"
	no_leaks
}

# printf from the kernel, one line per event; -o writes them to a file.
t_kernel_printf() {
	"$KTAP" -q -o "$work/pf.txt" -e 'trace syscalls:sys_enter_getppid /execname == "kt-printf"/ {
		printf("%s getppid %d\n", execname, 7)
	}' -- "$WORKLOAD" -q --comm kt-printf getppid 5 >"$work/pf.stdout" || fail "printf"
	expect "printf lines" "$(cat "$work/pf.txt")" "$(printf 'kt-printf getppid 7\n%.0s' 1 2 3 4 5)"
	expect "stdout with -o" "$(cat "$work/pf.stdout")" ""
	no_leaks
}

# -T: the delivery time before each kernel line.
t_timestamps() {
	"$KTAP" -q -T -e 'trace syscalls:sys_enter_getppid /execname == "kt-ts"/ { print(execname) }' \
		-- "$WORKLOAD" -q --comm kt-ts getppid 3 >"$work/ts.txt" || fail "-T"
	expect "-T" "$(sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} /TIME /' "$work/ts.txt")" "TIME kt-ts
TIME kt-ts
TIME kt-ts"
	no_leaks
}

# profile-N samples every CPU; a tick ends the run once a sample came.
t_profile() {
	out=$("$KTAP" -q -e 'var n = 0
	profile-1ms { n += 1 }
	tick-10ms { if (n > 0) { print("sampled") exit() } }') || fail "profile"
	expect "profile" "$out" sampled
	no_leaks
}

# A table built in the main chunk, read by the probe; a user function
# called from the kernel (a BPF-to-BPF call).
t_table_from_main() {
	out=$("$KTAP" -q -e 'var weight = {}
	weight["kt-table"] = 3
	var total = 0
	function twice(x) { return 2 * x }
	trace syscalls:sys_enter_getppid /execname == "kt-table"/ { total += twice(weight[execname]) }
	trace_end { print(total) }' -- "$WORKLOAD" -q --comm kt-table getppid 10) || fail "table from main"
	expect "table from main and function" "$out" 60
	no_leaks
}

# Thread-local start/stop pairs: every enter has its exit on the same thread.
t_start_stop_pairs() {
	out=$("$KTAP" -q -e 'var start = {}
	var pairs = 0
	var unmatched = 0
	trace syscalls:sys_enter_getppid /execname == "kt-pairs"/ { start[tid] = 1 }
	trace syscalls:sys_exit_getppid /execname == "kt-pairs"/ {
		if (start[tid] == 1) { pairs += 1 start[tid] = nil } else { unmatched += 1 }
	}
	trace_end { print(pairs, unmatched) }' -- "$WORKLOAD" -q --comm kt-pairs --threads 2 getppid 1000) || fail "pairs"
	expect "start/stop pairs" "$out" "2000	0"
	no_leaks
}

# Updates dropped on a full table and kernel loops stopped by the cap are
# reported once, at the end, on stderr.
t_full_table() {
	"$KTAP" -q --table-size 4 -e 'var i = 0
	var s = {}
	trace syscalls:sys_enter_getppid /execname == "kt-full"/ { i += 1 s[i] = 1 while (true) { } }' \
		-- "$WORKLOAD" -q --comm kt-full getppid 10 2>"$work/full.err" || fail "full table run"
	expect "full table and loop cap" "$(cat "$work/full.err")" \
		"warning: 6 updates to table 's' (line 2) were dropped: table full (4 entries)
warning: 10 loops in kernel handlers were stopped at the iteration cap (100000)"
	no_leaks
}

# The banner goes to stderr, not to the output; -q drops it.
t_banner() {
	"$KTAP" -e 'trace syscalls:sys_enter_getppid {}' -- true >"$work/b.out" 2>"$work/b.err" || fail "banner run"
	expect "banner" "$(cat "$work/b.err")" "Tracing... Hit Ctrl-C to end."
	expect "banner not on stdout" "$(cat "$work/b.out")" ""
	"$KTAP" -q -e 'trace syscalls:sys_enter_getppid {}' -- true 2>"$work/q.err" || fail "-q run"
	expect "no banner with -q" "$(cat "$work/q.err")" ""
	no_leaks
}

run_cases
