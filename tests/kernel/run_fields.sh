# Tracepoint fields read with the width and signedness of their C type:
# syscall formats put every argument in an 8-byte slot marked signed:0.
. "$(dirname "$0")/lib.bash"
FIELDTYPES=$top/$BUILD/tests/tools/fieldtypes

# Every integer type of every syscall argument on this kernel is in ktap's
# table (a new kernel's new type shows up here).
t_every_syscall_type_known() {
	"$FIELDTYPES" 'syscalls:*' >"$work/types" || fail "fieldtypes failed"
	[ "$(grep -c '^known ' "$work/types")" -ge 50 ] || fail "too few types: $(wc -l <"$work/types")"
	expect "unknown syscall field types" "$(sed -n 's/^unknown //p' "$work/types" | tr '\n' ';')" ""
}

# openat(AT_FDCWD, ...): dfd is an int, -100.
t_openat_dfd() {
	run_workload kt-dfd 'trace syscalls:sys_enter_openat /execname == "kt-dfd"/ { print(args.dfd, arg1) }' \
		openat-fail 1
	expect "dfd" "$(cat "$work/out")" "-100	-100"
}

# An int whose register has garbage in its upper half (getpriority's who);
# a pid_t of -1; an unsigned int with its high bit set, passed
# sign-extended (close's fd); a 64-bit off_t of -1 (lseek) beside an
# unsigned int (whence).
t_signedness() {
	run_workload kt-sign 'var who = 0 var pgid = 0 var fd = 0 var off = 0 var whence = 0
trace syscalls:sys_enter_getpriority /execname == "kt-sign"/ { who = args.who }
trace syscalls:sys_enter_getpgid /execname == "kt-sign"/ { pgid = args.pid }
trace syscalls:sys_enter_close /execname == "kt-sign"/ { fd = args.fd }
trace syscalls:sys_enter_lseek /execname == "kt-sign"/ { off = args.offset whence = args.whence }
trace_end { print(who, pgid, fd, off, whence) }' bad-args 1
	expect "values" "$(cat "$work/out")" "-1	-1	2147483648	-1	1"
}

run_cases
