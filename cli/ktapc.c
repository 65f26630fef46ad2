/* ktapc: the ktap compiler's command line. This first version reads a
 * script, parses it and reports diagnostics; --emit=ast dumps the tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frontend/ast.h"
#include "frontend/sema.h"
#include "common/util.h"

typedef enum { EMIT_NONE, EMIT_AST } Emit;

typedef struct Options {
	const char *file;	/* script path, or NULL with -e */
	const char *text;	/* -e TEXT */
	Emit emit;
	int syntax_only;
	DiagFormat diag_format;
} Options;

static void usage(FILE *out)
{
	fputs("usage: ktapc [options] FILE.kp\n"
	      "       ktapc [options] -e 'SCRIPT'\n"
	      "options:\n"
	      "  -e SCRIPT                   compile SCRIPT instead of a file\n"
	      "  --emit=ast                  print the syntax tree\n"
	      "  -fsyntax-only               check the syntax only\n"
	      "  --diagnostics-format=FMT    text (default) or json\n"
	      "  -h, --help                  print this help\n", out);
}

/* 0 on success; otherwise the exit status. */
static int parse_args(int argc, char **argv, Options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "-e")) {
			if (++i == argc) {
				fputs("ktapc: error: '-e' needs a script\n", stderr);
				return 1;
			}
			o->text = argv[i];
		} else if (!strcmp(a, "--emit=ast")) {
			o->emit = EMIT_AST;
		} else if (!strcmp(a, "-fsyntax-only")) {
			o->syntax_only = 1;
		} else if (!strcmp(a, "--diagnostics-format=text")) {
			o->diag_format = DIAG_TEXT;
		} else if (!strcmp(a, "--diagnostics-format=json")) {
			o->diag_format = DIAG_JSON;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "ktapc: error: unknown option '%s' (see ktapc --help)\n", a);
			return 1;
		} else if (o->file) {
			fprintf(stderr, "ktapc: error: more than one script given ('%s' and '%s')\n", o->file, a);
			return 1;
		} else {
			o->file = a;
		}
	}
	if (!o->file == !o->text) {
		fputs(o->file ? "ktapc: error: give either a file or -e, not both\n"
			      : "ktapc: error: no script given (see ktapc --help)\n", stderr);
		return 1;
	}
	return 0;
}

/* The whole file, or NULL with errno set. "-" is standard input. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	Buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	int err = ferror(f) ? errno : 0;
	if (f != stdin)
		fclose(f);
	if (err) {
		buf_free(&b);
		errno = err;
		return NULL;
	}
	buf_add(&b, "", 1);
	*len = b.len - 1;
	return (char *)b.p;
}

int main(int argc, char **argv)
{
	Options o = { 0 };
	int status = parse_args(argc, argv, &o);
	if (status)
		return status;

	Source src = { .name = o.file ? o.file : "<command line>" };
	char *text = NULL;
	if (o.file) {
		text = read_file(o.file, &src.len);
		if (!text) {
			fprintf(stderr, "ktapc: error: cannot read '%s': %s\n", o.file, strerror(errno));
			return 1;
		}
		src.text = text;
	} else {
		src.text = o.text;
		src.len = strlen(o.text);
	}

	Diag *d = diag_new(&src, stderr, o.diag_format);
	Node *root = parse_source(&src, d);
	if (root && o.emit == EMIT_AST)
		ast_print(stdout, root);
	if (root)
		program_free(sema_check(root, d, &(SemaOptions){ 0 }));
	status = diag_errors(d) ? 1 : 0;
	ast_free(root);
	diag_free(d);
	free(text);
	return status;
}
