/* The one adapter from the compiler's JSON diagnostics (the contract's
 * version 1, docs/diagnostics.md: exclusive ends, codes, fix-its) to LSP's.
 * Each entry becomes an Entry, then one LSP Diagnostic. */
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"

typedef struct Entry {
	const char *severity;	/* version 1's notes have none */
	const char *message, *file, *code;
	TextRange r;
	json_t *notes, *fixits;
} Entry;

/* Version 1's range: {"start": {"line", "column"}, "end": {...}}. */
static TextRange v1_range(json_t *range)
{
	TextRange r = { 0 };
	if (json_unpack(range, "{s:{s:i, s:i}, s:{s:i, s:i}}", "start", "line", &r.line, "column", &r.col,
			"end", "line", &r.end_line, "column", &r.end_col))
		return (TextRange){ 0 };
	return r;
}

/* A diagnostic or a note; 0 if it is neither. */
static int read_entry(json_t *j, Entry *e)
{
	*e = (Entry){ .file = "" };
	if (json_unpack(j, "{s?s, s:s, s?s, s?s, s?o, s?o}", "severity", &e->severity, "message",
			&e->message, "file", &e->file, "code", &e->code, "notes", &e->notes, "fixits",
			&e->fixits))
		return 0;
	e->r = v1_range(json_object_get(j, "range"));
	return 1;
}

/* Notes in this document are related information; a note elsewhere or
 * without a place is added to the message, which every client shows. */
static json_t *diagnostic(const Doc *doc, const Entry *e)
{
	json_t *related = json_array();
	char *msg = xstrdup(e->message);
	size_t i;
	json_t *nj;
	json_array_foreach(e->notes, i, nj) {
		Entry n;
		if (!read_entry(nj, &n))
			continue;
		if (n.r.line && !strcmp(n.file, doc->path)) {
			json_array_append_new(related, json_pack("{s:{s:s, s:o}, s:s}", "location", "uri",
								 doc->uri, "range", lsp_range(doc, n.r),
								 "message", n.message));
		} else {
			char *m = xasprintf("%s\nnote: %s", msg, n.message);
			free(msg);
			msg = m;
		}
	}
	int sev = e->severity && !strcmp(e->severity, "warning") ? 2 : 1;
	json_t *d = json_pack("{s:o, s:i, s:s, s:s}", "range", lsp_range(doc, e->r), "severity", sev,
			      "source", "ktapc", "message", msg);
	free(msg);
	if (e->code)
		json_object_set_new(d, "code", json_string(e->code));
	if (json_array_size(related))
		json_object_set(d, "relatedInformation", related);
	json_decref(related);
	return d;
}

static void add_fixits(const Doc *doc, const Entry *e, int index, json_t *fixes)
{
	size_t i;
	json_t *f;
	const char *text;
	json_array_foreach(e->fixits, i, f) {
		if (json_unpack(f, "{s:s}", "replacement", &text))
			continue;
		TextRange r = v1_range(json_object_get(f, "range"));
		if (r.line)
			json_array_append_new(fixes, json_pack("[i, {s:o, s:s}]", index, "range",
							       lsp_range(doc, r), "newText", text));
	}
}

json_t *lsp_diagnostics(const char *json, const Doc *doc, json_t **fixes)
{
	json_t *root = json_loads(json ? json : "", 0, NULL), *list = NULL;
	if (json_unpack(root, "{s:i, s:o}", "version", &(int){ 0 }, "diagnostics", &list))
		list = NULL;
	if (!json_is_array(list)) {
		json_decref(root);
		return NULL;
	}
	json_t *out = json_array();
	*fixes = json_array();
	size_t i;
	json_t *j;
	json_array_foreach(list, i, j) {
		Entry e;
		if (!read_entry(j, &e))
			continue;
		add_fixits(doc, &e, json_array_size(out), *fixes);
		json_array_append_new(out, diagnostic(doc, &e));
	}
	json_decref(root);
	return out;
}
