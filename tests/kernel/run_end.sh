# Every way a run ends: exit() from user and kernel context, tick, -t, the
# end of CMD, SIGINT and SIGTERM, ...; trace_end runs after each, and no
# program stays loaded.
. "$(dirname "$0")/lib.bash"

# tick + exit() in user context; trace_end logic after it.
t_tick_exit() {
out=$("$KTAP" -q -e 'var n = 0
tick-10ms { n += 1 if (n == 3) { exit() } }
trace_end { if (n == 3) { print("ticks", n) } else { print("wrong", n) } }') || fail "tick"
expect "tick + exit" "$out" "ticks	3"
}

# exit() in the kernel ends the run; the workload (started first, held
# back) is not ktap's child. Records sent before the exit are delivered.
t_kernel_exit() {
workload_bg -q --comm kt-exit getppid 10
ktap_bg "$work/exit.out" -e 'var n = 0
trace syscalls:sys_enter_getppid /execname == "kt-exit"/ { n += 1 if (n == 4) { printf("exit at %d\n", n) exit() } }
trace_end { print("end") }'
workload_go
ktap_wait
wait $WL_PID
expect "kernel exit status" $KTAP_RC 0
expect "kernel exit" "$(cat "$work/exit.out")" "exit at 4
end"
}

# -t ends a run with nothing to see.
t_timeout() {
out=$("$KTAP" -q -t 0.2 -e 'trace syscalls:sys_enter_getppid /execname == "kt-nothing"/ { print("no") }
trace_end { print("timeout") }') || fail "-t"
expect "-t" "$out" timeout
no_leaks
}

# The end of CMD ends the run; ktap exits with CMD's status (run_teardown.sh
# has the other statuses and a CMD that cannot run).
t_cmd_ends_run() {
rc=0
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid {} trace_end { print("end") }' -- false) || rc=$?
expect "CMD failing: status" $rc 1
expect "CMD failing: trace_end" "$out" end
no_leaks
}

# SIGINT and SIGTERM from outside: trace_end sees every event before them.
t_signals() {
for sig in INT TERM; do
	workload_bg -q --comm kt-sig$sig getppid 1000
	ktap_bg "$work/sig.out" -e "var n = 0
trace syscalls:sys_enter_getppid /execname == \"kt-sig$sig\"/ { n += 1 }
trace_end { print(\"$sig\", n) }"
	workload_go
	wait $WL_PID
	kill -$sig $KTAP_PID
	ktap_wait
	expect "SIG$sig status" $KTAP_RC 0
	expect "SIG$sig" "$(cat "$work/sig.out")" "$sig	1000"
done
}

# -p: only the events of one process; another with the same name is not counted.
t_pid_filter() {
only_pid 'var n = 0
trace syscalls:sys_enter_getppid /execname == "kt-pid"/ { n += 1 }
trace_end { print(n) }' "$WORKLOAD" -q --comm kt-pid getppid
expect "-p" "$(cat "$work/pid.out")" 300
}

# A run-time error in user context ends the run with status 1; trace_end still runs.
t_runtime_error() {
out=$("$KTAP" -q -e 'function f(x) { return f(x + 1) }
trace syscalls:sys_enter_getppid /execname == "kt-err"/ {}
tick-10ms { f(1) }
trace_end { print("end") }' 2>"$work/err") && fail "run-time error: status 0"
expect "run-time error: trace_end" "$out" end
grep -q "^<command line>:1: error: " "$work/err" || fail "run-time error: $(cat "$work/err")"
no_leaks
}

# A runaway loop in user context stops at Ctrl-C, and trace_end runs.
t_runaway_loop() {
ktap_bg "$work/loop.out" -e 'tick-10ms { var i = 0 while (true) { i += 1 } }
trace_end { print("end") }'
kill -INT $KTAP_PID
ktap_wait
expect "runaway loop" "$(cat "$work/loop.out")" end
}

# CMD killed by a signal ends the run like any end of CMD; ktap's status
# is 128 + the signal, as a shell's.
t_cmd_killed() {
rc=0
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid {} trace_end { print("end") }' -- sh -c 'kill -9 $$') || rc=$?
expect "CMD killed: status" $rc 137
expect "CMD killed" "$out" end
no_leaks
}

# ktap itself killed: its links and programs go with its file descriptors
# (nothing is pinned).
t_ktap_killed() {
ktap_bg "$work/kill.out" -e 'trace syscalls:sys_enter_getppid {} profile-1ms {}'
kill -KILL $KTAP_PID
ktap_wait
expect "SIGKILL status" $KTAP_RC 137
}

# A CMD still running when exit() ends the run is ended too; ktap ended
# it, so the status is ktap's own.
t_exit_ends_cmd() {
out=$("$KTAP" -q -e 'tick-10ms { exit() }' -- sleep 100) || fail "exit with CMD running: status $?"
no_leaks
}

run_cases
