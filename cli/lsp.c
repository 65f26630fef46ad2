/* The language server's message loop: Content-Length framed JSON-RPC on
 * stdin/stdout, parsed and written with jansson. Nothing a client sends can
 * crash it: a bad frame or bad JSON is answered with the JSON-RPC error and
 * the loop goes on; only end of input or `exit` stops it. */
#include <stdlib.h>
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"

enum {	/* JSON-RPC and LSP error codes */
	PARSE_ERROR = -32700, INVALID_REQUEST = -32600, METHOD_NOT_FOUND = -32601,
	INVALID_PARAMS = -32602, NOT_INITIALIZED = -32002,
};
enum { MAX_FRAME = 64 << 20 };

static FILE *out;
static int initialized, shut_down;

static void send(json_t *msg)
{
	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	char *s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!s)
		return;
	fprintf(out, "Content-Length: %zu\r\n\r\n%s", strlen(s), s);
	fflush(out);
	free(s);
}

void lsp_notify(const char *method, json_t *params)
{
	send(json_pack("{s:s, s:o}", "method", method, "params", params));
}

void lsp_log(int type, const char *msg)
{
	lsp_notify("window/logMessage", json_pack("{s:i, s:s}", "type", type, "message", msg));
}

static void reply(json_t *id, json_t *result)
{
	send(json_pack("{s:O, s:o}", "id", id, "result", result ? result : json_null()));
}

static void reply_error(json_t *id, int code, const char *msg)
{
	send(json_pack("{s:O, s:{s:i, s:s}}", "id", id ? id : json_null(), "error", "code", code,
		       "message", msg));
}

static json_t *capabilities(void)
{
	return json_pack("{s:{s:{s:b, s:i}, s:{s:[s, s, s]}, s:b, s:b, s:b}, s:{s:s}}",
			 "capabilities",
			 "textDocumentSync", "openClose", 1, "change", 1,
			 "completionProvider", "triggerCharacters", ".", ":", "\"",
			 "hoverProvider", 1, "definitionProvider", 1, "codeActionProvider", 1,
			 "serverInfo", "name", "ktapc");
}

/* A request on a position: the document and the 1-based byte position. */
static const Doc *at(json_t *params, int *line, int *col)
{
	const char *uri;
	json_t *pos;
	if (json_unpack(params, "{s:{s:s}, s:o}", "textDocument", "uri", &uri, "position", &pos))
		return NULL;
	const Doc *doc = doc_find(uri);
	return doc && lsp_to_byte(doc, pos, line, col) ? doc : NULL;
}

typedef json_t *(*PosFn)(const Doc *doc, int line, int col);

static const struct { const char *method; PosFn fn; } position_requests[] = {
	{ "textDocument/completion", lsp_completion },
	{ "textDocument/hover", lsp_hover },
	{ "textDocument/definition", lsp_definition },
};

typedef struct Error {
	int code;
	const char *msg;
} Error;

static json_t *fail(Error *e, int code, const char *msg)
{
	e->code = code;
	e->msg = msg;
	return NULL;
}

/* A request's result (NULL for null), or NULL with e->code set. */
static json_t *request(const char *method, json_t *params, Error *e)
{
	if (!strcmp(method, "initialize")) {
		initialized = 1;
		return capabilities();
	}
	if (!initialized)
		return fail(e, NOT_INITIALIZED, "the server is not initialized");
	if (shut_down)
		return fail(e, INVALID_REQUEST, "the server is shut down");
	if (!strcmp(method, "shutdown")) {
		shut_down = 1;
		return NULL;
	}
	for (size_t i = 0; i < sizeof position_requests / sizeof *position_requests; i++) {
		if (strcmp(method, position_requests[i].method))
			continue;
		int line, col;
		const Doc *doc = at(params, &line, &col);
		if (!doc)
			return fail(e, INVALID_PARAMS, "no open document at that position");
		return position_requests[i].fn(doc, line, col);
	}
	if (!strcmp(method, "textDocument/codeAction")) {
		const char *uri;
		json_t *range;
		const Doc *doc;
		if (json_unpack(params, "{s:{s:s}, s:o}", "textDocument", "uri", &uri, "range", &range) ||
		    !(doc = doc_find(uri)))
			return fail(e, INVALID_PARAMS, "no open document");
		return lsp_code_actions(doc, range);
	}
	return fail(e, METHOD_NOT_FOUND, "unknown method");
}

/* didChange: the server asks for whole documents (sync kind 1), so the
 * last change holds the text. */
static void notification(const char *method, json_t *params)
{
	const char *uri, *text;
	json_t *changes;
	if (!initialized || shut_down)
		return;
	if (!strcmp(method, "textDocument/didOpen") &&
	    !json_unpack(params, "{s:{s:s, s:s}}", "textDocument", "uri", &uri, "text", &text))
		doc_set(uri, text);
	else if (!strcmp(method, "textDocument/didChange") &&
		 !json_unpack(params, "{s:{s:s}, s:o}", "textDocument", "uri", &uri, "contentChanges", &changes) &&
		 json_array_size(changes) &&
		 !json_unpack(json_array_get(changes, json_array_size(changes) - 1), "{s:s}", "text", &text))
		doc_set(uri, text);
	else if (!strcmp(method, "textDocument/didClose") &&
		 !json_unpack(params, "{s:{s:s}}", "textDocument", "uri", &uri))
		doc_close(uri);
}

/* One message; returns 1 on `exit`. */
static int handle(const char *body, size_t len)
{
	json_error_t err;
	json_t *msg = json_loadb(body, len, 0, &err);
	if (!msg) {
		reply_error(NULL, PARSE_ERROR, err.text);
		return 0;
	}
	const char *method = NULL;
	json_t *id = json_object_get(msg, "id");
	json_t *params = json_object_get(msg, "params");
	json_unpack(msg, "{s?s}", "method", &method);
	int stop = 0;
	if (!json_is_object(msg) || !method)
		reply_error(id, INVALID_REQUEST, "not a JSON-RPC request or notification");
	else if (!strcmp(method, "exit"))
		stop = 1;
	else if (id && !json_is_string(id) && !json_is_integer(id))
		reply_error(NULL, INVALID_REQUEST, "an id is a number or a string");
	else if (id) {
		Error e = { 0 };
		json_t *result = request(method, params ? params : json_null(), &e);
		if (e.code)
			reply_error(id, e.code, e.msg);
		else
			reply(id, result);
	} else {
		notification(method, params ? params : json_null());
	}
	json_decref(msg);
	return stop;
}

/* The headers of one frame: its Content-Length, -1 at end of input, -2 for
 * a frame without one (its body cannot be found: the headers are skipped). */
static long read_headers(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	long len = -2;
	ssize_t n;
	int any = 0;
	while ((n = getline(&line, &cap, in)) > 0) {
		any = 1;
		if (!strcmp(line, "\r\n") || !strcmp(line, "\n"))
			break;
		if (!strncasecmp(line, "Content-Length:", 15)) {
			char *end;
			long v = strtol(line + 15, &end, 10);
			len = end != line + 15 && v >= 0 && v <= MAX_FRAME ? v : -2;
		}
	}
	free(line);
	return n <= 0 && (!any || len < 0) ? -1 : len;
}

int lsp_main(FILE *in, FILE *o)
{
	out = o;
	int stop = 0;
	while (!stop) {
		long len = read_headers(in);
		if (len == -1)
			break;
		if (len == -2) {
			reply_error(NULL, PARSE_ERROR, "a frame without a valid Content-Length");
			continue;
		}
		char *body = xmalloc(len + 1);
		size_t got = fread(body, 1, len, in);
		if (got == (size_t)len)
			stop = handle(body, len);
		free(body);
		if (got != (size_t)len)
			break;
	}
	docs_free();
	return shut_down ? 0 : 1;
}
