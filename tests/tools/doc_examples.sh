#!/usr/bin/env bash
# Compiles every ```ktap block of a Markdown file to an object (not only
# -fsyntax-only: some built-ins pass the checker but not lowering), so the
# reference's examples cannot rot. Prints one line per block,
# "ok: LINE" or "FAIL: LINE" (the line of its opening fence) with ktapc's
# messages; exit status 1 if any failed.
# usage: doc_examples.sh KTAPC FILE.md WORKDIR
set -u
ktapc=$1 md=$2 dir=$3
mkdir -p "$dir"
rm -f "$dir"/block-*
# Each block becomes block-LINE.kp, its lines kept at their place in the
# Markdown file (blank lines before them), so messages point into the doc.
awk -v dir="$dir" '
	/^```ktap$/ { inb = 1; start = NR; f = sprintf("%s/block-%d.kp", dir, NR)
		      for (i = 1; i <= NR; i++) print "" > f; next }
	/^```/ && inb { inb = 0; close(f); next }
	inb { print > f }
' "$md"
rc=0
for f in $(ls "$dir"/block-*.kp | sort -t- -k2 -n); do
	line=${f##*/block-} line=${line%.kp}
	if out=$("$ktapc" -o "${f%.kp}.o" "$f" 2>&1) && [ -z "$out" ]; then
		echo "ok: $line"
	else
		echo "FAIL: $line"
		echo "$out"
		rc=1
	fi
done
exit $rc
