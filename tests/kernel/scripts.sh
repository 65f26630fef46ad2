# The test scripts whose output is the same on every machine and every run,
# run by ktap, what they print compared with scripts/NAME.expected: one case
# per expected file, named by its script (PASS: scripts.sh: user-constructs.kp).
# A "# ktap-args: ..." line of the script gives ktap's arguments after it
# ($WORKLOAD: the test workload), e.g. the workload as CMD with the comm the
# script filters on. The other scripts (fuzz-*.kp: their probes see the whole
# machine) and the examples are only loaded (objects.sh).
. "$(dirname "$0")/lib.bash"
scripts=$top/tests/kernel/scripts

# run_script NAME: run NAME.kp from its directory (so arg[0] is NAME.kp);
# its output must be NAME.expected's, with nothing on stderr.
run_script() {
	local args rc=0
	args=$(sed -n 's/^# ktap-args: //p' "$scripts/$1.kp" | head -1)
	args=${args//\$WORKLOAD/$WORKLOAD}
	(cd "$scripts" && "$KTAP" -q "$1.kp" $args) >"$work/$1.out" 2>"$work/$1.err" || rc=$?
	expect "$1.kp status" $rc 0
	expect "$1.kp stderr" "$(cat "$work/$1.err")" ""
	diff -u "$scripts/$1.expected" "$work/$1.out" || fail "$1.kp printed other than $1.expected"
	no_leaks
}

failed=0 n=0
for want in "$scripts"/*.expected; do
	[ -f "$want" ] || continue
	name=$(basename "$want" .expected)
	run_case "$name.kp" run_script "$name" || failed=1
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no expected files found"
exit $failed
