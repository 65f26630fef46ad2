" Vim syntax file
" Language:	ktap (the tracing language of ktapc and ktap)
" Reference:	docs/language.md of the ktap repository
" tests/lit/editors/ checks that every keyword of frontend/lexer.l and every
" built-in of frontend/ast.c and frontend/sema_builtins.c is listed here.

if exists("b:current_syntax")
  finish
endif

syn case match

" Reserved words (frontend/lexer.l)
syn keyword ktapStatement	var function return break
syn keyword ktapConditional	if elseif else
syn keyword ktapRepeat		while for in repeat until do end
syn keyword ktapConstant	true false nil
syn keyword ktapEventKeyword	trace nextgroup=ktapEventSpec skipwhite skipnl
syn keyword ktapEventKeyword	tick profile nextgroup=ktapInterval skipwhite
syn keyword ktapEventKeyword	trace_end

" Built-in variables (frontend/ast.c builtin_names)
syn keyword ktapBuiltinVar	pid tid uid cpu execname curtask ppid probename argstr
syn keyword ktapBuiltinVar	arg0 arg1 arg2 arg3 arg4 arg5 arg6 arg7 arg8 arg9 args arg

" Built-in functions (frontend/sema_builtins.c)
syn keyword ktapBuiltinFunc	print printf print_hist print_lhist print_stats
syn keyword ktapBuiltinFunc	count sum avg min max pairs sort_pairs len delete
syn keyword ktapBuiltinFunc	stack ustack kernel_string user_string stringof ipof
syn keyword ktapBuiltinFunc	ntohs ntohl ntop gettimeofday_ns gettimeofday_us
syn keyword ktapBuiltinFunc	gettimeofday_ms gettimeofday_s time strftime
syn keyword ktapBuiltinFunc	syscall_name errno_name num_cpus arch kernel_v exit
syn keyword ktapBuiltinFunc	print_trace_clock in_interrupt
" Library functions: module.name
syn match ktapLibFunc	"\<table\.new\>"
syn match ktapLibFunc	"\<ffi\.cast\>"
syn match ktapLibFunc	"\<kdebug\.\%(tracepoint\|kprobe\|kretprobe\|trace_end\)\>"
syn match ktapLibFunc	"\<timer\.\%(tick\|profile\)\>"
syn match ktapLibFunc	"\<ansi\.\%(clear_screen\|reset_color\|new_line\|set_color\|set_color2\|set_color3\)\>"

" Event specs after 'trace': raw text up to the body's '{' or the filter's
" '/' ("probe:/bin/x:f" keeps its path: ':/' starts one).
syn match ktapEventSpec	contained "\%(:\/[^ \t\n,{}:;\"'#]*\|[^ \t\n,{}/;\"'#]\)\+" nextgroup=ktapEventSep skipwhite skipnl
syn match ktapEventSep	contained "," nextgroup=ktapEventSpec skipwhite skipnl
" Intervals after 'tick' and 'profile': tick-1s, profile-99hz
syn match ktapInterval	contained "-\s*\w\+"

" Numbers: decimal, hex, octal (no floating point)
syn match ktapNumber	"\<\d\+\>"
syn match ktapNumber	"\<0[xX]\x\+\>"

" Strings with escapes, and long strings [[ ]] / [==[ ]==]
syn match ktapEscape	contained "\\\%([abfnrtv\\\"'\n]\|x\x\x\|\d\{1,3}\)"
syn region ktapString	start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=ktapEscape
syn region ktapString	start=+'+ skip=+\\\\\|\\'+ end=+'+ end=+$+ contains=ktapEscape
syn region ktapString	start="\[\z(=*\)\[" end="\]\z1\]"

" Operators, the aggregation's <<< among them (before the
" comments, which win where both start: --)
syn match ktapOperator	"<<<\|[-+*%<>=!~&|]\|\.\."

" Comments: #, --, and --[[ ]] blocks
syn keyword ktapTodo	contained TODO FIXME XXX
syn match ktapComment	"#.*$" contains=ktapTodo
syn match ktapComment	"--.*$" contains=ktapTodo
syn region ktapComment	start="--\[\z(=*\)\[" end="\]\z1\]" contains=ktapTodo

hi def link ktapStatement	Statement
hi def link ktapConditional	Conditional
hi def link ktapRepeat		Repeat
hi def link ktapConstant	Constant
hi def link ktapEventKeyword	Keyword
hi def link ktapEventSpec	Label
hi def link ktapEventSep	Delimiter
hi def link ktapInterval	Label
hi def link ktapBuiltinVar	Identifier
hi def link ktapBuiltinFunc	Function
hi def link ktapLibFunc		Function
hi def link ktapNumber		Number
hi def link ktapEscape		SpecialChar
hi def link ktapString		String
hi def link ktapTodo		Todo
hi def link ktapComment		Comment
hi def link ktapOperator	Operator

let b:current_syntax = "ktap"
