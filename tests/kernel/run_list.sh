# ktap -l and -lv: the events a script can trace, and their fields, from
# this kernel's tracefs and from the tests' fake tree.
. "$(dirname "$0")/lib.bash"

fake=$top/tests/lit/Inputs/tracefs

# listed WANT ARGS...: ktap ARGS succeeds, prints exactly WANT, says nothing on stderr.
listed() {
	local want=$1 rc=0; shift
	"$KTAP" "$@" >"$work/out" 2>"$work/err" || rc=$?
	expect "ktap $* status" $rc 0
	expect "ktap $* stderr" "$(cat "$work/err")" ""
	expect "ktap $*" "$(cat "$work/out")" "$want"
}

# refused WANT CMD ARGS...: CMD ARGS fails with status 1, prints nothing and
# says exactly WANT on stderr.
refused() {
	local want=$1 rc=0; shift
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	expect "$* status" $rc 1
	expect "$* stdout" "$(cat "$work/out")" ""
	expect "$*" "$(cat "$work/err")" "$want"
}

t_lv_syscall() {
	listed "syscalls:sys_enter_openat
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.dfd           number (s32)  int
    arg2  args.filename      number (u64)  const char *
    arg3  args.flags         number (s32)  int
    arg4  args.mode          number (u16)  umode_t" -lv syscalls:sys_enter_openat
}

t_lv_tracepoint() {
	listed "sched:sched_process_exec
    arg0  args.filename  string        __data_loc char[]
    arg1  args.pid       number (s32)  pid_t
    arg2  args.old_pid   number (s32)  pid_t" -lv sched:sched_process_exec
}

t_l_glob() {
	listed "syscalls:sys_enter_openat
syscalls:sys_enter_openat2" -l 'syscalls:sys_enter_openat*'
}

# tp_btf: and raw_tp: events list from the kernel's BTF, with their
# arguments typed (a pointer to a struct is followed by a script).
t_lv_tp_btf() {
	listed "tp_btf:sched_switch
    arg0  args.preempt     number (u8)    bool
    arg1  args.prev        typed pointer  struct task_struct *
    arg2  args.next        typed pointer  struct task_struct *
    arg3  args.prev_state  number (u32)   unsigned int" -lv tp_btf:sched_switch
	listed "raw_tp:sched_process_exec
raw_tp:sched_process_exit" -l 'raw_tp:sched_process_ex*'
}

# Every event, sorted by system and then name; ftrace's own records are
# not tracepoints and are left out, as `trace` leaves them out.
t_l_all() {
	"$KTAP" -l >"$work/all" || fail "ktap -l exited $?"
	grep -qx 'sched:sched_switch' "$work/all" || fail "no sched:sched_switch"
	grep -qx 'syscalls:sys_exit_read' "$work/all" || fail "no syscalls:sys_exit_read"
	LC_ALL=C sort -t: -k1,1 -k2,2 -c "$work/all" || fail "not sorted"
	expect "ftrace events" "$(grep -c '^ftrace:' "$work/all")" 0
}

# The fake tree: the whole listing, exactly.
t_fake_l() {
	KTAP_TRACEFS=$fake listed "raw_syscalls:sys_enter
sched:sched_process_exec
sched:sched_switch
sched:sched_wakeup
sock:inet_sock_set_state
syscalls:sys_enter_openat
syscalls:sys_enter_read
syscalls:sys_enter_write
syscalls:sys_exit_read
syscalls:sys_exit_write" -l
}

t_fake_lv() {
	KTAP_TRACEFS=$fake listed "raw_syscalls:sys_enter
    arg0  args.id    number (s64)    long
    arg1  args.args  array (u64[6])  unsigned long[6]

sched:sched_process_exec
    arg0  args.filename  string        __data_loc char[]
    arg1  args.pid       number (s32)  pid_t
    arg2  args.old_pid   number (s32)  pid_t

sched:sched_switch
    arg0  args.prev_comm   string        char[16]
    arg1  args.prev_pid    number (s32)  pid_t
    arg2  args.prev_prio   number (s32)  int
    arg3  args.prev_state  number (s64)  long
    arg4  args.next_comm   string        char[16]
    arg5  args.next_pid    number (s32)  pid_t
    arg6  args.next_prio   number (s32)  int

sched:sched_wakeup
    arg0  args.comm        string        char[16]
    arg1  args.pid         number (s32)  pid_t
    arg2  args.prio        number (s32)  int
    arg3  args.target_cpu  number (s32)  int

sock:inet_sock_set_state
    arg0  args.skaddr    number (u64)    const void *
    arg1  args.oldstate  number (s32)    int
    arg2  args.newstate  number (s32)    int
    arg3  args.sport     number (u16)    __u16
    arg4  args.dport     number (u16)    __u16
    arg5  args.family    number (u16)    __u16
    arg6  args.protocol  number (u16)    __u16
    arg7  args.saddr     array (u8[4])   __u8[4]
    arg8  args.daddr     array (u8[4])   __u8[4]
    arg9  args.saddr_v6  array (u8[16])  __u8[16]
    -     args.daddr_v6  array (u8[16])  __u8[16]

syscalls:sys_enter_openat
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.dfd           number (s32)  int
    arg2  args.filename      number (u64)  const char *
    arg3  args.flags         number (s32)  int
    arg4  args.mode          number (u16)  umode_t

syscalls:sys_enter_read
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.fd            number (u32)  unsigned int
    arg2  args.buf           number (u64)  char *
    arg3  args.count         number (u64)  size_t

syscalls:sys_enter_write
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.fd            number (u32)  unsigned int
    arg2  args.buf           number (u64)  const char *
    arg3  args.count         number (u64)  size_t

syscalls:sys_exit_read
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.ret           number (s64)  long

syscalls:sys_exit_write
    arg0  args.__syscall_nr  number (s32)  int
    arg1  args.ret           number (s64)  long" -lv
}

# What -lv says of each field of the fake tree is what the compiler does:
# args.NAME and argN have the listed type, an unsupported field is an error.
t_agrees_with_compiler() {
	local ev="" pos name type init script rc
	KTAP_TRACEFS=$fake "$KTAP" -lv >"$work/lv" || fail "ktap -lv exited $?"
	while read -r pos name type _; do
		case $pos in
		"") continue ;;
		*:*) ev=$pos; continue ;;
		esac
		case $type in number) init=0 ;; string) init='""' ;; array) init=$name ;; *) init="" ;; esac
		[ "$pos" != - ] || pos=$name	# past arg9: no position
		script="trace $ev { var v = $init; v = $name; v = $pos }"
		[ -n "$init" ] || script="trace $ev { print($name) }"
		rc=0
		KTAP_TRACEFS=$fake "$KTAPC" -fsyntax-only -e "$script" 2>"$work/err" || rc=$?
		if [ -n "$init" ]; then
			expect "$script" "$rc $(cat "$work/err")" "0 "
		else
			grep -q "which is not supported" "$work/err" || fail "$script: $(cat "$work/err")"
		fi
	done <"$work/lv"
	[ -n "$ev" ] || fail "no event read"
}

t_fake_missing() {
	KTAP_TRACEFS=$work/none refused "ktap: error: KTAP_TRACEFS=$work/none has no events directory" "$KTAP" -l
}

# tracefs is mode 0700: nobody may not read it.
t_nobody() {
	refused "ktap: error: tracefs at /sys/kernel/tracing is not readable by this user (permission denied): run as root, or check with a snapshot of the events (ktapc --save-events FILE as root, then --events FILE)" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$KTAP" -l 'sched:*'
}

t_no_match() {
	refused "ktap: error: no event matches 'nosuch:*'" "$KTAP" -l 'nosuch:*'
}

t_typo() {
	refused "ktap: error: unknown event 'sched:sched_swich'; did you mean 'sched:sched_switch'?" \
		"$KTAP" -lv sched:sched_swich
}

t_not_a_spec() {
	refused "ktap: error: event 'sched_switch' is not of the form 'system:name'" "$KTAP" -l sched_switch
}

t_two_globs() {
	refused "ktap: error: -l takes at most one GLOB (see ktap --help)" "$KTAP" -l 'sched:*' 'irq:*'
}

# probe: specs list the functions they name: a kernel glob against kallsyms
# (the fake one, sorted, each once), a binary's by its symbol tables.
t_probes() {
	KTAP_KALLSYMS=$top/tests/lit/Inputs/kallsyms listed "probe:vfs_read%return
probe:vfs_readv%return" -l 'probe:vfs_read*%return'
	listed "probe:$WORKLOAD:ktap_workload_probe
probe:$WORKLOAD:ktap_workload_ret" -l "probe:$WORKLOAD:ktap_workload_[pr]*"
	KTAP_KALLSYMS=$top/tests/lit/Inputs/kallsyms refused "ktap: error: no kernel function matches 'nfs_*'" \
		"$KTAP" -l 'probe:nfs_*'
}

run_cases
