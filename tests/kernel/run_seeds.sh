# The seed programs (the project's first examples), end to end on the workload.
. "$(dirname "$0")/lib.bash"

t_hello_world() {
	expect "hello world" "$("$KTAP" -e 'print("hello world")')" "hello world"
}

# var i = 0; a probe increments it (filtered to the workload).
t_global() {
	out=$("$KTAP" -q -e 'var i = 0
	trace syscalls:sys_enter_getppid /execname == "kt-seed"/ { i += 1 }
	trace_end { print(i) }' -- "$WORKLOAD" -q --comm kt-seed getppid 123) || fail "global"
	expect "global i" "$out" 123
}

t_trace_end_logic() {
	out=$("$KTAP" -q -e 'var s = {}
	trace syscalls:sys_enter_getppid, syscalls:sys_exit_getppid /execname == "kt-seed2"/ { s[probename] += 1 }
	trace_end {
		var total = 0
		var kinds = 0
		for (k, v in pairs(s)) { total += v kinds += 1 }
		if (total > 10) { printf("%d events, %d kinds\n", total, kinds) } else { print("few") }
	}' -- "$WORKLOAD" -q --comm kt-seed2 getppid 6) || fail "trace_end logic"
	expect "trace_end logic" "$out" "12 events, 2 kinds"
}

# A user function called from a probe: a real BPF-to-BPF call.
t_function() {
	out=$("$KTAP" -q -e 'var sum = 0
	function sq(x) { return x * x }
	trace syscalls:sys_enter_getppid /execname == "kt-seed3"/ { sum += sq(3) }
	trace_end { print(sum) }' -- "$WORKLOAD" -q --comm kt-seed3 getppid 4) || fail "function"
	expect "function from a probe" "$out" 36
}

# iotop, on the workload's 4096 bytes read and 2048 written.
iotop='var reads = {}
var writes = {}
trace syscalls:sys_exit_read  /execname == "kt-io"/ { if (arg1 > 0) { reads[execname] += arg1 } }
trace syscalls:sys_exit_write /execname == "kt-io"/ { if (arg1 > 0) { writes[execname] += arg1 } }
function top() {
	var total = {}
	for (name, n in pairs(reads))  { total[name] += n }
	for (name, n in pairs(writes)) { total[name] += n }
	printf("%16s\t%10s\t%10s\n", "Process", "KB Read", "KB Written")
	for (name, n in sort_pairs(total, 10)) {
		printf("%16s\t%10d\t%10d\n", name, reads[name] / 1024, writes[name] / 1024)
	}
}'
want=$(printf '%16s\t%10s\t%10s\n%16s\t%10d\t%10d' Process "KB Read" "KB Written" kt-io 4 2)

# With a short tick that prints once the workload's I/O is all counted
# and ends the run (the held-back workload reads one more byte).
t_iotop_tick() {
	workload_bg -q --comm kt-io read 4096 write 2048
	ktap_bg "$work/iotop.out" -e "$iotop
	tick-20ms {
		if (reads[\"kt-io\"] >= 4096 && writes[\"kt-io\"] == 2048) {
			top()
			delete(reads)
			delete(writes)
			exit()
		}
	}"
	workload_go
	wait $WL_PID
	ktap_wait
	expect "iotop status" $KTAP_RC 0
	expect "iotop with tick" "$(cat "$work/iotop.out")" "$want"
}

# The same with trace_end, the run ended by the workload.
t_iotop_trace_end() {
	out=$("$KTAP" -q -e "$iotop
	trace_end { top() }" -- "$WORKLOAD" -q --comm kt-io read 4096 write 2048) || fail "iotop trace_end"
	expect "iotop with trace_end" "$out" "$want"
	no_leaks
}

run_cases
