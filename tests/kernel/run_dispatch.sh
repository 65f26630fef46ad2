# Syscall globs through one dispatch on raw_syscalls (ir/lower_dispatch.c):
# the same events, counts and values as the per-syscall tracepoints, on the
# workload's own system calls.
. "$(dirname "$0")/lib.bash"
N=20000

# A handler on every syscall entry attaches one raw tracepoint, not one
# tracepoint per syscall.
t_one_link() {
	"$KTAP" -v -q -t 0.01 -e 'trace syscalls:sys_enter_* { }' >/dev/null 2>"$work/v.err" || fail "ktap -v: $(tail -1 "$work/v.err")"
	expect "raw tracepoint" "$(grep -c 'to raw tracepoint sys_enter$' "$work/v.err")" 1
	expect "tracepoint of read" "$(grep -c 'to syscalls:sys_enter_read$' "$work/v.err")" 0
	no_leaks
}

# Exact counts of the same event from two threads, in a global and a table.
t_two_threads() {
	out=$("$KTAP" -q -e 'var n = 0
	var s = {}
	trace syscalls:sys_enter_* /execname == "kt-disp2"/ { if (probename == "sys_enter_getppid") { n += 1 s[execname] += 1 } }
	trace_end { print(n, s["kt-disp2"]) }' -- "$WORKLOAD" -q --comm kt-disp2 --threads 2 getppid $N) || fail "2 threads"
	expect "global and table, 2 threads" "$out" "$((2 * N))	$((2 * N))"
	no_leaks
}

# counts GLOB COMM WANT ACTIONS...: the workload's getppid, nanosleep and
# read calls counted by probename through a handler on GLOB.
counts() {
	local glob=$1 comm=$2 want=$3
	shift 3
	out=$("$KTAP" -q -e "var s = {}
	trace $glob /execname == \"$comm\"/ { s[probename] += 1 }
	trace_end { print(s[\"sys_enter_getppid\"], s[\"sys_enter_nanosleep\"], s[\"sys_enter_read\"]) }" \
		-- "$WORKLOAD" -q --comm "$comm" "$@") || fail "$glob"
	expect "$glob" "$out" "$want"
	no_leaks
}

# Counts by probename: each syscall under its own event's name.
t_by_probename() {
	counts 'syscalls:sys_enter_*' kt-disp3 "7	3	5" getppid 7 nanosleep 3 read 5
}

# syscalls:* in one handler: both directions, each its own dispatch;
# arg0 is the syscall's number (getppid is 110) in both.
t_both_directions() {
	out=$("$KTAP" -q -e 'var s = {}
	trace syscalls:* /execname == "kt-disp8" && arg0 == 110/ { s[probename] += 1 }
	trace_end { print(s["sys_enter_getppid"], s["sys_exit_getppid"]) }' \
		-- "$WORKLOAD" -q --comm kt-disp8 --threads 2 getppid 9) || fail "syscalls:*"
	expect "enter and exit" "$out" "18	18"
	no_leaks
}

# arg1 of sys_exit_getppid (and args.ret) is the return value: the pid of
# the workload's parent, this shell.
t_exit_ret() {
	workload_bg -q --comm kt-disp4 getppid 3
	ktap_bg "$work/ret.out" -e 'var s = {}
	trace syscalls:sys_exit_* /execname == "kt-disp4" && probename == "sys_exit_getppid"/ { s[arg1 .. " " .. args.ret .. " " .. arg0] += 1 }
	trace_end { for (k, v in pairs(s)) { print(k, v) } }'
	workload_go
	wait $WL_PID || fail "workload"
	kill -INT $KTAP_PID
	ktap_wait
	expect "getppid's return" "$(cat "$work/ret.out")" "$BASHPID $BASHPID 110	3"
}

# args.NAME of an entry, from that syscall's own format: openat's int dfd
# is AT_FDCWD, -100, sign-extended (the workload's 4 failing opens and its
# own 2 of /dev/zero and /dev/null).
t_args_name() {
	out=$("$KTAP" -q -e 'var s = {}
	trace syscalls:sys_enter_openat, syscalls:sys_enter_mkdirat, syscalls:sys_enter_unlinkat,
	      syscalls:sys_enter_fchownat, syscalls:sys_enter_faccessat
	      /execname == "kt-disp5" && probename == "sys_enter_openat"/ { s[args.dfd] += 1 }
	trace_end { for (k, v in pairs(s)) { print(k, v) } }' \
		-- "$WORKLOAD" -q --comm kt-disp5 openat-fail 4) || fail "args.dfd"
	expect "openat dfd" "$out" "-100	6"
	no_leaks
}

# Arguments cut to their C types as the per-syscall events show them:
# getpriority's int who -1 with garbage above, lseek's off_t -1, close's
# unsigned int 0x80000000 (two handlers of five events each: every event
# of a handler must have the argument).
t_arg_types() {
	out=$("$KTAP" -q -e 'var s = {}
	trace syscalls:sys_enter_getpriority, syscalls:sys_enter_lseek, syscalls:sys_enter_setpriority,
	      syscalls:sys_enter_kill, syscalls:sys_enter_dup2 /execname == "kt-disp6"/ { s[probename] = arg2 }
	trace syscalls:sys_enter_close, syscalls:sys_enter_dup, syscalls:sys_enter_fsync,
	      syscalls:sys_enter_fdatasync, syscalls:sys_enter_syncfs /execname == "kt-disp6"/ { s[probename] = arg1 }
	trace_end { print(s["sys_enter_getpriority"], s["sys_enter_lseek"], s["sys_enter_close"]) }' \
		-- "$WORKLOAD" -q --comm kt-disp6 bad-args 1) || fail "arg types"
	expect "arguments" "$out" "-1	-1	2147483648"
	no_leaks
}

# A syscall outside the glob never reaches the handler.
t_outside_glob() {
	counts 'syscalls:sys_enter_get*' kt-disp7 "6	nil	nil" getppid 6 nanosleep 2 read 4
}

# The seed program `trace syscalls:* { print(argstr) }` (here on the
# workload only): two raw tracepoints, and each getppid as ftrace prints it
# (the exit's value, the parent's pid, is ktap's: its pattern only).
t_seed_argstr() {
	out=$("$KTAP" -v -q -e 'trace syscalls:* /execname == "kt-disp9"/ { print(argstr) }' \
		-- "$WORKLOAD" -q --comm kt-disp9 getppid 3 2>"$work/v.err") || fail "ktap: $(tail -1 "$work/v.err")"
	expect "raw tracepoints" "$(grep -c 'to raw tracepoint sys_e[a-z]*$' "$work/v.err")" 2
	expect "enter" "$(grep -c '^sys_getppid()$' <<<"$out")" 3
	expect "exit" "$(grep -cx 'sys_getppid -> 0x[1-9a-f][0-9a-f]*' <<<"$out")" 3
	no_leaks
}

# A handler printing ktap's own system calls: each line written makes
# more events than it prints, for ever; -t still ends the run, which
# formats a bounded batch of records per turn of its loop (timeout: the
# guard of a hang).
t_own_output() {
	timeout 60 "$KTAP" -q -t 0.3 -e 'trace syscalls:* /execname == "ktap"/ { print(argstr) }' \
		>/dev/null 2>"$work/err"
	expect "status" $? 0
	no_leaks
}

run_cases
