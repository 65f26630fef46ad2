/* Hover, definition and code actions: questions about one place. */
#include <stdlib.h>
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"
#include "frontend/builtin_docs.h"
#include "frontend/index.h"

/* The word at the cursor: [*from, *to) as 0-based byte offsets in the line;
 * and the word before it when a '.' joins them ("args", "timer"). */
static char *word_at(const char *p, size_t len, size_t cur, size_t *from, size_t *to, char **prefix)
{
	size_t a = lsp_word_start(p, cur), b = cur;
	while (b < len && lsp_is_ident(p[b]))
		b++;
	if (a == b)
		return NULL;
	*from = a, *to = b;
	*prefix = NULL;
	if (a > 0 && p[a - 1] == '.') {
		size_t m = lsp_word_start(p, a - 1);
		*prefix = xstrndup(p + m, a - 1 - m);
	}
	return xstrndup(p + a, b - a);
}

static json_t *field_hover(const Doc *doc, int line, int col, const char *name)
{
	json_t *fields = lsp_event_fields(index_trace_at(doc->root, line, col)), *f, *md = NULL;
	size_t i;
	json_array_foreach(fields, i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));
		if (strcmp(n, name))
			continue;
		char *s = xasprintf("```ktap\nargs.%s: %s\n```\nC type: `%s`", n,
				    json_string_value(json_object_get(f, "type")),
				    json_string_value(json_object_get(f, "ctype")));
		md = json_string(s);
		free(s);
		break;
	}
	json_decref(fields);
	return md;
}

static json_t *builtin_hover(const char *prefix, const char *word)
{
	char *name = prefix ? xasprintf("%s.%s", prefix, word) : xstrdup(word);
	const BuiltinDoc *b = builtin_doc(name);
	free(name);
	if (!b)
		return NULL;
	char *s = xasprintf("```ktap\n%s\n```\n%s", b->signature, b->doc);
	json_t *md = json_string(s);
	free(s);
	return md;
}

/* A script's own name: how sema typed it. */
static json_t *symbol_hover(const Doc *doc, int line, int col)
{
	Node *n = index_node_at(doc->root, line, col);
	if (!n || n->kind != N_NAME || !n->sym)
		return NULL;
	const Symbol *sym = n->sym;
	char *s = xasprintf("```ktap\n%s %s: %s\n```", sym->kind == SYM_FUNC ? "function" : "var",
			    sym->name, type_name(sym->type));
	json_t *md = json_string(s);
	free(s);
	return md;
}

json_t *lsp_hover(const Doc *doc, int line, int col)
{
	size_t len, from, to;
	char *prefix;
	const char *p = doc_line(doc, line, &len);
	char *word = p ? word_at(p, len, col - 1, &from, &to, &prefix) : NULL;
	if (!word)
		return NULL;
	json_t *md;
	if (prefix && !strcmp(prefix, "args"))
		md = field_hover(doc, line, col, word);
	else
		md = builtin_hover(prefix, word);
	if (!md && !prefix)
		md = symbol_hover(doc, line, col);
	free(word);
	free(prefix);
	if (!md)
		return NULL;
	TextRange r = { line, from + 1, line, to + 1 };
	return json_pack("{s:{s:s, s:o}, s:o}", "contents", "kind", "markdown", "value", md, "range",
			 lsp_range(doc, r));
}

json_t *lsp_definition(const Doc *doc, int line, int col)
{
	Loc def;
	if (!doc->root || !index_definition(doc->root, line, col, &def))
		return NULL;
	TextRange r = { def.line, def.col, def.end_line, def.end_col + 1 };
	return json_pack("{s:s, s:o}", "uri", doc->uri, "range", lsp_range(doc, r));
}

/* LSP positions in order: a before b. */
static int pos_before(json_t *a, json_t *b)
{
	json_int_t al = json_integer_value(json_object_get(a, "line"));
	json_int_t bl = json_integer_value(json_object_get(b, "line"));
	return al < bl || (al == bl && json_integer_value(json_object_get(a, "character")) <
					   json_integer_value(json_object_get(b, "character")));
}

static int overlaps(json_t *r, json_t *s)
{
	return !pos_before(json_object_get(r, "end"), json_object_get(s, "start")) &&
	       !pos_before(json_object_get(s, "end"), json_object_get(r, "start"));
}

/* One quick fix per fix-it of a diagnostic that touches the range. */
json_t *lsp_code_actions(const Doc *doc, json_t *range)
{
	json_t *actions = json_array(), *fix;
	size_t i;
	json_array_foreach(doc->fixes, i, fix) {
		json_t *diag = json_array_get(doc->diags, json_integer_value(json_array_get(fix, 0)));
		json_t *edit = json_array_get(fix, 1);
		if (!diag || !overlaps(json_object_get(diag, "range"), range))
			continue;
		const char *text = json_string_value(json_object_get(edit, "newText"));
		char *title = *text ? xasprintf("Replace with '%s'", text) : xstrdup("Remove");
		json_t *changes = json_object();
		json_object_set_new(changes, doc->uri, json_pack("[O]", edit));
		json_array_append_new(actions, json_pack("{s:s, s:s, s:[O], s:b, s:{s:o}}", "title", title,
							 "kind", "quickfix", "diagnostics", diag,
							 "isPreferred", 1, "edit", "changes", changes));
		free(title);
	}
	return actions;
}
