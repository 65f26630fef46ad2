/* The language server's view of a tree (see index.h): one walk that visits
 * every node, and small questions asked of it. */
#include <stdlib.h>
#include <string.h>
#include "index.h"
#include "sema.h"
#include "common/util.h"

typedef void (*Visit)(Node *n, void *arg);

static void walk(Node *n, Visit fn, void *arg)
{
	if (!n)
		return;
	fn(n, arg);
	walk(n->a, fn, arg);
	walk(n->b, fn, arg);
	walk(n->c, fn, arg);
	walk(n->body, fn, arg);
	for (int i = 0; i < n->list.n; i++)
		walk(n->list.v[i], fn, arg);
	for (int i = 0; i < n->list2.n; i++)
		walk(n->list2.v[i], fn, arg);
}

static int before(int l1, int c1, int l2, int c2)
{
	return l1 < l2 || (l1 == l2 && c1 < c2);
}

/* The end column is inclusive; a cursor just after a name (where an
 * editor puts it when the name was just typed) still names it. */
static int holds(Loc loc, int line, int col)
{
	return loc.line && !before(line, col, loc.line, loc.col) &&
	       !before(loc.end_line, loc.end_col + 1, line, col);
}

typedef struct Names {
	IndexName *v;
	int n, cap;
} Names;

static void add_name(Names *ns, Node *decl, Loc loc, const char *name, IndexKind kind)
{
	if (!name)
		return;
	if (ns->n == ns->cap)
		ns->v = xrealloc(ns->v, (ns->cap = ns->cap ? 2 * ns->cap : 16) * sizeof *ns->v);
	ns->v[ns->n++] = (IndexName){ name, loc, kind, decl };
}

static void add_list(Names *ns, NodeList *l, IndexKind kind)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i] && l->v[i]->kind == N_NAME)
			add_name(ns, l->v[i], l->v[i]->loc, l->v[i]->str, kind);
}

static void collect(Node *n, void *arg)
{
	Names *ns = arg;
	switch (n->kind) {
	case N_VAR: case N_FORNUM: case N_FORIN:
		add_list(ns, &n->list, IDX_VAR);
		break;
	case N_FUNCDEF:
		add_name(ns, n, n->loc, n->str, IDX_FUNC);
		add_list(ns, &n->list, IDX_PARAM);
		break;
	case N_FUNCTION:
		add_list(ns, &n->list, IDX_PARAM);
		break;
	default:
		break;
	}
}

int index_names(Node *root, IndexName **out)
{
	Names ns = { 0 };
	walk(root, collect, &ns);
	*out = ns.v;
	return ns.n;
}

typedef struct At {
	int line, col;
	NodeKind only;		/* N_BLOCK: any kind */
	Node *found;
} At;

/* Children are visited after their parent: the last hit is the innermost. */
static void find_at(Node *n, void *arg)
{
	At *at = arg;
	if ((at->only == N_BLOCK || n->kind == at->only) && holds(n->loc, at->line, at->col))
		at->found = n;
}

Node *index_node_at(Node *root, int line, int col)
{
	At at = { line, col, N_BLOCK, NULL };
	walk(root, find_at, &at);
	return at.found;
}

Node *index_trace_at(Node *root, int line, int col)
{
	At at = { line, col, N_TRACE, NULL };
	walk(root, find_at, &at);
	return at.found;
}

/* Without sema: the last declaration of the name before the use, or the
 * first one after it (a function called above its definition). */
static int declared(Node *root, const char *name, int line, int col, Loc *def)
{
	IndexName *v;
	int n = index_names(root, &v), found = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i].name, name))
			continue;
		if (!found || before(v[i].loc.line, v[i].loc.col, line, col))
			*def = v[i].loc;
		found = 1;
	}
	free(v);
	return found;
}

int index_definition(Node *root, int line, int col, Loc *def)
{
	Node *n = index_node_at(root, line, col);
	if (!n)
		return 0;
	if (n->kind == N_FUNCDEF) {	/* on its own header */
		*def = n->loc;
		return 1;
	}
	if (n->kind != N_NAME || !n->str)
		return 0;
	if (n->sym) {	/* the predeclared `arg` has no declaration */
		*def = n->sym->loc;
		return def->line != 0;
	}
	return declared(root, n->str, line, col, def);
}
