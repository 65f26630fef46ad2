# tp_btf: and raw_tp: events: the tracepoint's own arguments, typed by the
# kernel's BTF (pointers to structs read with CO-RE, integers as numbers).
. "$(dirname "$0")/lib.bash"

# The pid and path of each exec of a "workload" (other tests may exec one
# too: the case keeps the line of its own pid).
exec_script='/args.p.comm == "workload"/ {
	print(args.p.pid, kernel_string(args.bprm.filename), args.old_pid == pid)
}'

# The exec of CMD (sh execs the workload keeping its pid) is seen with its
# task's pid and the bprm's filename, at tp_btf: and at raw_tp:.
exec_case() {
	local out rc=0
	out=$("$KTAP" -q -e "trace $1:sched_process_exec $exec_script" -- \
		sh -c 'echo $$ >"$1"; exec "$0" -q nanosleep 1' "$WORKLOAD" "$work/pid") || rc=$?
	expect "$1 exec: status" $rc 0
	local pid=$(cat "$work/pid")
	expect "$1 exec" "$(grep "^$pid	" <<<"$out")" "$pid	$WORKLOAD	true"
	no_leaks
}
t_tp_btf_exec() { exec_case tp_btf; }
t_raw_tp_exec() { exec_case raw_tp; }

# Switches away from the workload name its task as prev (its pid, and its
# parent's through two direct loads, are the workload's) and switches to
# it as next: 5 sleeps make at least one each.
t_tp_btf_switch() {
	local out rc=0
	out=$("$KTAP" -q -e 'var out, into, wrong = 0, 0, 0
trace tp_btf:sched_switch {
	if (args.prev.comm == "kt-tpbtf-sw") {
		out += 1
		if (args.prev.pid != pid || args.prev.real_parent.tgid != ppid) { wrong += 1 }
	}
	if (args.next.comm == "kt-tpbtf-sw") { into += 1 }
}
trace_end { print(out >= 1, into >= 1, wrong) }' -- "$WORKLOAD" -q --comm kt-tpbtf-sw nanosleep 5) || rc=$?
	expect "switch: status" $rc 0
	expect "switch" "$out" "true	true	0"
	no_leaks
}

# A glob names every tracepoint it matches, each with its own typed
# arguments: the workload's exec and exit, by probename.
t_tp_btf_glob() {
	local out rc=0
	out=$("$KTAP" -q -e 'trace tp_btf:sched_process_ex* /args.p.comm == "kt-tpbtf-gl"/ {
	print(probename, args.p.pid == pid)
}' -- "$WORKLOAD" -q --comm kt-tpbtf-gl getppid 1) || rc=$?
	expect "glob: status" $rc 0
	expect "glob" "$out" "sched_process_exit	true"
	no_leaks
}

run_cases
