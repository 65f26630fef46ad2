#!/usr/bin/env bash
# Per-event cost of the syscall dispatch against a single-syscall program,
# from the kernel's own counters (kernel.bpf_stats_enabled: run_time_ns /
# run_cnt of each program ktap loaded), while the workload makes N getppid
# calls. The single program runs on getppid only; the dispatch runs on every
# system call of the machine and returns at once for those outside its glob,
# so its average mixes both (what a user pays per event in total).
# Usage: tests/bench/dispatch.sh [N [RUNS]]   (default 1000000, 3)
. "$(dirname "$0")/lib.bash"
n=${1:-1000000}
runs=${2:-3}

bpf_stats_on

filter='/execname == "kt-bench"/ { n += 1 }'
one=$(getppid_cost "var n = 0 trace syscalls:sys_enter_getppid $filter")
disp=$(getppid_cost "var n = 0 trace syscalls:sys_enter_* $filter")
one=${one% *} disp=${disp% *}
printf 'getppid x %d, best of %d runs, ns per program run (run_time_ns / run_cnt)\n' "$n" "$runs"
printf '  sys_enter_getppid program  %6.1f\n' "$one"
printf '  sys_enter_* dispatch       %6.1f  (%.2fx)\n' "$disp" "$(echo "$disp / $one" | bc -l)"
