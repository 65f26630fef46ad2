# Counter tables (per-CPU hashes, docs/lowering.md "Tables"): two workloads
# pinned to CPU 0 and CPU 1 count the same key; user context sees the exact
# sum in lookups, pairs, sort_pairs, len, print_hist and JSON, and its writes,
# resets and deletes hold on every CPU.
. "$(dirname "$0")/lib.bash"
N=20000

# Both CPUs, N system calls each, under one comm.
on_two_cpus() {
	echo "$WORKLOAD -q --comm $1 --cpu 0 getppid $N & $WORKLOAD -q --comm $1 --cpu 1 getppid $N; wait"
}

t_two_cpus() {
	out=$("$KTAP" -q -e 'var s = {}
	var c = {}
	trace syscalls:sys_enter_getppid /execname == "kt-pcpu"/ { s[execname] += 1 c[cpu, execname] += 2 }
	trace_end {
		print(s["kt-pcpu"], len(s))
		for (k, v in pairs(s)) { print(k, v) }
		for ((p, k), v in sort_pairs(c)) { print(p, k, v) }
		print_hist(s)
	}' -- sh -c "$(on_two_cpus kt-pcpu)") || fail "two cpus"
	expect "sums" "$out" "$((2 * N))	1
kt-pcpu	$((2 * N))
0	kt-pcpu	$((2 * N))
1	kt-pcpu	$((2 * N))
                         value ------------- Distribution ------------- count
                        kt-pcpu |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@$((2 * N))  "
	no_leaks
}

t_json() {
	out=$("$KTAP" -f json -q -e 'var s = {}
	trace syscalls:sys_enter_getppid /execname == "kt-pcpu-j"/ { s[execname] += 1 }
	trace_end { print_hist(s) }' -- sh -c "$(on_two_cpus kt-pcpu-j)") || fail "json"
	expect "json" "$(sed -n 2p <<<"$out")" \
		'{"type":"print_hist","table":"s","rows":[{"key":"kt-pcpu-j","value":'$((2 * N))'}],"more":0}'
	no_leaks
}

# A store from the main chunk (on CPU 0) that the kernel then counts onto;
# trace_end resets, adds, deletes and clears.
t_user_writes() {
	out=$("$KTAP" -q -e 'var s = {}
	s["kt-pcpu-w"] = 100
	s["other"] = 1
	trace syscalls:sys_enter_getppid /execname == "kt-pcpu-w"/ { s[execname] += 1 }
	trace_end {
		print(s["kt-pcpu-w"])
		s["kt-pcpu-w"] = 0
		print(s["kt-pcpu-w"])
		s["kt-pcpu-w"] += 7
		print(s["kt-pcpu-w"])
		s["kt-pcpu-w"] = nil
		print(s["kt-pcpu-w"], len(s))
		delete(s)
		print(len(s))
	}' -- sh -c "$(on_two_cpus kt-pcpu-w)") || fail "user writes"
	expect "user writes" "$out" "$((2 * N + 100))
0
7
nil	1
0"
	no_leaks
}

run_cases
