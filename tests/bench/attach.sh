#!/usr/bin/env bash
# Many tracepoints at once, with -t 1: the time to attach (from the start
# to the banner), from the end of tracing to trace_end's output, and from
# the start to the exit, for ktap and, side by side in the same run,
# bpftrace where it can (it refuses *:*). bpftrace has no -t: its script
# ends itself with interval:s:1 and says it is ready in BEGIN; its END plays
# trace_end. The end of tracing is taken as 1 s after the ready line.
# bpftrace is allowed more than its default 512 probes (syscalls:* has 723).
# Usage: tests/bench/attach.sh [--all]   (--all adds `trace *:*`, ktap only:
#   thousands of tracepoints, tens of seconds of teardown on older kernels)
set -eu
cd "$(dirname "$0")/../.."
all=${1:-}
KTAP=${KTAP:-./ktap}
command -v bpftrace >/dev/null && have_bpftrace=1 || have_bpftrace=

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# measure NAME READY END CMD...: one line of the table. READY and END are
# the beginnings of the lines that say "attached" and "trace_end ran".
measure() {
	local name=$1 ready=$2 end=$3 s r= e= line x first=; shift 3
	s=$(now_ms)
	while IFS= read -r line; do
		[ -n "$first" ] || first=$line
		[[ -z $r && $line == "$ready"* ]] && r=$(now_ms)
		[[ -z $e && $line == "$end"* ]] && e=$(now_ms)
	done < <("$@" 2>&1)
	wait $! || true
	x=$(now_ms)
	[ -n "$r" ] && [ -n "$e" ] || { printf '| %-44s | failed: %s |\n' "$name" "$first"; return 0; }
	printf '| %-44s | %8d | %8d | %8d |\n' "$name" $((r - s)) $((e - r - 1000)) $((x - s))
}

ktap_run() {	# a script, with -t 1
	measure "ktap: $1" "Tracing..." "end" "$KTAP" -t 1 -e "var n = 0 $1 trace_end { print(\"end\", n) }"
}

bpftrace_run() {	# probes
	[ -n "$have_bpftrace" ] || return 0
	measure "bpftrace: $1" "ready" "end" env BPFTRACE_MAX_PROBES=4096 bpftrace -e "BEGIN { printf(\"ready\n\") } $1 { @n = count() }
interval:s:1 { exit() } END { printf(\"end\n\") }"
}

printf '| %-44s | %8s | %8s | %8s |\n' "script, -t 1" "attach" "to end" "exit"
printf '| %-44s | %8s | %8s | %8s |\n' "" "(ms)" "(ms)" "(ms)"
ktap_run 'trace syscalls:sys_enter_* { n += 1 }'
bpftrace_run 'tracepoint:syscalls:sys_enter_*'
ktap_run 'trace syscalls:* { n += 1 }'
bpftrace_run 'tracepoint:syscalls:*'
[ "$all" != --all ] || ktap_run 'trace *:* { n += 1 }'
