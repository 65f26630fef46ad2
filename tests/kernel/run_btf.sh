# Typed kernel and user data through BTF (docs/language.md §13), with CO-RE
# relocations libbpf applies at load: what curtask and ppid say of the
# workload agrees with what the test knows of it, a struct the workload
# passes in user memory reads back, and the objects are real CO-RE objects.
. "$(dirname "$0")/lib.bash"

# curtask.comm/pid/tgid, ppid and curtask.real_parent.tgid of the workload,
# whose parent is this case's shell.
t_task() {
workload_bg -q --comm kt-btft nanosleep 1
ktap_bg "$work/task.out" -e 'trace syscalls:sys_enter_nanosleep /execname == "kt-btft"/ {
	print(curtask.comm, curtask.pid, curtask.tgid, ppid, curtask.real_parent.tgid)
	exit()
}'
workload_go
ktap_wait
wait $WL_PID
expect "status" $KTAP_RC 0
expect "curtask" "$(cat "$work/task.out")" "kt-btft	$WL_PID	$WL_PID	$BASHPID	$BASHPID"
}

# The same, read directly (bpf_get_current_task_btf, loads the verifier
# checks) in each other program type ktap emits: a uprobe, a perf event,
# the syscall dispatch, a raw tracepoint with cookies, tp_btf and raw_tp.
task_in() {
	local comm=$1 probe=$2 action=$3
	workload_bg -q --comm "$comm" $action
	ktap_bg "$work/t.out" -e "$probe { if (execname == \"$comm\") {
	print(curtask.pid, curtask.tgid, ppid, curtask.real_parent.tgid, curtask.real_parent.comm)
	exit()
} }"
	workload_go
	ktap_wait
	wait $WL_PID
	expect "status" $KTAP_RC 0
	expect "curtask" "$(cat "$work/t.out")" "$WL_PID	$WL_PID	$BASHPID	$BASHPID	bash"
}
t_task_uprobe() { task_in kt-btf-up "trace probe:$WORKLOAD:ktap_workload_probe" "call 1"; }
t_task_profile() { task_in kt-btf-pr "profile-1ms" "spin 500"; }
t_task_dispatch() { task_in kt-btf-sc "trace syscalls:*" "nanosleep 1"; }
t_task_rawtp_cookie() { task_in kt-btf-rc "trace sched:*" "nanosleep 1"; }
t_task_tp_btf() { task_in kt-btf-tb "trace tp_btf:sys_enter" "nanosleep 1"; }
t_task_raw_tp() { task_in kt-btf-rt "trace raw_tp:sys_enter" "nanosleep 1"; }

# The workload's nanosleep passes { 0 s, 1000 ns } in its own memory.
t_user_timespec() {
workload_bg -q --comm kt-btfu nanosleep 1
ktap_bg "$work/ts.out" -e 'trace syscalls:sys_enter_nanosleep /execname == "kt-btfu"/ {
	var ts = ffi.cast("const struct __kernel_timespec __user *", args.rqtp)
	print(ts.tv_sec, ts.tv_nsec)
	exit()
}'
workload_go
ktap_wait
wait $WL_PID
expect "status" $KTAP_RC 0
expect "timespec" "$(cat "$work/ts.out")" "0	1000"
}

# The object's relocations are CO-RE relocations: libbpf's min_core_btf
# keeps exactly the members read, and the object loads through libbpf.
t_object() {
cat >"$work/o.kp" <<'KP'
trace syscalls:sys_enter_nanosleep {
	print(curtask.comm, ppid, ffi.cast("struct __kernel_timespec __user *", args.rqtp).tv_nsec)
}
KP
"$KTAPC" "$work/o.kp" -o "$work/o.o" || fail "ktapc"
"$OBJCHECK" "$work/o.o" || fail "objcheck"
bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$work/o.btf" "$work/o.o" || fail "min_core_btf"
got=$(bpftool btf dump file "$work/o.btf" | sed -n "s/^\[[0-9]*\] STRUCT '\([a-z_]*\)'.*/\1/p; s/^	'\([a-z_]*\)'.*/  \1/p")
expect "min_core_btf" "$got" "task_struct
  tgid
  real_parent
  comm
__kernel_timespec
  tv_nsec"
}

# Bitfields read their own bits: sched_reset_on_fork (one bit among
# task_struct's scheduler flags) is 1 in the workload that set
# SCHED_RESET_ON_FORK and 0 in the one that did not; in_execve, a bit of
# the next word, is 0 outside exec.
t_bitfield() {
	local out rc=0
	out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-btfb1" || execname == "kt-btfb0"/ {
	print(execname, curtask.sched_reset_on_fork, curtask.in_execve, curtask.policy)
}' -- sh -c '"$0" -q --comm kt-btfb1 --reset-on-fork getppid 1 && "$0" -q --comm kt-btfb0 getppid 1' \
		"$WORKLOAD") || rc=$?
	expect "bitfield: status" $rc 0
	expect "bitfield" "$out" "kt-btfb1	1	0	0
kt-btfb0	0	0	0"
	no_leaks
}

run_cases
