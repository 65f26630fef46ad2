/* Sema's private state, shared by the sema_*.c files. */
#ifndef KTAP_SEMA_INT_H
#define KTAP_SEMA_INT_H

#include "sema.h"

/* A lexical scope. A function or handler body starts a scope whose `func`
 * differs from its parent's: locals of an enclosing function are not
 * visible through that boundary. */
typedef struct Scope {
	struct Scope *up;
	Func *func;
	Symbol **syms;
	int n, cap;
} Scope;

/* A call from one Func to a user function, for contexts and recursion. */
typedef struct Call {
	Func *from, *to;
	Loc loc;
} Call;

/* Something allowed only in some contexts, found in a user function whose
 * contexts are known only once every call is seen. */
typedef struct CtxUse {
	Func *func;
	Node *node;
	int allowed;		/* CTX_USER, CTX_KERNEL */
	char *what;		/* "builtin variable 'pid'" (owned) */
	Type *written;		/* or: a table written here (for kernel_written) */
} CtxUse;

/* A check that needs final types. */
typedef enum { LATE_COND, LATE_FILTER, LATE_CONCAT, LATE_PRINT, LATE_LEN } LateKind;
typedef struct Late {
	LateKind kind;
	Node *node;
	Func *func;
} Late;

/* A use of a table that decides or needs it being an aggregation (§12),
 * resolved once every table is known (placeholders merged): sema_agg.c. */
typedef enum { AU_RECORD, AU_PLAIN, AU_NEEDS } AggUseKind;
typedef struct AggUse {
	AggUseKind kind;
	Node *tab;		/* the table expression */
	Loc loc;
	const char *what;	/* AU_NEEDS: the built-in, "count" */
	Node *call;		/* print_lhist: the call, with its bounds;
				   AU_RECORD: the target t[k] */
} AggUse;

/* Per-Func facts that lowering does not need. */
typedef struct FuncInfo {
	Func *func;
	int has_value_return;
	int visiting, done;	/* recursion search */
} FuncInfo;

#define VEC(T) struct { T *v; int n, cap; }
#define VEC_PUSH(vec, x) do { \
	if ((vec).n == (vec).cap) { \
		(vec).cap = (vec).cap ? 2 * (vec).cap : 8; \
		(vec).v = xrealloc((vec).v, (vec).cap * sizeof *(vec).v); \
	} \
	(vec).v[(vec).n++] = (x); \
} while (0)

/* A string flowing into a variable (sym), or into key `key` of a table
 * or its values (key -1): sizes them (sema_strsize.c). */
typedef struct Flow {
	Symbol *sym;
	Type *table;
	int key;
	Node *src;
} Flow;

typedef struct Sema {
	Program prog;		/* first: program_free casts back */
	Diag *d;
	SemaOptions opt;

	Scope *scope;
	Func *func;		/* being checked */
	int loops;		/* loop depth in the current function */
	int toplevel;		/* statements of the root block being checked */
	int in_filter;		/* names may be event fields */
	Node *printed;		/* the print/printf argument being checked: argstr may be it */

	VEC(Type *) types;	/* every Type made, to free */
	VEC(Symbol *) syms;
	VEC(TableInfo *) placeholders;	/* tables known only by their use */
	VEC(Call) calls;
	VEC(CtxUse) uses;
	VEC(Late) lates;
	VEC(FuncInfo) infos;
	VEC(AggUse) aggs;
	VEC(Flow) flows;
	int agg_arg;		/* checking count(t[k]) and friends: t[k] is no plain read */
	int no_btf;		/* the kernel's BTF is missing: said once */
	Node *elem_of;		/* args.F being indexed by a constant: no whole value */
	Node *concat_inner;	/* an operand of '..' that is a '..' itself */
	int unchecked;		/* tracepoints taken unchecked: said once */
} Sema;

/* types.c */
Type *type_new(Sema *S, TypeKind k, Loc where);
Type *type_var(Sema *S, Loc where);
Type *table_new(Sema *S, Loc loc, Node *ctor, int placeholder);
/* Make a and b one type. 0 on a conflict (nothing reported). */
int type_unify(Sema *S, Type *a, Type *b);

/* sema_scope.c */
void scope_push(Sema *S, Func *f);
void scope_pop(Sema *S);
Symbol *scope_declare(Sema *S, Node *name, SymKind kind);
Symbol *symbol_new(Sema *S, Node *name, SymKind kind, Func *f);
void scope_add(Sema *S, Node *name, Symbol *s);
Symbol *scope_lookup(Sema *S, const char *name, Scope **where);
void scope_suggest(Sema *S, Loc loc, const char *name);
const char *scope_guess(Sema *S, const char *name);
void scope_free(Scope *sc);

/* sema_expr.c */
Type *check_expr(Sema *S, Node *n);
void expect(Sema *S, Node *n, Type *want, const char *what);
void expect_kind(Sema *S, Node *n, TypeKind k, const char *what);
void check_unify(Sema *S, Node *at, Type *a, Type *b, const char *what);
Type *set_type(Sema *S, Node *n, Type *t);
void ctx_use(Sema *S, Node *n, int allowed, const char *what);
void table_written(Sema *S, Node *table_expr);
void late(Sema *S, LateKind k, Node *n);
Type *index_table(Sema *S, Node *n, Node *tab, int nkeys);

/* sema_stmt.c */
void check_block(Sema *S, Node *block);
void check_stmts(Sema *S, Node *block);
void check_stmt(Sema *S, Node *n);
Func *func_new(Sema *S, FuncKind kind, Node *site, Node *body, int ctx);
void check_func_body(Sema *S, Func *f);
FuncInfo *func_info(Sema *S, Func *f);
int in_main(Sema *S, Node *n, const char *what);
int const_number(const Node *n, int64_t *v);	/* a number literal, or minus one */
void hoist_functions(Sema *S, Node *root);

/* sema_builtins.c */
Type *check_call(Sema *S, Node *n);
int builtin_function_name(int i, const char **name);

/* sema_events.c */
void trace_events(Sema *S, Func *f, NodeList *specs);
void register_spec(Sema *S, Func *f, Node *spec);
void register_kprobe(Sema *S, Func *f, Node *spec, int retprobe);
int func_has_field(Func *f, const char *name);
int parse_interval(Sema *S, Node *at, const char *text, int hz_ok, int64_t *ns);
Type *builtin_var_type(Sema *S, Node *n);
Type *event_field_type(Sema *S, Node *n, const char *name);

/* sema_ctypes.c */
Type *check_cfield(Sema *S, Node *n);
Type *check_cindex(Sema *S, Node *n);
Type *check_ffi_cast(Sema *S, Node *n);
/* sema_ntop.c */
Type *check_ntop(Sema *S, Node *n);
Type *ntop_literal(Sema *S, Node *lit, Type *t, Type *other);
Type *check_task_var(Sema *S, Node *n);
/* A typed pointer to BTF type id (0: reads through it say no more). */
Type *ptr_type(Sema *S, Loc at, uint32_t id, int user);

/* sema.c */
void check_late(Sema *S, Late *l);

/* sema_limits.c */
void check_rate(Sema *S, Node *at, const char *text, int profile, int64_t ns);
void check_table_memory(Sema *S);

/* sema_nil.c */
int may_be_nil(const Node *v);	/* a table read, nil, a nilable variable */
void find_nilable(Sema *S);
void check_nil_returns(Sema *S, Node *root);	/* sema_nilflow.c */

/* sema_agg.c */
void agg_use(Sema *S, AggUseKind kind, Node *tab, Loc loc, const char *what, Node *call);
void check_agg_record(Sema *S, Node *assign);
void check_agg_arg(Sema *S, Node *arg, const char *fname);
void check_aggs(Sema *S);

/* sema_counter.c */
void find_counters(Sema *S);

/* sema_names.c */
Type *check_text_call(Sema *S, Node *n, TypeKind k);
void text_hint(Sema *S, Loc at, Type *t);
int is_text_number(Type *t);	/* a name or a time that is a number (printf's %d prints it) */

/* sema_bpf.c: rules of BPF that follow from the source */
void check_params(Sema *S);
void check_concat(Sema *S, Node *chain);
void check_array_value(Sema *S, Node *n, const EventField *fl);
void check_addr_buffer(Sema *S, Node *call);

/* sema_strsize.c */
void flow_var(Sema *S, Symbol *s, Node *src);
void flow_key(Sema *S, Type *table, int key, Node *src);
void flow_value(Sema *S, Type *table, Node *src);
void size_strings(Sema *S);

/* sema_context.c */
void check_contexts(Sema *S);

#endif
