# TCP over loopback, made by the workload: sock:inet_sock_set_state's
# array fields through ntop, BTF-typed addresses agreeing with them, and
# the tcplife / tcpretrans examples giving bpftrace's rows.
. "$(dirname "$0")/lib.bash"

# The script's lines of the workload's run: those naming its listening
# port (the report's "[tcp: port P, ..."), sorted.
of_run() {
	local port
	port=$(sed -n 's/.*\[tcp: port \([0-9]*\),.*/\1/p' "$work/workload.out")
	[ -n "$port" ] || fail "no port in the workload's report: $(cat "$work/workload.out")"
	grep -E "(^|[[:space:]:])$port([[:space:]]|$)" "$1" | sort -u
}
client_port() { sed -n 's/.*clients \([0-9]*\).*/\1/p' "$work/workload.out"; }
listen_port() { sed -n 's/.*\[tcp: port \([0-9]*\),.*/\1/p' "$work/workload.out"; }

# run_with "ACTION N" BT_SCRIPT ARGS...: the workload doing ACTION N, a
# bpftrace running BT_SCRIPT (none if empty, output in $work/bt) and ktap
# ARGS (output in $work/out), all attached before it starts; then both
# ended and their statuses checked. A workload without IPv6 loopback
# (status 3) skips the case.
run_with() {
	local wl=$1 bt=$2 rc=0; shift 2
	workload_bg --comm kt-net $wl
	[ -z "$bt" ] || bpftrace_bg "$work/bt" -e "$bt"
	ktap_bg "$work/out" "$@"
	workload_go
	wait $WL_PID || rc=$?
	kill -INT $KTAP_PID
	ktap_wait
	[ -z "$bt" ] || bpftrace_end
	[ $rc = 3 ] && { echo "skipped: no IPv6 loopback"; exit 0; }
	expect "workload status" $rc 0
	expect "ktap status" $KTAP_RC 0
}

# One connection of FAMILY (tcp or tcp6): each socket's addresses and
# ports as the tracepoint gives them (the client's SYN_SENT comes before
# its port is chosen: port 0), and, at ESTABLISHED, whether the
# socket's own fields (BTF, CO-RE) agree.
states() {
	local action=$1 v6=$2
	run_with "$action 1" "" -e "trace sock:inet_sock_set_state /protocol == 6/ {
	var sk = ffi.cast(\"struct sock *\", args.skaddr).__sk_common
	var l = ntop(args.saddr$v6)
	var r = ntop(args.daddr$v6)
	if ($([ -n "$v6" ] && echo 'args.family == 10' || echo 'args.family == 2')) {
		print(l, args.sport, r, args.dport)
		if (args.newstate == 1) {
			var bl = ntop(sk.skc_rcv_saddr)
			var br = ntop(sk.skc_daddr)
			if (args.family == 10) { bl = ntop(sk.skc_v6_rcv_saddr) br = ntop(sk.skc_v6_daddr) }
			printf(\"btf %s %d %s %d agrees %s\\n\", bl, sk.skc_num, br, ntohs(sk.skc_dport),
			       bl == l && br == r && sk.skc_num == args.sport && ntohs(sk.skc_dport) == args.dport)
		}
	}
}"
}

t_ipv4() {
	states tcp ""
	local p c
	p=$(listen_port) c=$(client_port)
	expect "sockets" "$(of_run "$work/out")" "$(printf '%s\n' "127.0.0.1	0	127.0.0.1	$p" "127.0.0.1	$c	127.0.0.1	$p" \
		"127.0.0.1	$p	0.0.0.0	0" "127.0.0.1	$p	127.0.0.1	$c" \
		"btf 127.0.0.1 $c 127.0.0.1 $p agrees true" "btf 127.0.0.1 $p 127.0.0.1 $c agrees true" | sort -u)"
}

t_ipv6() {
	states tcp6 _v6
	local p c
	p=$(listen_port) c=$(client_port)
	expect "sockets" "$(of_run "$work/out")" "$(printf '%s\n' "::1	0	::1	$p" "::1	$c	::1	$p" \
		"::1	$p	::	0" "::1	$p	::1	$c" \
		"btf ::1 $c ::1 $p agrees true" "btf ::1 $p ::1 $c agrees true" | sort -u)"
}

# An array field whole, by a constant index and by run-time indexes, one
# inside the array and one outside it (0); an IPv4 socket's saddr_v6 is
# the mapped ::ffff:127.0.0.1, its last byte 1.
t_array_values() {
	run_with "tcp 1" "" -e 'trace sock:inet_sock_set_state /protocol == 6 && family == 2/ {
	var i = args.newstate - args.newstate + 3
	print(args.sport, args.dport, args.saddr, args.saddr[0], args.saddr[i], args.saddr[i + 1],
	      args.saddr_v6[i * 5])
}'
	expect "values" "$(of_run "$work/out" | cut -f3- | sort -u)" "[127,0,0,1]	127	1	0	1"
}

# An address compares with a string literal of either family, parsed
# when compiling: the listener's daddr is 0.0.0.0, the others' 127.0.0.1,
# which the IPv6 field holds mapped.
t_address_literals() {
	run_with "tcp 1" "" -e 'trace sock:inet_sock_set_state /protocol == 6 && family == 2/ {
	print(args.sport, args.dport, ntop(args.daddr) == "127.0.0.1", "0.0.0.0" == ntop(args.daddr),
	      ntop(args.daddr_v6) != "::ffff:127.0.0.1")
}'
	local p c
	p=$(listen_port) c=$(client_port)
	expect "literals" "$(of_run "$work/out")" "$(printf '%s\n' "0	$p	true	false	false" \
		"$c	$p	true	false	false" "$p	0	false	true	true" "$p	$c	true	false	false" | sort -u)"
}

# -f json: an address is a string, an array an array of numbers.
t_json() {
	run_with "tcp 1" "" -f json -e 'trace sock:inet_sock_set_state /protocol == 6 && family == 2 && sport == 0/ {
	print(args.dport, ntop(args.daddr), args.daddr)
}'
	local p
	p=$(listen_port)
	expect "json" "$(grep "\[$p," "$work/out")" '{"type":"print","data":['"$p"',"127.0.0.1",[127,0,0,1]]}'
}

# bpftrace's tcplife.bt, on the same tracepoint, printing the same columns.
TCPLIFE_BT='BEGIN { printf("Tracing\n"); }
tracepoint:sock:inet_sock_set_state /args->protocol == 6/ {
	$sk = (struct sock *)args->skaddr;
	if (args->newstate < 4 && @birth[$sk] == 0) { @birth[$sk] = nsecs; }
	if (args->newstate == 2 || args->newstate == 9) {
		@skpid[$sk] = pid; @skcomm[$sk] = comm;
	}
	if (args->newstate == 7 && @birth[$sk]) {
		$pid = @skpid[$sk]; $comm = @skcomm[$sk];
		if ($comm == "") { $pid = pid; $comm = comm; }
		$tp = (struct tcp_sock *)$sk;
		if (args->family == 2) {
			printf("%-7d %-10.10s %-15s %-5d %-15s %-5d %6d %6d\n", $pid, $comm,
			       ntop(args->saddr), args->sport, ntop(args->daddr), args->dport,
			       $tp->bytes_acked / 1024, $tp->bytes_received / 1024);
		} else {
			printf("%-7d %-10.10s %-15s %-5d %-15s %-5d %6d %6d\n", $pid, $comm,
			       ntop(args->saddr_v6), args->sport, ntop(args->daddr_v6), args->dport,
			       $tp->bytes_acked / 1024, $tp->bytes_received / 1024);
		}
		delete(@birth[$sk]); delete(@skpid[$sk]); delete(@skcomm[$sk]);
	}
}
END { clear(@birth); clear(@skpid); clear(@skcomm); }'

# Both tools attached, one workload run: the same rows for its sessions
# (the duration, a time, left out).
t_tcplife() {
	run_with "tcp 2" "$TCPLIFE_BT" "$top/examples/tcplife.kp"
	awk 'NF == 9 { NF = 8; print }' "$work/out" >"$work/life.rows"
	of_run "$work/life.rows" >"$work/ktap.rows"
	awk 'NF == 8 { $1 = $1; print }' "$work/bt" >"$work/bt.all"
	of_run "$work/bt.all" >"$work/bt.rows"
	expect "rows" "$(wc -l <"$work/ktap.rows")" 4
	expect "tcplife" "$(cat "$work/ktap.rows")" "$(cat "$work/bt.rows")"
}

# bpftrace's tcpretrans.bt on the same tracepoint: one SYN retransmitted
# per connection; both tools give its addresses, ports and state (the
# time and the pid, whoever ran the timer, left out).
TCPRETRANS_BT='BEGIN { printf("Tracing\n"); }
tracepoint:tcp:tcp_retransmit_skb /args->family == 2/ {
	printf("%s:%d %s:%d %d\n", ntop(args->saddr), args->sport, ntop(args->daddr), args->dport,
	       args->state);
}'

t_tcpretrans() {
	run_with "tcp-retrans 1" "$TCPRETRANS_BT" "$top/examples/tcpretrans.kp"
	local c
	c=$(client_port)
	expect "ktap" "$(awk '{ print $3, $4, $5 }' "$work/out" | grep "^127.0.0.1:$c ")" \
		"127.0.0.1:$c 127.0.0.1:$(listen_port) SYN_SENT"
	expect "bpftrace" "$(grep "^127.0.0.1:$c " "$work/bt")" "127.0.0.1:$c 127.0.0.1:$(listen_port) 2"
}

run_cases
