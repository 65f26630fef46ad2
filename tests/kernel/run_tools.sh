# The example tools against bpftrace: each example and a bpftrace script
# that does the same from the same tracepoints (written here, in the manner
# of bpftrace's tools/*.bt) run together on one workload run, attached
# before it starts; their rows for the workload's events must be the same
# (timestamps dropped, columns compared as words), and what the workload
# knows of itself: its pid, its parent (this case's shell), its arguments.
. "$(dirname "$0")/lib.bash"

# rows COL FILE PID...: the rows of FILE whose word COL is one of PIDs, as
# single-spaced words, without their first DROP words (0 by default: the
# ktap examples' TIME is dropped), sorted: bpftrace reads each CPU's
# buffer apart, so rows of different processes may come in either order.
rows() {
	local col=$1 file=$2; shift 2
	awk -v col="$col" -v drop="${DROP:-0}" -v pids=" $* " '{
		for (i = 1; i <= drop; i++) $i = ""
		$0 = $0
		if (index(pids, " " $col " ")) { $1 = $1; print }
	}' "$file" | sort
}

# finish: release the workload of workload_bg (or tool_bg), wait for it,
# then end the ktap of ktap_bg and the bpftrace of bpftrace_bg.
finish() {
	workload_go
	wait $WL_PID || fail "workload exited $?"
	kill -INT $KTAP_PID
	ktap_wait
	bpftrace_end
	expect "ktap status" $KTAP_RC 0
}

naptime_bt='BEGIN { printf("Tracing sleeps\n"); }
tracepoint:syscalls:sys_enter_nanosleep
/args->rqtp->tv_sec + args->rqtp->tv_nsec/
{
	$t = (struct task_struct *)curtask;
	printf("%d %s %d %s %d.%03d\n", $t->real_parent->tgid, $t->real_parent->comm,
	    pid, comm, args->rqtp->tv_sec, (uint64)args->rqtp->tv_nsec / 1000000);
}
tracepoint:syscalls:sys_enter_clock_nanosleep
/args->flags == 0 && args->rqtp->tv_sec + args->rqtp->tv_nsec/
{
	$t = (struct task_struct *)curtask;
	printf("%d %s %d %s %d.%03d\n", $t->real_parent->tgid, $t->real_parent->comm,
	    pid, comm, args->rqtp->tv_sec, (uint64)args->rqtp->tv_nsec / 1000000);
}'

# sleep's clock_nanosleep() of 12 ms, then the workload's nanosleep()s of
# {0, 1000} (3 rows of 0.000 s), each with its parent: this shell.
t_naptime() {
	local sh=$BASHPID comm sp want
	comm=$(cat /proc/$sh/comm)	# this shell, its processes' parent
	ktap_bg "$work/k.out" "$top/examples/naptime.kp"
	bpftrace_bg "$work/b.out" -e "$naptime_bt"
	workload_bg -q --comm kt-nap nanosleep 3
	sleep 0.012 &
	sp=$!
	wait $sp
	finish
	# the ktap example's rows have TIME first
	want=$(sort <<<"$sh $comm $sp sleep 0.012
$sh $comm $WL_PID kt-nap 0.000
$sh $comm $WL_PID kt-nap 0.000
$sh $comm $WL_PID kt-nap 0.000")
	expect "ktap rows" "$(DROP=1 rows 3 "$work/k.out" $WL_PID $sp)" "$want"
	expect "bpftrace rows" "$(rows 3 "$work/b.out" $WL_PID $sp)" "$want"
}

execsnoop_bt='BEGIN { printf("Tracing execs\n"); }
tracepoint:syscalls:sys_enter_execve, tracepoint:syscalls:sys_enter_execveat
{
	printf("%d %d %s ", pid, ((struct task_struct *)curtask)->real_parent->tgid, comm);
	join(args->argv);
}'

# The workload's exec: its pid, its parent (this shell, which is also the
# name before the exec) and its whole command line (256 bytes of string
# hold it in ktap; bpftrace's join() takes 16 arguments of 64 bytes).
t_execsnoop() {
	local sh=$BASHPID comm want
	comm=$(cat /proc/$sh/comm)
	ktap_bg "$work/k.out" --strlen 256 "$top/examples/execsnoop.kp"
	bpftrace_bg "$work/b.out" -e "$execsnoop_bt"
	workload_bg -q --comm kt-exec getppid 1
	finish
	want="$WL_PID $sh $comm $WORKLOAD --wait-fd 3 -q --comm kt-exec getppid 1"
	expect "ktap rows" "$(rows 1 "$work/k.out" $WL_PID)" "$want"
	expect "bpftrace rows" "$(rows 1 "$work/b.out" $WL_PID)" "$want"
}

runqlen_bt='BEGIN { printf("Tracing run queues\n"); }
profile:hz:99
/comm == "kt-runq"/
{
	$len = ((struct task_struct *)curtask)->se.cfs_rq->nr_queued;
	@runqlen = lhist($len > 0 ? $len - 1 : 0, 0, 100, 1);
}'

# bucket FILE: the range of the histogram row of FILE with the most samples.
bucket() { awk '/^\[/ && $(NF - 1) + 0 > n { n = $(NF - 1) + 0; b = $1 " " $2 } END { print b }' "$1"; }

# Sampling is not deterministic, so the two histograms differ in their
# counts; what must agree is where the samples lie. The workload gets a
# run queue of its own: a new session is a new autogroup (a task group
# with one CFS queue per CPU), and its 4 spinning threads share CPU 0, so
# while one of them runs (the samples of its name) the other 3 wait in its
# queue, whatever else the machine runs (the queue is 4 long only while all
# 4 spin: the first and last milliseconds can differ).
t_runqlen() {
	[ -r /proc/sys/kernel/sched_autogroup_enabled ] &&
		[ "$(cat /proc/sys/kernel/sched_autogroup_enabled)" = 1 ] ||
		fail "needs autogroups (kernel.sched_autogroup_enabled=1): a run queue of the workload's own"
	ktap_bg "$work/k.out" "$top/examples/runqlen.kp" kt-runq
	bpftrace_bg "$work/b.out" -e "$runqlen_bt"
	# the workload in a new session (setsid runs it, without a fork)
	printf '#!/bin/sh\nexec setsid "%s" "$@"\n' "$WORKLOAD" >"$work/session"
	chmod +x "$work/session"
	tool_bg "$work/session" -q --comm kt-runq --cpu 0 --threads 4 spin 400
	finish
	expect "ktap's largest bucket" "$(bucket "$work/k.out")" "[3, 4)"
	expect "bpftrace's largest bucket" "$(bucket "$work/b.out")" "[3, 4)"
}

run_cases
