# What needs this machine rather than the lit suite's fake tracefs: the
# compiler against the kernel's own tracefs; and the lit suite, run as an
# unprivileged user, needs neither root nor the machine's events.
. "$(dirname "$0")/lib.bash"

# Events and fields every kernel has, resolved from the real tracefs.
t_real_tracefs() {
	out=$(env -u KTAP_TRACEFS "$KTAPC" -fsyntax-only -e 'trace syscalls:sys_enter_read { print(arg0, arg1, arg3, args.count) }
trace sched:sched_switch /prev_pid != 0 && next_comm == "bash"/ { print(args.prev_comm, arg1) }' 2>&1) ||
		fail "ktapc: $out"
	expect "diagnostics" "$out" ""
}

# The lit suite as nobody, on a copy of the compiler and the tests in a
# directory nobody may read, its outputs in one nobody may write.
t_lit_unprivileged() {
	[ -c /dev/null ] || fail "/dev/null is not a device: something replaced it, and lit needs it"
	mkdir "$work/lit-out"
	cp -r "$top/tests/lit" "$work/lit"
	cp "$KTAPC" "$work/ktapc"
	cp "$USDT" "$work/usdt"
	cp "$(dirname "$USDT")/modbtf" "$work/modbtf"
	# what the docs/ and editors/ tests read from the repository
	mkdir -p "$work/src/tests/tools" "$work/src/docs" "$work/src/frontend"
	cp -r "$top/editors" "$work/src/"
	cp "$top/docs/language.md" "$work/src/docs/"
	cp "$top"/tests/tools/*.sh "$work/src/tests/tools/"
	cp "$top"/frontend/{lexer.l,ast.c,sema_builtins.c} "$work/src/frontend/"
	chmod -R a+rX "$work"
	chown nobody "$work/lit-out"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env KTAPC="$work/ktapc" KTAP_USDT="$work/usdt" KTAP_MODBTF="$work/modbtf" KTAP_BUILD="$work/lit-out" KTAP_SRC="$work/src" $LIT -q "$work/lit" 2>&1) ||
		fail "lit as nobody: $(grep -E '^ *ktap :: |Failed' <<<"$out" | tr '\n' ' ')"
	expect "lit output" "$out" ""
}

# The examples and a snapshot of the machine's events (made here as root),
# in a directory nobody may read.
nobody_setup() {
	env -u KTAP_TRACEFS "$KTAPC" --save-events "$work/events" 2>"$work/save" || fail "save: $(cat "$work/save")"
	cp "$KTAPC" "$work/ktapc"
	cp -r "$top/examples" "$work/examples"
	chmod -R a+rX "$work"
}

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env -u KTAP_TRACEFS "$@"; }

# With the snapshot, every example checks clean as nobody.
t_examples_snapshot_nobody() {
	nobody_setup
	for f in "$work"/examples/*.kp; do
		out=$(as_nobody "$work/ktapc" --events "$work/events" -fsyntax-only "$f" 2>&1) ||
			fail "$(basename "$f"): $out"
		expect "$(basename "$f") diagnostics" "$out" ""
	done
}

# Without it, every example checks as nobody with at most the one warning
# that tracefs could not be read, and never an error.
t_examples_unchecked_nobody() {
	nobody_setup
	local warn="warning: events not checked: tracefs at /sys/kernel/tracing is not readable by this user (permission denied): run as root, or check with a snapshot of the events (ktapc --save-events FILE as root, then --events FILE)"
	for f in "$work"/examples/*.kp; do
		out=$(as_nobody "$work/ktapc" -fsyntax-only "$f" 2>&1) || fail "$(basename "$f"): $out"
		expect "$(basename "$f") errors" "$(grep -c ': error: ' <<<"$out")" 0
		expect "$(basename "$f") warnings" "$(grep -c ': warning: ' <<<"$out")" "$(grep -c "$warn" <<<"$out")"
	done
	out=$(as_nobody "$work/ktapc" -fsyntax-only "$work/examples/opensnoop.kp" 2>&1)
	expect "opensnoop" "$(head -1 <<<"$out")" "$work/examples/opensnoop.kp:$(grep -n '^trace ' "$work/examples/opensnoop.kp" | head -1 | cut -d: -f1):7: $warn"
	out=$(as_nobody "$work/ktapc" -o /dev/null "$work/examples/opensnoop.kp" 2>&1) && fail "a full compile passed as nobody"
	expect "full compile" "$(grep -c ': error: tracefs at /sys/kernel/tracing is not readable' <<<"$out")" \
		"$(grep -c '^trace ' "$work/examples/opensnoop.kp")"
}

# ktap -l and -lv from the snapshot, as root and as nobody, list what
# ktap -l lists from tracefs.
t_list_snapshot() {
	nobody_setup
	for l in -l -lv; do
		env -u KTAP_TRACEFS "$KTAP" $l >"$work/tracefs$l" || fail "ktap $l"
		env -u KTAP_TRACEFS "$KTAP" $l --events "$work/events" >"$work/snap$l" || fail "ktap $l --events"
		cmp -s "$work/tracefs$l" "$work/snap$l" || fail "ktap $l --events differs: $(diff "$work/tracefs$l" "$work/snap$l" | head -3)"
		cp "$KTAP" "$work/ktap"
		as_nobody "$work/ktap" $l --events "$work/events" >"$work/nobody$l" || fail "ktap $l --events as nobody"
		cmp -s "$work/tracefs$l" "$work/nobody$l" || fail "ktap $l --events as nobody differs"
	done
	[ "$(wc -l <"$work/tracefs-l")" -gt 100 ] || fail "only $(wc -l <"$work/tracefs-l") events listed"
}

run_cases
