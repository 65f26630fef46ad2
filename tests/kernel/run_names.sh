# Text for people (docs/language.md §14): syscall_name(), errno_name(), time()
# and strftime() made in the kernel as numbers and printed as text, and the
# same functions in user context as strings.
. "$(dirname "$0")/lib.bash"

# syscall_name of the event's own number, printed from a single event.
t_syscall_name_event() {
workload_bg -q --comm kt-names1 getppid 2
ktap_bg "$work/out" -e 'trace syscalls:sys_enter_getppid /execname == "kt-names1"/ {
	print(syscall_name(args.__syscall_nr)) printf("[%s]\n", syscall_name(99999)) }'
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "syscall_name" "$(cat "$work/out")" "getppid
[99999]
getppid
[99999]"
}

# Through the sys_enter_* dispatch: a table keyed by syscall_name prints
# the names, in print_hist and in a for-in loop.
t_syscall_name_keys() {
workload_bg -q --comm kt-names2 getppid 4 openat-fail 3
ktap_bg "$work/out" -e 'var s = {}
trace syscalls:sys_enter_* /execname == "kt-names2"/ {
	if (args.__syscall_nr == 110 || args.__syscall_nr == 257) { s[syscall_name(args.__syscall_nr)] += 1 } }
trace_end { print_hist(s) for (k, v in sort_pairs(s)) { printf("%s=%d\n", k, v) } }'
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "keys" "$(grep -v Distribution "$work/out" | tr -s ' ')" " getppid |@@@@@@@@@@@@@@@@@@@@@ 4 
 openat |@@@@@@@@@@@@@@@@ 3 
getppid=4
openat=3"
}

# An aggregation keyed by syscall_name prints the name in its header line.
t_agg_key() {
workload_bg -q --comm kt-names6 getppid 3
ktap_bg "$work/out" -e 'var t = {}
trace syscalls:sys_enter_getppid /execname == "kt-names6"/ { t[syscall_name(args.__syscall_nr)] <<< 5 }
trace_end { print_stats(t) }'
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "stats" "$(cat "$work/out")" "t[getppid]: count 3, average 5, total 15, min 5, max 5"
}

# The workload's failing openat returns -ENOENT.
t_errno_name() {
workload_bg -q --comm kt-names3 openat-fail 2
ktap_bg "$work/out" -e 'var e = {}
trace syscalls:sys_exit_openat /execname == "kt-names3"/ { print(errno_name(-args.ret)) e[pid] = errno_name(-args.ret) }
trace_end { for (k, v in pairs(e)) { print(v) } }'
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "errno_name" "$(cat "$work/out")" "ENOENT
ENOENT
ENOENT"
}

# time() and strftime() from a handler are the wall clock between two
# readings of date taken before and after the run, in the local time zone.
t_time_in_handler() {
workload_bg -q --comm kt-names4 getppid 1
ktap_bg "$work/out" -e 'trace syscalls:sys_enter_getppid /execname == "kt-names4"/ {
	printf("%s %s\n", time("%s"), strftime("%s", gettimeofday_ns())) print(time()) }'
before=$(date +%s)
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
after=$(date +%s)
expect "status" $KTAP_RC 0
read -r t1 t2 < "$work/out"
[ "$t1" -ge "$before" ] && [ "$t1" -le "$after" ] || fail "time(\"%s\") $t1 not in [$before, $after]"
[ "$t2" -ge "$before" ] && [ "$t2" -le "$after" ] || fail "strftime $t2 not in [$before, $after]"
hms=$(sed -n 2p "$work/out")
expect "time()" "$hms" "$(date -d "@$t1" +%H:%M:%S)"
}

# The local time zone is TZ's.
t_time_zone() {
out=$(TZ=UTC0 "$KTAP" -q -t 0.01 -e 'print(strftime("%Y-%m-%d %H:%M", 3600000000000))
trace_end { print(strftime("%H", 0)) }')
expect "UTC" "$out" "1970-01-01 01:00
00"
out=$(TZ=XYZ-5 "$KTAP" -q -t 0.01 -e 'print(strftime("%H", 0))')
expect "UTC+5" "$out" "05"
}

# In user context the functions give strings: they concatenate and compare.
t_user_context() {
out=$("$KTAP" -q -t 0.01 -e 'trace_end {
	var s = syscall_name(257) .. "/" .. errno_name(2) .. "/" .. errno_name(0) .. "/" .. syscall_name(-1)
	print(s, syscall_name(110) == "getppid", len(time("%Y")) == 4) }')
expect "user" "$out" "openat/ENOENT/0/-1	true	true"
}

# A user function may run in the kernel: there the value is the number,
# printed as text in either context.
t_function() {
workload_bg -q --comm kt-names5 getppid 1
ktap_bg "$work/out" -e 'function show(n) { printf("%s %s %d\n", syscall_name(n), errno_name(n), syscall_name(n)) }
trace syscalls:sys_enter_getppid /execname == "kt-names5"/ { show(args.__syscall_nr) }
trace_end { show(1) }'
workload_go
wait $WL_PID
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 0
expect "function" "$(cat "$work/out")" "getppid ETIMEDOUT 110
write EPERM 1"
}

run_cases
