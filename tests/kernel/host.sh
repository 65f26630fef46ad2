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

run_cases
