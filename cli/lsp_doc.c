/* The open documents, each checked on every change as `ktapc
 * -fsyntax-only` checks a file: parse, then sema when there were no syntax
 * errors. The diagnostics are captured as the compiler's JSON in memory and
 * read back through the one adapter (lsp_diag.c); the tree and program are
 * kept for completion, hover and definition. */
#include <stdlib.h>
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"

static Doc *docs;

Doc *doc_find(const char *uri)
{
	for (Doc *d = docs; d; d = d->next)
		if (!strcmp(d->uri, uri))
			return d;
	return NULL;
}

/* file:///a/b%20c.kp -> /a/b c.kp; another scheme's URI stays as it is. */
static char *uri_path(const char *uri)
{
	if (strncmp(uri, "file://", 7))
		return xstrdup(uri);
	char *p = xstrdup(uri + 7), *w = p;
	for (const char *r = p; *r; r++) {
		unsigned hex;
		if (r[0] == '%' && r[1] && r[2] && sscanf(r + 1, "%2x", &hex) == 1)
			*w++ = hex, r += 2;
		else
			*w++ = *r;
	}
	*w = 0;
	return p;
}

static void forget_check(Doc *doc)
{
	program_free(doc->prog);
	ast_free(doc->root);
	json_decref(doc->diags);
	json_decref(doc->fixes);
	doc->prog = NULL;
	doc->root = NULL;
	doc->diags = doc->fixes = NULL;
}

static void check(Doc *doc)
{
	char *json = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&json, &len);
	if (!mem)
		return;
	Diag *d = diag_new(&doc->src, mem, DIAG_JSON);
	doc->root = parse_source(&doc->src, d);
	if (doc->root && !diag_errors(d)) {
		/* a check, as -fsyntax-only: unreadable events are a warning */
		SemaOptions so = { SEMA_STRLEN, SEMA_TABLE_SIZE, 0, 1 };
		doc->prog = sema_check(doc->root, d, &so);
	}
	diag_free(d);
	fclose(mem);
	doc->diags = lsp_diagnostics(json, doc, &doc->fixes);
	free(json);
	if (!doc->diags) {
		lsp_log(1, "ktapc: the compiler's diagnostics could not be read");
		doc->diags = json_array();
		doc->fixes = json_array();
	}
}

void doc_set(const char *uri, const char *text)
{
	Doc *doc = doc_find(uri);
	if (!doc) {
		doc = xcalloc(1, sizeof *doc);
		doc->uri = xstrdup(uri);
		doc->path = uri_path(uri);
		doc->next = docs;
		docs = doc;
	}
	forget_check(doc);
	free(doc->text);
	doc->text = xstrdup(text);
	doc->len = strlen(text);
	doc->src = (Source){ doc->path, doc->text, doc->len };
	check(doc);
	lsp_notify("textDocument/publishDiagnostics",
		   json_pack("{s:s, s:O}", "uri", doc->uri, "diagnostics", doc->diags));
}

static void doc_free(Doc *doc)
{
	forget_check(doc);
	free(doc->uri);
	free(doc->path);
	free(doc->text);
	free(doc);
}

/* Its diagnostics are cleared, as the spec asks of a server that checks
 * only open documents. */
void doc_close(const char *uri)
{
	for (Doc **p = &docs; *p; p = &(*p)->next) {
		if (strcmp((*p)->uri, uri))
			continue;
		Doc *doc = *p;
		*p = doc->next;
		lsp_notify("textDocument/publishDiagnostics", json_pack("{s:s, s:[]}", "uri", uri, "diagnostics"));
		doc_free(doc);
		return;
	}
}

void docs_free(void)
{
	while (docs) {
		Doc *d = docs;
		docs = d->next;
		doc_free(d);
	}
}
