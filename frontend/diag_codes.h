/* Every kind of diagnostic, with its stable code (JSON "code", listed in
 * docs/diagnostics.md; test_diag checks they agree). A code names a kind of
 * mistake, not a message: messages may be reworded, codes stay. Add new
 * kinds at the end of their group; never reuse a code. */
#ifndef DIAG_CODE
#error "define DIAG_CODE(name, code, description) before including diag_codes.h"
#endif

/* lexical and syntax errors */
DIAG_CODE(DC_SYNTAX, "syntax-error", "the parser met a token it did not expect")
DIAG_CODE(DC_STRAY_CHAR, "stray-character", "a character that starts no token")
DIAG_CODE(DC_INT_TOO_LARGE, "integer-too-large", "an integer constant does not fit in 64 bits")
DIAG_CODE(DC_INT_SUFFIX, "invalid-number-suffix", "letters right after a number")
DIAG_CODE(DC_OCTAL_DIGIT, "invalid-octal-digit", "an 8 or 9 in a constant that starts with 0")
DIAG_CODE(DC_FLOAT, "floating-point", "a floating-point constant (ktap has integers only)")
DIAG_CODE(DC_BAD_ESCAPE, "invalid-escape", "an unknown or out-of-range escape in a string")
DIAG_CODE(DC_UNTERMINATED_STRING, "unterminated-string", "a string without its closing quote")
DIAG_CODE(DC_UNTERMINATED_LONG, "unterminated-long-string", "a long string or comment without its closing bracket")
DIAG_CODE(DC_FILE_TOO_LARGE, "file-too-large", "the script is larger than the lexer reads")
DIAG_CODE(DC_ELSE_IF, "else-if", "'else if' where ktap writes 'elseif' (fix-it)")
DIAG_CODE(DC_NOT_EQUAL, "lua-not-equal", "Lua's '~=' where ktap writes '!=' (fix-it)")
DIAG_CODE(DC_COMPOUND_ASSIGN, "compound-assignment", "an operator-assignment other than '+='")
DIAG_CODE(DC_ASSIGN_AS_COMPARE, "assignment-as-comparison", "'=' where '==' compares (fix-it)")
DIAG_CODE(DC_WORD_OPERATOR, "word-operator", "'and' or 'or' where ktap writes '&&' or '||' (fix-it)")
DIAG_CODE(DC_CHAINED_COMPARE, "chained-comparison", "a < b < c")
DIAG_CODE(DC_RETURN_NOT_LAST, "return-not-last", "a statement after 'return' in its block")
DIAG_CODE(DC_TOO_COMPLEX, "statement-too-complex", "a statement with too many operators")
DIAG_CODE(DC_FORIN_FORM, "for-in-form", "a for-in loop with the wrong variables or iterator")

/* names, assignments and statements */
DIAG_CODE(DC_UNDECLARED, "undeclared-name", "a name used but never declared (fix-it)")
DIAG_CODE(DC_REDECLARATION, "redeclaration", "a name declared twice in one scope")
DIAG_CODE(DC_ASSIGN_BUILTIN, "assign-to-builtin", "an assignment to a built-in variable")
DIAG_CODE(DC_ASSIGN_TARGET, "invalid-assignment-target", "an assignment to something that cannot hold a value")
DIAG_CODE(DC_ASSIGN_READ_ONLY, "assign-to-read-only", "an assignment to typed kernel data or an event field")
DIAG_CODE(DC_ASSIGN_COUNT, "assignment-count", "more values than names, or the reverse")
DIAG_CODE(DC_MAIN_ONLY, "main-chunk-only", "a statement allowed only in the main chunk")
DIAG_CODE(DC_NESTED_FUNCTION, "nested-function", "a function defined inside another")
DIAG_CODE(DC_BREAK_OUTSIDE, "break-outside-loop", "'break' outside a loop")
DIAG_CODE(DC_NOT_STATEMENT, "not-a-statement", "an expression used as a statement")
DIAG_CODE(DC_NOT_EXPRESSION, "not-an-expression", "a statement used as an expression")
DIAG_CODE(DC_RETURN_VALUE, "return-value", "a value returned where none can be")
DIAG_CODE(DC_FOR_STEP, "for-step", "a numeric for loop whose step is zero or not constant")
DIAG_CODE(DC_FORIN_KEYS, "for-in-keys", "a for-in loop naming the wrong number of keys")
DIAG_CODE(DC_ENCLOSING_LOCAL, "enclosing-local", "a local variable of an enclosing function")
DIAG_CODE(DC_NIL_RESULT, "nil-result", "a function result that may be nil (fix-it)")
DIAG_CODE(DC_ALWAYS_TRUE, "always-true", "a condition that is always true (warning)")

/* types, tables and values */
DIAG_CODE(DC_TYPE_MISMATCH, "type-mismatch", "one name or table used with two types")
DIAG_CODE(DC_WRONG_TYPE, "wrong-type", "a value of the wrong type for its place")
DIAG_CODE(DC_TABLE_REBOUND, "table-rebound", "a variable made to refer to another table")
DIAG_CODE(DC_NOT_TABLE, "not-a-table", "a value indexed or used as a table that is none")
DIAG_CODE(DC_TABLE_KEY_TYPE, "table-key-type", "a table key or value of a type tables cannot hold")
DIAG_CODE(DC_KEY_COUNT, "key-count", "a table indexed with a varying or too large number of keys")
DIAG_CODE(DC_INDEX_COUNT, "index-count", "an array indexed with more than one index")
DIAG_CODE(DC_INDEX_RANGE, "index-out-of-range", "a constant index outside its array")
DIAG_CODE(DC_COMPARE, "invalid-comparison", "values that cannot be compared or ordered")
DIAG_CODE(DC_CONCAT_TYPE, "concat-type", "'..' on values other than strings and numbers")
DIAG_CODE(DC_DIV_ZERO, "division-by-zero", "a division or modulo by constant zero")
DIAG_CODE(DC_UNPRINTABLE, "unprintable", "a table or function given to print")
DIAG_CODE(DC_TOO_MANY_VALUES, "too-many-values", "too many values printed or joined at once")

/* functions and built-ins */
DIAG_CODE(DC_UNKNOWN_FUNCTION, "unknown-function", "a call to a function that does not exist")
DIAG_CODE(DC_NOT_FUNCTION, "not-a-function", "a call of something that is not a named function")
DIAG_CODE(DC_FUNCTION_VALUE, "function-as-value", "a function used as a value instead of called")
DIAG_CODE(DC_ANON_FUNCTION, "anonymous-function", "an anonymous function outside a handler argument")
DIAG_CODE(DC_ARG_COUNT, "argument-count", "a call with the wrong number of arguments")
DIAG_CODE(DC_ARG_TYPE, "argument-type", "an argument of the wrong type")
DIAG_CODE(DC_ARG_CONSTANT, "argument-not-constant", "an argument that must be a literal or constant")
DIAG_CODE(DC_PRINTF_FORMAT, "printf-format", "a bad printf format")
DIAG_CODE(DC_PRINTF_ARGS, "printf-arguments", "printf conversions and arguments that do not match")
DIAG_CODE(DC_ITERATOR_OUTSIDE, "iterator-outside-for", "pairs or sort_pairs outside a for-in loop")
DIAG_CODE(DC_TOO_MANY_PARAMS, "too-many-parameters", "a function with more parameters than BPF passes")
DIAG_CODE(DC_UNSUPPORTED_BUILTIN, "unsupported-builtin", "a built-in function not supported yet")
DIAG_CODE(DC_RECURSION, "recursion", "recursion in kernel context")
DIAG_CODE(DC_WRONG_CONTEXT, "wrong-context", "something used in a context (kernel or user) that cannot do it")
DIAG_CODE(DC_ADDRESS, "invalid-address", "a string that is not an IPv4 or IPv6 address")
DIAG_CODE(DC_STRLEN_TOO_SMALL, "strlen-too-small", "--strlen too small for the value printed")

/* aggregations */
DIAG_CODE(DC_AGG_RECORD, "aggregation-record", "a '<<<' into something that is not a table entry")
DIAG_CODE(DC_NOT_AGGREGATION, "not-an-aggregation", "a function of aggregations given something else")
DIAG_CODE(DC_AGG_MISUSE, "aggregation-misuse", "an aggregation read or written as a plain table")
DIAG_CODE(DC_AGG_KEYS, "aggregation-keys", "an aggregation used both with and without keys")
DIAG_CODE(DC_AGG_INIT, "aggregation-initialized", "an aggregation created with entries")
DIAG_CODE(DC_LHIST_BOUNDS, "lhist-bounds", "bad or conflicting print_lhist bounds")

/* events, probes and built-in variables */
DIAG_CODE(DC_UNKNOWN_EVENT_KIND, "unknown-event-kind", "a bpftrace-style event kind (fix-it)")
DIAG_CODE(DC_UNKNOWN_EVENT, "unknown-event", "an event specification that matches no event")
DIAG_CODE(DC_UNKNOWN_EVENT_FIELD, "unknown-event-field", "a field or argument the event lacks (fix-it for a close name)")
DIAG_CODE(DC_EVENT_FIELD_TYPE, "event-field-type", "an event field of a type ktap cannot read, or of two types")
DIAG_CODE(DC_UNNAMED_ARGUMENT, "unnamed-argument", "args.NAME at a probe whose arguments have no names")
DIAG_CODE(DC_TRACE_ONLY, "trace-handler-only", "a built-in variable outside trace handlers")
DIAG_CODE(DC_BUILTIN_UNAVAILABLE, "builtin-unavailable", "a built-in variable its events cannot give")
DIAG_CODE(DC_UNKNOWN_BUILTIN, "unknown-builtin-variable", "a built-in variable that does not exist")
DIAG_CODE(DC_ARGSTR_USE, "argstr-use", "argstr used other than printed with %s")
DIAG_CODE(DC_INTERVAL, "invalid-interval", "a tick or profile interval that cannot be read")
DIAG_CODE(DC_INTERVAL_RANGE, "interval-out-of-range", "a tick or profile interval that is zero or too large")

/* typed kernel data (BTF) */
DIAG_CODE(DC_UNKNOWN_FIELD, "unknown-field", "a struct or union without the field (fix-it for a close name)")
DIAG_CODE(DC_NOT_STRUCT, "not-a-struct", "a field read on a value that is not a struct or union")
DIAG_CODE(DC_ANON_FIELD, "anonymous-member", "an anonymous member's field read the wrong way")
DIAG_CODE(DC_UNREADABLE_TYPE, "unreadable-type", "typed data ktap cannot read as a value")
DIAG_CODE(DC_READ_TOO_LONG, "read-too-long", "a chain of typed reads too long or too deep")
DIAG_CODE(DC_CAST, "invalid-cast", "a bad ffi.cast type")
DIAG_CODE(DC_BTF, "btf-unavailable", "kernel types needed but the kernel's BTF is missing or lacks them")

/* limits of the kernel and of safety */
DIAG_CODE(DC_RATE_LIMIT, "rate-limit", "a sampling or tick rate above the safe limit")
DIAG_CODE(DC_MEMORY_LIMIT, "memory-limit", "tables that need more locked memory than the safe limit")
DIAG_CODE(DC_PROGRAM_LIMIT, "program-limit", "a probe beyond what the verifier accepts (stack, calls, maps)")
DIAG_CODE(DC_ARRAY_FIELD_SIZE, "array-field-size", "an array field larger than a value holds")
DIAG_CODE(DC_EVENTS_UNCHECKED, "events-not-checked", "tracepoints taken on trust by a check that cannot read the events (warning)")
DIAG_CODE(DC_SLOW_RELEASE, "slow-release", "many perf-event tracepoints that end slowly (warning)")

/* the compiler itself and the command line */
DIAG_CODE(DC_TOO_MANY_ERRORS, "too-many-errors", "the error limit was reached (-ferror-limit)")
DIAG_CODE(DC_INTERNAL, "internal-error", "a bug in the compiler")
DIAG_CODE(DC_OBJECT_FILE, "object-file", "the object file could not be made")
DIAG_CODE(DC_DRIVER_OPTION, "driver-unknown-option", "an option the program does not know")
DIAG_CODE(DC_DRIVER_ARGUMENT, "driver-bad-argument", "an option's argument missing or out of range")
DIAG_CODE(DC_DRIVER_USAGE, "driver-usage", "options or scripts that do not go together, or no script")
DIAG_CODE(DC_DRIVER_READ, "driver-cannot-read", "the script or the --events snapshot cannot be read")
DIAG_CODE(DC_DRIVER_WRITE, "driver-cannot-write", "the output (-o, --save-events) cannot be written")
DIAG_CODE(DC_DRIVER_SYSTEM, "driver-system", "a system call of the driver failed")
