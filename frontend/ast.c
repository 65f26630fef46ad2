/* AST nodes: allocation, freeing, and the debug dump of `ktapc --emit=ast`. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "../common/util.h"

const char *const builtin_names[B_COUNT] = {
	"pid", "tid", "uid", "cpu", "execname", "curtask", "ppid", "probename", "argstr",
	"arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8", "arg9",
};

Node *node_new(NodeKind kind, Loc loc)
{
	Node *n = xcalloc(1, sizeof(Node));
	n->kind = kind;
	n->loc = loc;
	return n;
}

void nodelist_push(NodeList *l, Node *n)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap ? 2 * l->cap : 4) * sizeof(Node *));
	l->v[l->n++] = n;
}

static void list_free(NodeList *l)
{
	for (int i = 0; i < l->n; i++)
		ast_free(l->v[i]);
	free(l->v);
}

void ast_free(Node *n)
{
	if (!n)
		return;
	ast_free(n->a);
	ast_free(n->b);
	ast_free(n->c);
	ast_free(n->body);
	list_free(&n->list);
	list_free(&n->list2);
	free(n->str);
	free(n->cacc);
	free(n);
}

/* For the dump: each kind's name and what its child fields are called
 * (NULL: the field is not used by this kind). */
static const struct {
	const char *name, *a, *b, *c, *body, *list, *list2;
} kinds[] = {
	[N_NIL] = { "nil" },
	[N_TRUE] = { "true" },
	[N_FALSE] = { "false" },
	[N_NUM] = { "num" },
	[N_STR] = { "str" },
	[N_NAME] = { "name" },
	[N_BUILTIN] = { "builtin" },
	[N_INDEX] = { "index", "table", .list = "key" },
	[N_FIELD] = { "field", "prefix" },
	[N_CALL] = { "call", "callee", .list = "arg" },
	[N_BINOP] = { "binop", "lhs", "rhs" },
	[N_UNOP] = { "unop", "operand" },
	[N_TABLE] = { "table", .list = "field" },
	[N_TFIELD] = { "tfield", "key", "value" },
	[N_FUNCTION] = { "function", .body = "body", .list = "param" },
	[N_CREAD] = { "typed-read", "prefix", .list = "index" },
	[N_BLOCK] = { "block" },
	[N_VAR] = { "var", .list = "name", .list2 = "value" },
	[N_FUNCDEF] = { "funcdef", .body = "body", .list = "param" },
	[N_ASSIGN] = { "assign", .list = "target", .list2 = "value" },
	[N_CALLSTAT] = { "callstat", "call" },
	[N_IF] = { "if", "cond", .c = "else", .body = "then" },
	[N_WHILE] = { "while", "cond", .body = "body" },
	[N_FORNUM] = { "fornum", "start", "limit", "step", "body", "var" },
	[N_FORIN] = { "forin", .body = "body", .list = "var", .list2 = "arg" },
	[N_REPEAT] = { "repeat", "cond", .body = "body" },
	[N_DO] = { "do", .body = "body" },
	[N_BREAK] = { "break" },
	[N_RETURN] = { "return", "value" },
	[N_TRACE] = { "trace", "filter", .body = "body", .list = "event" },
	[N_EVENT] = { "event" },
	[N_TRACE_END] = { "trace_end", .body = "body" },
	[N_TICK] = { "tick", "interval", .body = "body" },
	[N_PROFILE] = { "profile", "interval", .body = "body" },
};

static void print_op(FILE *out, int op)
{
	static const char *const names[] = {
		[TK_AND - TK_AND] = "&&", [TK_OR - TK_AND] = "||", [TK_EQ - TK_AND] = "==",
		[TK_NE - TK_AND] = "!=", [TK_LE - TK_AND] = "<=", [TK_GE - TK_AND] = ">=",
		[TK_CONCAT - TK_AND] = "..", [TK_SHL - TK_AND] = "<<", [TK_SHR - TK_AND] = ">>",
		[TK_PLUSEQ - TK_AND] = "+=",
		[TK_AGG - TK_AND] = "<<<",
	};
	if (op >= TK_AND && op <= TK_AGG)
		fprintf(out, " %s", names[op - TK_AND]);
	else
		fprintf(out, " %c", op);
}

static void print_quoted(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (isprint(c))
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fputc('"', out);
}

static void print_node(FILE *out, const Node *n, int depth, const char *role);

static void print_list(FILE *out, const NodeList *l, int depth, const char *role)
{
	for (int i = 0; i < l->n; i++)
		print_node(out, l->v[i], depth, role);
}

static void print_node(FILE *out, const Node *n, int depth, const char *role)
{
	fprintf(out, "%*s", 2 * depth, "");
	if (role)
		fprintf(out, "%s: ", role);
	if (!n) {
		fputs("(null)\n", out);
		return;
	}
	fputs(kinds[n->kind].name, out);
	switch (n->kind) {
	case N_NUM:
		fprintf(out, " %" PRId64, n->num);
		break;
	case N_BUILTIN:
		fprintf(out, " %s", n->num >= 0 && n->num < B_COUNT ? builtin_names[n->num] : "?");
		break;
	case N_BINOP: case N_UNOP: case N_ASSIGN:
		print_op(out, n->op);
		break;
	case N_STR: case N_EVENT: case N_TICK: case N_PROFILE:
		fputc(' ', out);
		print_quoted(out, n->str ? n->str : "", n->str ? (n->kind == N_STR ? n->len : strlen(n->str)) : 0);
		break;
	case N_NAME: case N_FIELD: case N_FUNCDEF: case N_FORIN:
		fprintf(out, " %s", n->str ? n->str : "?");
		break;
	default:
		break;
	}
	fprintf(out, " <%d:%d-%d:%d>\n", n->loc.line, n->loc.col, n->loc.end_line, n->loc.end_col);
	depth++;
	/* loop variables and events read better before the expressions */
	int list_first = n->kind == N_FORNUM || n->kind == N_TRACE;
	if (list_first)
		print_list(out, &n->list, depth, kinds[n->kind].list);
	if (n->a)
		print_node(out, n->a, depth, kinds[n->kind].a);
	if (n->b)
		print_node(out, n->b, depth, kinds[n->kind].b);
	if (n->c && n->kind != N_IF)
		print_node(out, n->c, depth, kinds[n->kind].c);
	if (!list_first)
		print_list(out, &n->list, depth, kinds[n->kind].list);
	print_list(out, &n->list2, depth, kinds[n->kind].list2);
	if (n->body)
		print_node(out, n->body, depth, kinds[n->kind].body);
	if (n->c && n->kind == N_IF)
		print_node(out, n->c, depth, kinds[n->kind].c);
}

void ast_print(FILE *out, const Node *n)
{
	print_node(out, n, 0, NULL);
}
