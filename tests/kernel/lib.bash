# Shared by the kernel tests: paths, and mounting what the tests need.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
# The binaries of $BUILD: the plain build's at the top, any other's in it.
bindir=$top/$BUILD
[ "$BUILD" = build ] && bindir=$top
KTAPC=${KTAPC:-$bindir/ktapc}
OBJCHECK=$top/$BUILD/tests/tools/objcheck
LIT=${LIT:-python3 /usr/lib/llvm-14/build/utils/lit/lit.py}
work=$(mktemp -d /tmp/ktap-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

# fail MSG: end the current case (or, outside a case, the file) as failed.
fail() { echo "$*"; exit 1; }

# Run a command; fail unless it succeeds with nothing on stderr.
quiet() {
	local err
	err=$("$@" 2>&1 >/dev/null) || fail "$* exited $?: $err"
	[ -z "$err" ] || fail "$* warned: $err"
}

# --- running ktap (the run tests) ---
KTAP=${KTAP:-$bindir/ktap}
# The plain build's workload: under LeakSanitizer a process makes system
# calls of its own (getppid) that would spoil exact counts.
WORKLOAD=${WORKLOAD:-$top/build/tests/tools/workload}
[ -x "$WORKLOAD" ] || WORKLOAD=$top/$BUILD/tests/tools/workload
# The USDT tool (tests/tools/usdt.c); scripts name it as @USDT@.
USDT=$top/$BUILD/tests/tools/usdt

# Program names ktap gives handlers: trace<N>_<event> and profile<N>.
our_progs() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name \(trace[0-9]*_[a-z_0-9]*\|profile[0-9]*\) .*/\1/p'; }
progs_before=$(our_progs | tr '\n' ' ')

# True if a live process holds program ID (an fd of the program or of a
# link to it): then it is another process's, since ours have ended.
held() { grep -qs "^prog_id:[[:space:]]*$1\$" /proc/[0-9]*/fdinfo/* 2>/dev/null; }

# A program nobody holds may still be on its way out: the kernel puts a raw
# tracepoint link's program after an RCU grace period. Poll for that, with
# a bound, before calling it a leak.
gone() {
	local i
	for i in $(seq 50); do
		bpftool prog show id "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# Fail if a program named like ours that was not there when the test began
# is still loaded and no live process holds it (other ktap runs on the
# machine are not ours to judge).
no_leaks() {
	local id
	for id in $(our_progs); do
		[[ " $progs_before " == *" $id "* ]] && continue
		held "$id" && continue
		gone "$id" ||
			fail "program $id is still loaded: $(bpftool prog show id "$id" | head -1)"
	done
	return 0
}

# ktap_bg OUT ARGS...: start ktap in the background, stdout to OUT, stderr
# to OUT.err; return once it printed its banner (KTAP_PID is its pid), or
# fail if it ended first.
ktap_bg() {
	local out=$1 fifo=$work/err.$RANDOM line fd; shift
	mkfifo "$fifo"
	"$KTAP" "$@" >"$out" 2>"$fifo" &
	KTAP_PID=$!
	exec {fd}<"$fifo"
	: >"$out.err"
	while IFS= read -r line <&$fd; do
		printf '%s\n' "$line" >>"$out.err"
		[[ $line == Tracing* ]] && break
	done
	[[ $line == Tracing* ]] || { wait $KTAP_PID; fail "ktap $* ended before tracing: $(cat "$out.err")"; }
	cat <&$fd >>"$out.err" &
	KTAP_CAT=$!
	exec {fd}<&-
}

# ktap_wait: wait for the ktap of ktap_bg; its exit status in KTAP_RC.
ktap_wait() {
	KTAP_RC=0
	{ wait $KTAP_PID; } 2>/dev/null || KTAP_RC=$?	# no "Killed" notice
	wait $KTAP_CAT
	no_leaks
}

# bpftrace_bg OUT ARGS...: start bpftrace ARGS (for a script whose BEGIN
# prints a line starting "Tracing", as bpftrace's tools do) in the
# background, stdout to OUT (without that line), stderr to OUT.err; return
# once that line came: bpftrace runs BEGIN after attaching every probe.
# BT_PID is its pid; end it with bpftrace_end.
bpftrace_bg() {
	local out=$1 fifo=$work/bt.$RANDOM line fd; shift
	mkfifo "$fifo"
	bpftrace "$@" >"$fifo" 2>"$out.err" &
	BT_PID=$! BT_OUT=$out
	exec {fd}<"$fifo"
	while IFS= read -r line <&$fd; do
		[[ $line == Tracing* ]] && break
	done
	[[ $line == Tracing* ]] || { wait $BT_PID; fail "bpftrace $* ended before tracing: $(cat "$out.err")"; }
	cat <&$fd >"$out" &
	BT_CAT=$!
	exec {fd}<&-
}

# bpftrace_end: stop the bpftrace of bpftrace_bg (it prints its maps at
# the end) and wait until its output is complete.
bpftrace_end() {
	kill -INT $BT_PID
	wait $BT_PID || fail "bpftrace exited $?: $(tail -3 "$BT_OUT.err")"
	wait $BT_CAT
}

# workload_bg ARGS...: start the workload held back until workload_go
# (its pid: WL_PID). tool_bg TOOL ARGS...: the same for another tool that
# takes --wait-fd (the usdt tool).
tool_bg() {
	local fifo=$work/go.$RANDOM tool=$1; shift
	mkfifo "$fifo"
	"$tool" --wait-fd 3 "$@" 3<"$fifo" >"$work/workload.out" &
	WL_PID=$!
	exec {WL_GO}>"$fifo"
}
workload_bg() { tool_bg "$WORKLOAD" "$@"; }
workload_go() { echo x >&$WL_GO; exec {WL_GO}>&-; }

# only_pid SCRIPT TOOL ARGS...: -p's case. Two copies of TOOL ARGS held
# back, one with 300 as its last argument, the other with 500; SCRIPT runs
# with -p of the first while both run; its output is left in $work/pid.out.
only_pid() {
	local script=$1 a a_go; shift
	tool_bg "$@" 300
	a=$WL_PID a_go=$WL_GO
	tool_bg "$@" 500
	ktap_bg "$work/pid.out" -p $a -e "$script"
	echo x >&$a_go
	exec {a_go}>&-
	workload_go
	wait $a $WL_PID
	kill -INT $KTAP_PID
	ktap_wait
}

# run_workload COMM SCRIPT ACTIONS...: ktap runs SCRIPT (output in
# $work/out) while the workload, named COMM, does ACTIONS; then ktap is
# stopped with SIGINT and must end with status 0.
run_workload() {
	local comm=$1 script=$2; shift 2
	workload_bg -q --comm "$comm" "$@"
	ktap_bg "$work/out" -e "$script"
	workload_go
	wait $WL_PID || fail "workload failed"
	kill -INT $KTAP_PID
	ktap_wait
	expect "ktap status" $KTAP_RC 0
}

# expect WHAT GOT WANT
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# run_case NAME CMD ARGS...: run CMD ARGS as the case NAME, in its own
# subshell (a failure ends only this case), and report it on one line:
# "PASS: FILE: NAME" or "FAIL: FILE: NAME: why" (why: the case's last line
# of output; VERBOSE=1 shows all of it). tests/run-suites counts these
# lines. Exit status 1 if the case failed.
run_case() {
	local name=$1 out; shift
	if out=$( ("$@") 2>&1); then
		echo "PASS: $(basename "$0"): $name"
		return 0
	fi
	echo "FAIL: $(basename "$0"): $name: $(tail -1 <<<"$out")"
	[ -z "${VERBOSE:-}" ] || sed 's/^/    /' <<<"$out"
	return 1
}

# run_cases: run every function named t_NAME of the calling file, in the
# order they are written, as the case NAME. Exit status 1 if any failed.
run_cases() {
	local name failed=0
	for name in $(sed -n 's/^\(t_[A-Za-z0-9_]*\) *() *{.*/\1/p' "$0"); do
		run_case "${name#t_}" "$name" || failed=1
	done
	return $failed
}
