#!/usr/bin/env bash
# Every reserved word (frontend/lexer.l), built-in variable (frontend/ast.c)
# and built-in function (frontend/sema_builtins.c, "module.name" as one
# word) appears in the Vim syntax file, so the two cannot drift apart.
# Prints "missing: NAME" for each one that does not, then "N names".
# usage: vim_names.sh REPO
set -u
cd "$1"
syn=editors/vim/syntax/ktap.vim
names() {
	sed -n 's/.*{ "\([a-z_]*\)", [A-Z_]* }.*/&/p' frontend/lexer.l | grep -o '"[a-z_]*"'
	sed -n '/builtin_names\[B_COUNT\] = {/,/};/p' frontend/ast.c | grep -o '"[a-z_0-9]*"'
	sed -n 's/^\t{ \(NULL\|"[a-z]*"\), \("[a-z_0-9]*"\), F_.*/\1 \2/p' frontend/sema_builtins.c |
		sed 's/^NULL //; s/^"\([a-z]*\)" "\(.*\)"/"\1.\2"/'
}
n=0 rc=0
for w in $(names | tr -d '"' | sort -u); do
	n=$((n + 1))
	mod=${w%%.*} fn=${w#*.}
	# a module function appears as mod\.name or in mod\.\%(...\|name\|...\)
	if [ "$mod" != "$w" ]; then
		grep -q "\\\\<$mod\\\\.\\(\\\\%(.*\\)\\?\\b$fn\\b" $syn && continue
	else
		grep -q "^syn keyword .*[[:space:]]$w\\([[:space:]]\\|$\\)" $syn && continue
	fi
	echo "missing: $w"; rc=1
done
echo "$n names"
exit $rc
