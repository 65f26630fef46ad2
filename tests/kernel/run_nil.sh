# nil variables (docs/language.md §4): a variable assigned a missing table entry
# is nil, in kernel handlers and in user context, and == nil, truthiness,
# print and function parameters see it.
. "$(dirname "$0")/lib.bash"

# An enter/exit latency pair: ktap attaches while the workload is held, so
# every getppid exit had an enter. write exits have no enter at all: each
# reads a missing key and must return early.
t_kernel_pair() {
workload_bg -q --comm kt-nilpair --threads 2 getppid 500 write 300
ktap_bg "$work/pair.out" -e 'var start = {}
var paired = 0
var missed = 0
var bad = 0
trace syscalls:sys_enter_getppid /execname == "kt-nilpair"/ { start[tid] = gettimeofday_ns() }
trace syscalls:sys_exit_getppid, syscalls:sys_exit_write /execname == "kt-nilpair"/ {
	var t0 = start[tid]
	if (t0 == nil) { missed += 1 return }
	start[tid] = nil
	var d = gettimeofday_ns() - t0
	if (d < 0 || d > 10000000000) { bad += 1 }
	paired += 1
}
trace_end { print("paired", paired, "missed", missed, "bad", bad) }'
workload_go
wait $WL_PID || fail "workload failed"
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "pairs" "$(cat "$work/pair.out")" "paired	1000	missed	600	bad	0"
}

# Truthiness and print in a handler: a nil variable is false and prints nil;
# a string from a missing entry too.
t_kernel_print() {
workload_bg -q --comm kt-nilprint getppid 1
ktap_bg "$work/print.out" -e 'var names = {}
trace syscalls:sys_enter_getppid /execname == "kt-nilprint"/ {
	var s = names[pid]
	if (s) { print("present") } else { print("absent", s) }
	names[pid] = "seen"
	s = names[pid]
	if (s) { print("present", s) }
	exit()
}'
workload_go
wait $WL_PID || fail "workload failed"
ktap_wait
expect "status" $KTAP_RC 0
expect "kernel print" "$(cat "$work/print.out")" "absent	nil
present	seen"
}

# trace_end reads a missing key into a variable; numbers, strings and
# booleans; arithmetic uses 0; += makes it present; a function parameter
# carries presence.
t_user_context() {
out=$("$KTAP" -q -e 'var n = {}
var s = {}
var b = {}
n["k"] = 5
function which(x) { if (x == nil) { return "nil" } return "set" }
trace_end {
	var a = n["k"]
	var m = n["none"]
	var t = s["none"]
	var f = b["none"]
	var u
	print(a, m, t, f, u)
	print(a == nil, m == nil, t == nil, f != nil, u == nil)
	print(m + 1, which(a), which(m), which(n["none"]), which(7))
	m += 2
	print(m, m == nil)
	if (f) { print("f true") } else { print("f false") }
	n["copy"] = m
	m = nil
	n["copy"] = m
	print(n["copy"] == nil, m)
}' -- true) || fail "ktap"
expect "user context" "$out" "5	nil	nil	nil	nil
false	true	true	false	true
1	set	nil	nil	set
2	false
f false
true	nil"
}

# A hardirq_time/softirq_time-style script (ktap's samples): time per
# softirq vector from irq:softirq_entry/exit. The reads make sure every
# duration is one of an entry this run saw: none is negative or longer
# than the run.
t_softirq_time() {
ktap_bg "$work/soft.out" -e 'var start = {}
var total = {}
var bad = 0
var runs = 0
var t_start = gettimeofday_ns()
trace irq:softirq_entry { start[cpu] = gettimeofday_ns() }
trace irq:softirq_exit {
	var t0 = start[cpu]
	if (t0 == nil) { return }
	start[cpu] = nil
	var d = gettimeofday_ns() - t0
	if (d < 0 || d > gettimeofday_ns() - t_start) { bad += 1 }
	runs += 1
	total[arg0] += d
}
trace_end {
	var elapsed = gettimeofday_ns() - t_start
	var worst = 0
	for (vec, ns in pairs(total)) {
		if (ns < 0 || ns > elapsed * num_cpus()) { worst += 1 }
	}
	print("bad", bad, "worst", worst)
}' -- sh -c 'i=0; while [ $i -lt 200 ]; do echo x >/dev/null; i=$((i+1)); done; sleep 0.1'
ktap_wait
expect "status" $KTAP_RC 0
expect "softirq_time" "$(cat "$work/soft.out")" "bad	0	worst	0"
}

# A table read printed directly, in a handler and in user context: a
# missing key prints nil with print and with %s (other conversions and
# arithmetic use the zero value).
t_missing_key_print() {
workload_bg -q --comm kt-nilkey getppid 1
ktap_bg "$work/key.out" -e 'var n = {}
var s = {}
trace syscalls:sys_enter_getppid /execname == "kt-nilkey"/ {
	print(n[pid], s[pid], n[pid] + 1)
	printf("[%s] [%s] [%d]\n", n[pid], s[pid], n[pid])
	n[pid] = 7
	s[pid] = "x"
	print(n[pid], s[pid])
	printf("[%s] [%s]\n", n[pid], s[pid])
	exit()
}
trace_end { print(n[0], s[0]) printf("[%s] [%3s]\n", n[0], s[0]) }'
workload_go
wait $WL_PID || fail "workload failed"
ktap_wait
expect "status" $KTAP_RC 0
expect "missing keys" "$(cat "$work/key.out")" "nil	nil	1
[nil] [nil] [0]
7	x
[7] [x]
nil	nil
[nil] [nil]"
}

# A nilable local given a value on every path may be returned, and the
# caller gets that value (in a handler and in user context).
t_return_present() {
out=$("$KTAP" -q -e 'var t = {}
function pick(c) { var r = t[c] if (r == nil) { r = 40 } else { r += 1 } return r }
t[1] = 7
trace_end { print(pick(1), pick(2)) }' -- true) || fail "ktap"
expect "returned values" "$out" "8	40"
}

run_cases "$@"
