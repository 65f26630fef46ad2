/* Static types inferred by sema for every expression, variable, key and value. */
#ifndef KTAP_TYPES_H
#define KTAP_TYPES_H

#include <stdint.h>
#include "diag.h"

typedef struct Type Type;
typedef struct TableInfo TableInfo;

typedef enum {
	TY_VAR,		/* not known yet: a unification variable (link != NULL once bound) */
	TY_NIL,		/* only the literal nil; unifies with anything and leaves it alone */
	TY_NUM,
	TY_STR,
	TY_BOOL,
	TY_STACK,
	/* syscall_name(n), errno_name(n), time() in code that may run in the
	 * kernel: the number, printed as a name or a time in user space (§14) */
	TY_SYSCALL,
	TY_ERRNO,
	TY_TIME,
	TY_TABLE,	/* table: which table it is */
	TY_FUNC,
	TY_PTR,		/* a typed pointer (§13): a number that points to a BTF type */
	/* held by reference in a --strlen buffer, as strings are, and printed
	 * by the runtime: an IPv4 or IPv6 address (ntop), and an integer
	 * array (a tracepoint's array field, args.saddr) */
	TY_ADDR,
	TY_ARRAY,
} TypeKind;

struct Type {
	TypeKind kind;
	Type *link;		/* TY_VAR bound to another type (union-find) */
	Loc where;		/* the first use that fixed this type, for conflict notes */
	TableInfo *table;	/* TY_TABLE */
	uint32_t ctype;		/* TY_PTR: the kernel BTF id pointed to */
	int user;		/* TY_PTR: into user memory (__user) */
	const char *fmt;	/* TY_TIME: its strftime format (a literal of the tree) */
	int count, elem, esigned;	/* TY_ARRAY: elements, each elem bytes, signed or not */
};

#define TABLE_MAX_KEYS 8

/* One table: one constructor site ({...} or table.new), one BPF map. A
 * variable of table type always refers to the same table. */
struct TableInfo {
	int id;			/* index into Program.tables */
	const char *name;	/* the variable it is first stored in, for messages */
	Loc loc;		/* the constructor */
	int nkeys;		/* 1, or several for t[a, b] */
	Type *keys[TABLE_MAX_KEYS];
	/* bytes the longest string ever used as key i can take, NUL
	 * included (0: no string seen); see table_key_bytes() */
	int keystr[TABLE_MAX_KEYS];
	Type *val;
	int valstr;		/* the same for a string value; see table_val_bytes() */
	int64_t capacity;	/* max entries */
	int kernel_written;	/* updated from kernel context */
	int kernel_read;	/* used otherwise in kernel context (sema_counter.c) */
	int counter;		/* kernel context only adds and deletes: per-CPU */
	int is_arg;		/* the predeclared `arg` table */
	struct Node *ctor;	/* the constructor node (N_TABLE or the table.new call) */
	int agg;		/* an aggregation: receives `<<<` (§12) */
	int unkeyed;		/* an aggregation recorded as `t <<< v`: one entry, key 0 */
	int64_t lmin, lmax, lstep;	/* print_lhist's bounds (lstep 0: none) */
};

/* Follow links to the representative type. */
Type *type_repr(Type *t);
const char *type_name(Type *t);	/* "number", "string", "table", ... */
/* A size sema_strsize.c found (seen, 0 for none) in bytes: whole words,
 * `none` when nothing was seen, at most strlen. */
int seen_bytes(int seen, int none, int strlen);
/* Bytes key i of table t takes in the map: a string key only what its
 * longest string needs, in whole words, at most strlen. */
int table_key_bytes(const TableInfo *t, int i, int strlen);
/* Bytes a string value of table t takes: the longest assigned, as keys. */
int table_val_bytes(const TableInfo *t, int strlen);
/* Bytes string expression n needs, NUL included, in whole words, at most
 * strlen: execname (a comm) 16, a literal its length + 1, a variable or a
 * table's value as sized (sema_strsize.c), else strlen. */
int str_bytes(const struct Node *n, int strlen);
/* Is n `execname`, a comm the helper writes into a buffer, NUL-padded? */
int is_execname(const struct Node *n);

#endif
