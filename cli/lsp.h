/* ktapc --lsp: a language server over stdio (docs/editors.md).
 *
 * lsp.c reads and answers JSON-RPC messages; lsp_doc.c keeps the open
 * documents and checks them; lsp_diag.c turns the compiler's JSON
 * diagnostics into LSP's; lsp_text.c converts positions; lsp_complete.c,
 * lsp_hover.c answer questions about a position. */
#ifndef KTAP_LSP_H
#define KTAP_LSP_H

#include <jansson.h>
#include "frontend/ast.h"
#include "frontend/sema.h"

/* A byte range of a document: 1-based lines and byte columns, the end
 * exclusive (the diagnostics contract's form). line 0: no location. */
typedef struct TextRange {
	int line, col, end_line, end_col;
} TextRange;

typedef struct Doc {
	char *uri;
	char *path;		/* the file name diagnostics carry */
	char *text;
	size_t len;
	Source src;
	Node *root;		/* the last check's tree and program */
	Program *prog;		/* NULL after syntax errors */
	json_t *diags;		/* the LSP diagnostics last published */
	json_t *fixes;		/* [[diagnostic index, TextEdit], ...] */
	struct Doc *next;
} Doc;

/* lsp.c: send a notification (steals params). */
void lsp_notify(const char *method, json_t *params);
/* window/logMessage; type 1 error, 2 warning. */
void lsp_log(int type, const char *msg);

/* lsp_doc.c */
Doc *doc_find(const char *uri);
/* Open or replace a document's text and check it; publishes diagnostics. */
void doc_set(const char *uri, const char *text);
void doc_close(const char *uri);
void docs_free(void);

/* lsp_diag.c: the compiler's JSON (the contract's version 1) as LSP
 * diagnostics of doc; each fix-it becomes
 * [index, TextEdit] in *fixes. NULL if the text is not such JSON. */
json_t *lsp_diagnostics(const char *json, const Doc *doc, json_t **fixes);

/* lsp_text.c: positions. LSP counts lines from 0 and characters in UTF-16
 * code units; the compiler from 1 and in bytes. */
json_t *lsp_position(const Doc *doc, int line, int col);
json_t *lsp_range(const Doc *doc, TextRange r);
/* Where the identifier ending at byte cur of line p starts. */
size_t lsp_word_start(const char *p, size_t cur);
int lsp_is_ident(int c);
/* An LSP position as a 1-based line and byte column; 0 if out of range. */
int lsp_to_byte(const Doc *doc, json_t *pos, int *line, int *col);
/* Line `line` (1-based): its start and length, or NULL. */
const char *doc_line(const Doc *doc, int line, size_t *len);

/* lsp_complete.c, lsp_hover.c: the results of the requests. */
json_t *lsp_completion(const Doc *doc, int line, int col);
json_t *lsp_hover(const Doc *doc, int line, int col);
json_t *lsp_definition(const Doc *doc, int line, int col);
json_t *lsp_code_actions(const Doc *doc, json_t *range);

/* lsp_events.c: event names "system:name" from tracefs (NULL-ended, cached;
 * NULL when tracefs cannot be read: said once with lsp_log), and the
 * fields of the events of a trace statement. */
char **lsp_event_names(void);
/* Each field of the handler's events once: its name, its ktap type and C
 * type as `ktap -lv` shows them. Returns a JSON array of
 * {"name", "type", "ctype"}. */
json_t *lsp_event_fields(const Node *trace);

/* The server: reads in, writes out; the exit status. */
int lsp_main(FILE *in, FILE *out);

#endif
