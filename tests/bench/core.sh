#!/usr/bin/env bash
# Typed reads: direct loads against probe_read, from the kernel's own
# counters (kernel.bpf_stats_enabled: run_time_ns / run_cnt) and the size
# of the program the verifier keeps (bytes_xlated / 8), while the workload
# makes N getppid calls. The same read is compiled both ways: from
# curtask or a tp_btf argument the verifier types the pointer, so members
# are loads; through ffi.cast of the same pointer it is a number, so each
# member is a bpf_probe_read_kernel.
# Usage: tests/bench/core.sh [N [RUNS]]   (default 1000000, 3)
. "$(dirname "$0")/lib.bash"
n=${1:-1000000}
runs=${2:-3}

bpf_stats_on

# row LABEL SCRIPT-DIRECT SCRIPT-PROBE-READ
row() {
	local d p
	d=($(getppid_cost "$2"))
	p=($(getppid_cost "$3"))
	printf '  %-34s %6.1f ns %4d insns   %6.1f ns %4d insns\n' "$1" "${d[0]}" "${d[1]}" "${p[0]}" "${p[1]}"
}

task='ffi.cast("struct task_struct *", curtask)'
printf 'getppid x %d, best of %d runs, per program run:   direct loads           probe_read\n' "$n" "$runs"
row "curtask.real_parent.tgid" \
	'var n = 0 trace syscalls:sys_enter_getppid { n += curtask.real_parent.tgid }' \
	"var n = 0 trace syscalls:sys_enter_getppid { n += $task.real_parent.tgid }"
row "curtask.pid + .tgid + .prio" \
	'var n = 0 trace syscalls:sys_enter_getppid { n += curtask.pid + curtask.tgid + curtask.prio }' \
	"var n = 0 trace syscalls:sys_enter_getppid { var t = $task n += t.pid + t.tgid + t.prio }"
row "tp_btf:sys_enter args.regs.orig_ax" \
	'var n = 0 trace tp_btf:sys_enter { n += args.regs.orig_ax }' \
	'var n = 0 trace tp_btf:sys_enter { n += ffi.cast("struct pt_regs *", args.regs).orig_ax }'
