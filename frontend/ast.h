/* The abstract syntax tree: the contract between the parser, sema and lowering.
 *
 * One node type for everything (as chibicc does); what each field means
 * depends on the kind and is listed beside the kind. Every node has a source
 * range. Sema fills in `type` and `sym`; the parser leaves them NULL. */
#ifndef KTAP_AST_H
#define KTAP_AST_H

#include <stdint.h>
#include <stddef.h>
#include "diag.h"

typedef struct Node Node;
typedef struct Type Type;
typedef struct Symbol Symbol;

typedef struct NodeList {
	Node **v;
	int n, cap;
} NodeList;

typedef enum {
	/* expressions */
	N_NIL,
	N_TRUE,
	N_FALSE,
	N_NUM,		/* num */
	N_STR,		/* str, len (may hold NUL bytes); escapes already decoded */
	N_NAME,		/* str: the identifier; sema sets sym */
	N_BUILTIN,	/* num: a Builtin (pid, execname, arg3, ...) */
	N_INDEX,	/* a[list...]: a = table, list = keys (several = tuple key) */
	N_FIELD,	/* a.str: a = prefix, str = field name (args.x, kdebug.kprobe) */
	N_CALL,		/* a(list...): a = callee (N_NAME or N_FIELD), list = args */
	N_BINOP,	/* a op b: op is a Tok (TK_AND, '+', TK_CONCAT, ...) */
	N_UNOP,		/* op a: op is '!', '-' or '~' */
	N_TABLE,	/* { list... }: list = N_TFIELD */
	N_TFIELD,	/* a = key or NULL for a positional field, b = value;
			   `name = v` has a = N_STR "name" */
	N_FUNCTION,	/* function (list) { body }: list = params (N_NAME) */
	N_CREAD,	/* a typed read (§13): an N_FIELD or N_INDEX sema resolved, its
			   fields kept (a, str or list); cacc says what it reads */

	/* statements */
	N_BLOCK,	/* list = statements */
	N_VAR,		/* var list = list2: list = names (N_NAME), list2 = values */
	N_FUNCDEF,	/* function str(list) { body }: list = params (N_NAME) */
	N_ASSIGN,	/* list = list2 with op '=', TK_PLUSEQ or TK_AGG (one target, one value) */
	N_CALLSTAT,	/* a = the N_CALL */
	N_IF,		/* if (a) body else c: c is NULL, an N_BLOCK or an N_IF (elseif) */
	N_WHILE,	/* while (a) body */
	N_FORNUM,	/* for (list[0] = a, b, c) body: c (step) may be NULL */
	N_FORIN,	/* for (list in str(list2)) body: list = 1 or 2 names (key,
			   value), or, when num > 0, num key names then maybe the value,
			   str = "pairs" or "sort_pairs", list2 = iterator args */
	N_REPEAT,	/* repeat body until (a) */
	N_DO,		/* do body end */
	N_BREAK,
	N_RETURN,	/* a = value or NULL */
	N_TRACE,	/* trace list { body }: list = N_EVENT, a = filter or NULL */
	N_EVENT,	/* str = one event spec as written ("syscalls:sys_enter_*") */
	N_TRACE_END,	/* trace_end { body } */
	N_TICK,		/* tick-str { body }: str = interval text ("5s");
			   a = the same text as an N_STR, located */
	N_PROFILE,	/* profile-str { body }: str and a as for N_TICK */
} NodeKind;

/* Token codes for operators that are not single characters. Single-character
 * operators use their character ('+', '<', ...). The parser maps its own
 * token numbers onto these. */
enum {
	TK_AND = 256,	/* && */
	TK_OR,		/* || */
	TK_EQ,		/* == */
	TK_NE,		/* != */
	TK_LE,		/* <= */
	TK_GE,		/* >= */
	TK_CONCAT,	/* .. */
	TK_SHL,		/* << */
	TK_SHR,		/* >> */
	TK_PLUSEQ,	/* += */
	TK_AGG,		/* <<< */
};

typedef enum {
	B_PID, B_TID, B_UID, B_CPU, B_EXECNAME, B_CURTASK, B_PPID, B_PROBENAME, B_ARGSTR,
	B_ARG0, B_ARG1, B_ARG2, B_ARG3, B_ARG4, B_ARG5, B_ARG6, B_ARG7, B_ARG8, B_ARG9,
	B_COUNT
} Builtin;

extern const char *const builtin_names[B_COUNT];

#define KTAP_COMM_LEN 16	/* execname's bytes, NUL included: the kernel's TASK_COMM_LEN */

struct Node {
	NodeKind kind;
	Loc loc;
	int op;
	int64_t num;
	char *str;
	size_t len;
	Node *a, *b, *c;
	Node *body;
	NodeList list, list2;

	/* filled by sema */
	Type *type;
	Symbol *sym;
	struct CAccess *cacc;	/* a typed data read (§13): N_FIELD, N_INDEX */
};

Node *node_new(NodeKind kind, Loc loc);
void nodelist_push(NodeList *l, Node *n);
void ast_free(Node *n);
/* Debug dump of the tree (ktapc --emit=ast). */
void ast_print(FILE *out, const Node *n);

/* The parser: the whole file as an N_BLOCK (NULL only on out-of-memory).
 * Syntax errors are reported to d; the tree holds what could be recovered. */
Node *parse_source(const Source *src, Diag *d);

#endif
