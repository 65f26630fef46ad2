# argstr: each event as ftrace prints it. ftrace's own text for the same
# events comes from a tracefs instance made and removed here (the global
# trace settings are never touched); the workload makes the events.
. "$(dirname "$0")/lib.bash"

inst=/sys/kernel/tracing/instances/ktap-test-$$
trap 'rmdir "$inst" 2>/dev/null; rm -rf "$work"' EXIT

# instance EVENT...: a fresh instance with these events enabled.
instance() {
	rmdir "$inst" 2>/dev/null
	mkdir "$inst" || fail "cannot make $inst"
	local ev
	for ev in "$@"; do
		echo 1 >"$inst/events/${ev/://}/enable" || fail "cannot enable $ev"
	done
}

# ftrace_text PID: the text of each event of PID in the instance (what
# follows "TIMESTAMP: ", less "NAME: " for events that print it).
ftrace_text() {
	echo 0 >"$inst/tracing_on"
	sed -n "s/^ *.*-$1 *\[[0-9]*\] [^ ]* *[0-9.]*: //p" "$inst/trace" |
		sed 's/^\(task_rename\|sched_process_exec\): //'
}

# syscall_case WANT WORKLOAD-ACTIONS EVENT... -- BODY: the workload's
# syscall events, as print or printf print them, equal ftrace's (WANT
# lines of them), e.g. "sys_openat(dfd: 0xffffff9c, filename: 0x..., flags:
# 0, mode: 0)" and "sys_openat -> 0xfffffffffffffffe".
syscall_case() {
	local want=$1 actions=$2 evs=()
	shift 2
	while [ "$1" != -- ]; do evs+=("$1"); shift; done
	workload_bg -q --comm kt-argstr $actions
	instance "${evs[@]}"
	echo $WL_PID >"$inst/set_event_pid"
	local list=${evs[*]}
	ktap_bg "$work/out" -v -p $WL_PID -e "trace ${list// /, } { $2 }"
	workload_go
	wait $WL_PID
	kill -INT $KTAP_PID
	ktap_wait
	expect "status" $KTAP_RC 0
	text=$(ftrace_text $WL_PID)
	expect "ftrace saw the calls" "$(wc -l <<<"$text")" $want
	expect "argstr" "$(cat "$work/out")" "$text"
}

# A syscall's entry and exit (failing with ENOENT), each on its own
# tracepoint.
openat_case() {
	syscall_case 4 "openat-fail 2" syscalls:sys_enter_openat syscalls:sys_exit_openat -- "$1"
}

t_syscall_print() { openat_case 'print(argstr)'; }
t_syscall_printf() { openat_case 'printf("%s\n", argstr)'; }

# Five syscalls each way: through the dispatch on raw_syscalls, one raw
# tracepoint each way. ftrace shows whole registers, and so must argstr:
# getpriority's who with garbage in its upper half, getpgid's pid -1 as
# 0xffffffff; the body's arg1 is cut to the field's type (pid_t: -1).
t_dispatch() {
	local evs=() s
	for s in openat getpriority getpgid close lseek; do
		evs+=(syscalls:sys_enter_$s syscalls:sys_exit_$s)
	done
	syscall_case 12 "openat-fail 2 bad-args 1" "${evs[@]}" -- 'if (arg1 != 0xffffffff) { print(argstr) }'
	expect "raw tracepoints" "$(grep -c 'to raw tracepoint sys_e[a-z]*$' "$work/out.err")" 2
	expect "tracepoints" "$(grep -c 'to syscalls:' "$work/out.err")" 0
}

# An event with its own print fmt (libtraceevent renders it): task_rename
# of the workload started by ktap, and the workload's exec, whose file name
# is in the record's dynamic (__data_loc) part.
t_task_rename() {
	instance task:task_rename
	out=$("$KTAP" -q -e 'trace task:task_rename /newcomm == "kt-argren"/ { printf("%d %s\n", pid, argstr) }' \
		-- "$WORKLOAD" -q --comm kt-argren getppid 1) || fail "ktap"
	p=${out%% *}
	want=$(ftrace_text $p | grep 'newcomm=kt-argren ')
	expect "argstr" "${out#* }" "$want"
	expect "rename" "${want#*oldcomm=}" "workload newcomm=kt-argren oom_score_adj=0"
}

t_exec() {
	# exec's comm is the name run: a link named for this test alone keeps
	# other tests' workloads out
	local prog=$work/kt-ax$$
	ln -s "$WORKLOAD" "$prog"
	instance sched:sched_process_exec
	out=$("$KTAP" -q -e 'trace sched:sched_process_exec /execname == "kt-ax'$$'"/ { print(pid, argstr) }' \
		-- "$prog" -q --comm kt-argexec getppid 1) || fail "ktap"
	p=$(cut -f1 <<<"$out")
	want=$(ftrace_text $p)
	expect "argstr" "$(cut -f2 <<<"$out")" "$want"
	expect "exec" "$want" "filename=$prog pid=$p old_pid=$p"
}

run_cases
