#!/usr/bin/env bash
# What lit's %ktapc runs: ktapc ($1) with the test's arguments, and then,
# when the run checked a script (-fsyntax-only) or failed to compile one,
# the same script both ways, -fsyntax-only and a full compile: their
# diagnostics must be the same, so an editor's check (-fsyntax-only) misses
# no error of a compile (docs/semantics.md, "Where rules live"). A test of a
# kernel limit, which only the full compile sees, calls %ktapc-alone.
# A disagreement fails the test whatever it expects: the wrapper aborts.
ktapc=$1
shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err" "$err.sema" "$err.full"' EXIT
"$ktapc" "$@" >"$out" 2>"$err"
rc=$?
cat "$out"
cat "$err" >&2

# The arguments without what selects the output: the script and options.
args=() syntax=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) shift ;;
	-S | --emit=obj | --emit=asm | --emit=ir) ;;
	--emit=*) exit $rc ;;	# the tree: parsing only
	-fsyntax-only) syntax=1 ;;
	*) args+=("$1") ;;
	esac
	[ $# -gt 0 ] && shift
done
[ $syntax = 1 ] || [ $rc != 0 ] || exit $rc

"$ktapc" -fsyntax-only "${args[@]}" >/dev/null 2>"$err.sema"
"$ktapc" -o /dev/null "${args[@]}" >/dev/null 2>"$err.full"
if ! cmp -s "$err.sema" "$err.full"; then
	echo "same-errors.sh: error: -fsyntax-only and a full compile disagree (<: -fsyntax-only, >: full):" >&2
	diff "$err.sema" "$err.full" >&2
	rm -f "$out" "$err" "$err.sema" "$err.full"
	kill -ABRT $$	# a crash: even `not %ktapc` fails
fi
exit $rc
