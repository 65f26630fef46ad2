/* Semantic analysis: scopes, type inference, contexts and events.
 * Its result, a Program, is the contract between the frontend and lowering. */
#ifndef KTAP_SEMA_H
#define KTAP_SEMA_H

#include "ast.h"
#include "types.h"
#include "common/events.h"

/* Where code runs. A user function may be used in both (a bitmask). */
enum { CTX_USER = 1, CTX_KERNEL = 2 };

typedef enum { SYM_GLOBAL, SYM_LOCAL, SYM_FUNC } SymKind;

struct Symbol {
	SymKind kind;
	const char *name;
	Loc loc;		/* declaration */
	Type *type;
	int index;		/* SYM_GLOBAL: in Program.globals; SYM_LOCAL: in its Func.locals */
	Node *init;		/* SYM_GLOBAL: constant initializer from a top-level var, or NULL */
	struct Func *func;	/* SYM_FUNC */
	int nilable;		/* may hold nil: lowering keeps a presence flag (sema_nil.c) */
	int strbytes;		/* a string: bytes the longest assigned needs (sema_strsize.c) */
};

/* Bytes string variable s takes, in whole words, at most strlen: what its
 * longest assigned string needs (a parameter: strlen). */
int sym_str_bytes(const Symbol *s, int strlen);

/* Built-in functions: sema stores one in N_CALL.num (F_NONE for user
 * functions, whose callee N_NAME has sym->kind == SYM_FUNC).
 *
 * Event fields: sema sets N_FIELD.num = 1 on `args.NAME` (a = N_NAME
 * "args", str = the field); 0 on every other N_FIELD (t.name on a table is
 * t["name"]). A bare field name in a trace filter (`/prev_pid != 0/`) is
 * rewritten by sema into that same N_FIELD form. */
#define KTAP_TIME_FMT "%H:%M:%S"	/* time() without a format */

typedef enum {
	F_NONE,
	F_PRINT, F_PRINTF, F_PRINT_HIST, F_PAIRS, F_SORT_PAIRS, F_LEN, F_DELETE,
	F_STACK, F_USTACK, F_KERNEL_STRING, F_USER_STRING, F_STRINGOF, F_IPOF, F_NTOHS, F_NTOHL, F_NTOP,
	F_GETTIMEOFDAY_NS, F_GETTIMEOFDAY_US, F_GETTIMEOFDAY_MS, F_GETTIMEOFDAY_S,
	F_NUM_CPUS, F_ARCH, F_KERNEL_V, F_EXIT, F_PRINT_TRACE_CLOCK, F_IN_INTERRUPT,
	F_TABLE_NEW,
	F_KDEBUG_TRACEPOINT, F_KDEBUG_KPROBE, F_KDEBUG_KRETPROBE, F_KDEBUG_TRACE_END,
	F_TIMER_TICK, F_TIMER_PROFILE,
	F_ANSI,			/* ansi.*: N_FIELD name says which */
	F_AGG_COUNT, F_AGG_SUM, F_AGG_AVG, F_AGG_MIN, F_AGG_MAX,	/* of an aggregation's t[k] */
	F_PRINT_LHIST, F_PRINT_STATS,
	F_FFI_CAST,
	F_TIME, F_STRFTIME, F_SYSCALL_NAME, F_ERRNO_NAME,	/* §14: sema_names.c */
	F_COUNT
} Fn;

typedef enum {
	FN_MAIN,	/* the main chunk */
	FN_TRACE,	/* trace EVENTS { } or kdebug.tracepoint(...) */
	FN_PROFILE,	/* profile-N { } */
	FN_TICK,	/* tick-N { } or timer.tick(...) */
	FN_END,		/* trace_end { } */
	FN_USER,	/* function NAME(...) { } */
} FuncKind;

/* A unit of code to compile: the main chunk, a handler or a user function. */
typedef struct Func {
	FuncKind kind;
	const char *name;	/* user functions: their name; handlers: a made-up one */
	Node *site;		/* the statement or call that registers it / the N_FUNCDEF
				   (for calls, N_CALL.num says which registration) */
	Node *body;		/* N_BLOCK */
	NodeList *params;	/* N_NAME list, or NULL */
	int ctx;		/* CTX_KERNEL, CTX_USER, or (FN_USER) the contexts it is
				   called from: 0 when never called (nothing to compile) */
	Type *ret;		/* return type (TY_NIL when it returns nothing) */
	Symbol **locals;	/* params first, then every var/loop variable */
	int nlocals;

	/* FN_TRACE: the events (one program each: layouts may differ) */
	Event **events;
	int nevents;
	Node *filter;		/* or NULL */
	/* FN_TICK, FN_PROFILE */
	int64_t interval_ns;
} Func;

typedef struct Program {
	Node *root;
	Func **funcs;		/* funcs[0] is the main chunk */
	int nfuncs;
	Symbol **globals;	/* globals[0] is the predeclared `arg` table */
	int nglobals;
	TableInfo **tables;
	int ntables;
} Program;

enum { SEMA_STRLEN = 64, SEMA_TABLE_SIZE = 2048 };	/* the defaults */
typedef struct SemaOptions {
	int strlen;		/* string buffer size, default SEMA_STRLEN */
	int64_t table_size;	/* default table capacity, default SEMA_TABLE_SIZE */
	int unsafe_limits;	/* lift the safe limits (sema_limits.c) */
	int check_only;		/* -fsyntax-only: tracepoints may go unchecked
				   when no events can be read (a warning) */
} SemaOptions;

/* The BPF arguments of a user function: a parameter each, a presence flag
 * for each that may be nil, and the caller's buffer for a string result. */
int func_bpf_args(const Func *f);

/* The step of a numeric for (1 when omitted); 0 when c is no constant. */
int for_step(const Node *c, int64_t *step);

/* Check and annotate the tree. Errors go to d; the Program is returned even
 * when there were errors (callers check diag_errors). */
Program *sema_check(Node *root, Diag *d, const SemaOptions *opt);
void program_free(Program *p);

#endif
