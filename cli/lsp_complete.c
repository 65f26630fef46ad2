/* Completion: what may be written at the cursor, from the text before it
 * on its line: an event spec after `trace`, a field after `args.`, a
 * module's function after `timer.` (and the like), else every name: the
 * keywords, the built-ins and the script's own declarations. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"
#include "frontend/builtin_docs.h"
#include "frontend/index.h"

enum { K_FUNCTION = 3, K_FIELD = 5, K_VARIABLE = 6, K_MODULE = 9, K_KEYWORD = 14, K_EVENT = 23 };

static const char *const keywords[] = {
	"trace", "trace_end", "tick", "profile", "var", "function", "if", "elseif", "else", "while",
	"for", "in", "repeat", "until", "do", "end", "break", "return", "true", "false", "nil",
};
static const char *const modules[] = { "ansi", "ffi", "kdebug", "table", "timer" };

static void item(json_t *items, const char *label, int kind, const char *detail, const char *doc)
{
	json_t *it = json_pack("{s:s, s:i}", "label", label, "kind", kind);
	if (detail)
		json_object_set_new(it, "detail", json_string(detail));
	if (doc)
		json_object_set_new(it, "documentation", json_string(doc));
	json_array_append_new(items, it);
}

static void builtin_items(json_t *items, const char *module)
{
	size_t n = module ? strlen(module) : 0;
	const BuiltinDoc *b;
	for (int i = 0; (b = builtin_doc_at(i)); i++) {
		const char *dot = strchr(b->name, '.');
		if (module ? dot && dot - b->name == (long)n && !strncmp(b->name, module, n) : !dot)
			item(items, module ? dot + 1 : b->name, b->is_var ? K_VARIABLE : K_FUNCTION,
			     b->signature, b->doc);
	}
}

/* The script's names, each once (the first declaration). */
static void script_items(json_t *items, const Doc *doc)
{
	IndexName *v;
	int n = index_names(doc->root, &v);
	for (int i = 0; i < n; i++) {
		int seen = 0;
		for (int k = 0; k < i; k++)
			seen |= !strcmp(v[k].name, v[i].name);
		if (seen)
			continue;
		const Symbol *s = v[i].decl->sym;
		const char *detail = v[i].kind == IDX_FUNC ? "function" : s ? type_name(s->type) : "variable";
		item(items, v[i].name, v[i].kind == IDX_FUNC ? K_FUNCTION : K_VARIABLE, detail, NULL);
	}
	free(v);
}

static json_t *everything(const Doc *doc)
{
	json_t *items = json_array();
	for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
		item(items, keywords[i], K_KEYWORD, NULL, NULL);
	builtin_items(items, NULL);
	for (size_t i = 0; i < sizeof modules / sizeof *modules; i++)
		item(items, modules[i], K_MODULE, NULL, NULL);
	if (doc->root)
		script_items(items, doc);
	return items;
}

static json_t *field_items(const Doc *doc, int line, int col)
{
	json_t *items = json_array(), *fields = lsp_event_fields(index_trace_at(doc->root, line, col));
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f)
		item(items, json_string_value(json_object_get(f, "name")), K_FIELD,
		     json_string_value(json_object_get(f, "type")),
		     json_string_value(json_object_get(f, "ctype")));
	json_decref(fields);
	return items;
}

/* Where an event spec being typed starts on the line, or -1: after the
 * word `trace` (and any specs and commas), or in kdebug.tracepoint("...". */
static long spec_start(const char *p, size_t cur)
{
	size_t start = cur;
	while (start > 0 && !isspace((unsigned char)p[start - 1]) && p[start - 1] != ',' &&
	       p[start - 1] != '"' && p[start - 1] != '{')
		start--;
	if (start > 0 && p[start - 1] == '"')
		return start >= 12 && !strncmp(p + start - 12, "tracepoint(\"", 12) ? (long)start : -1;
	for (size_t i = start; i > 0; i--) {
		char c = p[i - 1];
		if (c == '{' || c == '/' || c == '"')
			return -1;
		if (i >= 5 && i < start && isspace((unsigned char)p[i]) && !strncmp(p + i - 5, "trace", 5) &&
		    (i == 5 || !lsp_is_ident(p[i - 6])))
			return start;
	}
	return -1;
}

/* The events whose names start with what is typed (a machine has
 * thousands): an incomplete list, which the client asks for again as the
 * spec grows. */
static json_t *event_items(const Doc *doc, const char *typed, int line, int from, int to)
{
	json_t *items = json_array();
	char **names = lsp_event_names();
	TextRange r = { line, from, line, to };
	size_t n = to - from;
	for (int i = 0; names && names[i]; i++)
		if (!strncmp(names[i], typed, n))
			json_array_append_new(items, json_pack("{s:s, s:i, s:{s:o, s:s}}", "label", names[i],
							       "kind", K_EVENT, "textEdit", "range",
							       lsp_range(doc, r), "newText", names[i]));
	return json_pack("{s:b, s:o}", "isIncomplete", 1, "items", items);
}

json_t *lsp_completion(const Doc *doc, int line, int col)
{
	size_t len;
	const char *p = doc_line(doc, line, &len);
	size_t cur = (size_t)col - 1 < len ? (size_t)col - 1 : len;
	long spec = spec_start(p, cur);
	if (spec >= 0)
		return event_items(doc, p + spec, line, spec + 1, cur + 1);
	size_t w = lsp_word_start(p, cur);
	if (w == 0 || p[w - 1] != '.')
		return everything(doc);
	size_t m = lsp_word_start(p, w - 1);
	char *prefix = xstrndup(p + m, w - 1 - m);
	json_t *items = json_array();
	if (!strcmp(prefix, "args")) {
		json_decref(items);
		items = field_items(doc, line, col);
	} else {
		builtin_items(items, prefix);
	}
	free(prefix);
	return items;
}
