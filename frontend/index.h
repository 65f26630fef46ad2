/* An index over a parsed tree, for the language server: the names a script
 * declares, the node and the trace handler at a position, and where a name
 * used at a position is declared. It reads what sema filled in (N_NAME.sym)
 * when sema ran, and the declarations as written when it did not (a script
 * with syntax errors is checked no further). */
#ifndef KTAP_INDEX_H
#define KTAP_INDEX_H

#include "ast.h"

typedef enum { IDX_VAR, IDX_PARAM, IDX_FUNC } IndexKind;

typedef struct IndexName {
	const char *name;
	Loc loc;		/* the declaring name (a function: its whole definition) */
	IndexKind kind;
	Node *decl;		/* the N_NAME or N_FUNCDEF */
} IndexName;

/* Every declaration in source order (var, function, parameters, loop
 * variables); *out is malloc'd. Returns the count. */
int index_names(Node *root, IndexName **out);

/* The innermost node whose range holds line:col (1-based byte column). */
Node *index_node_at(Node *root, int line, int col);

/* The trace statement whose range holds line:col, or NULL. */
Node *index_trace_at(Node *root, int line, int col);

/* Where the name at line:col is declared: 1 and *def, or 0 when there is no
 * name there or it is not the script's (a built-in, undeclared). */
int index_definition(Node *root, int line, int col, Loc *def);

#endif
