/* ktapc: the ktap compiler's command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/compile.h"
#include "cli/lsp.h"
#include "common/events.h"
#include "common/outfile.h"
#include "common/util.h"
#include "ir/ir.h"

typedef struct Options {
	const char *file;	/* script path, or NULL with -e */
	const char *text;	/* -e TEXT */
	const char *events;	/* --events FILE: a snapshot instead of tracefs */
	const char *save_events;	/* --save-events FILE: write one, compile nothing */
	int lsp;		/* --lsp: be a language server on stdio */
	Diag *d;		/* the driver's errors too: one JSON document */
	long error_limit;
	CompileOptions c;
} Options;

static void usage(FILE *out)
{
	fputs("usage: ktapc [options] FILE.kp\n"
	      "       ktapc [options] -e 'SCRIPT'\n"
	      "Compile a ktap script to an eBPF object file that libbpf and bpftool load.\n"
	      "options:\n"
	      "  -o FILE                     write the output to FILE ('-': standard output);\n"
	      "                              default: FILE.o beside the script, out.o with -e,\n"
	      "                              standard output for -S and --emit\n"
	      "  -e SCRIPT                   compile SCRIPT instead of a file\n"
	      "  -S                          print BPF assembly with the script's lines\n"
	      "  --emit=ast|ir|asm|obj       what to produce (asm is -S; obj is the default)\n"
	      "  --after=PASS                with --emit=ir: the IR after the first run of PASS\n"
	      "                              (lower, the passes in order, order; docs/ir.md)\n"
	      "  -fsyntax-only               check the script only; where tracefs cannot be\n"
	      "                              read (not root), events are not checked: a warning\n"
	      "  --events FILE               read the events (tracepoints and their fields)\n"
	      "                              from a snapshot made by --save-events, not tracefs\n"
	      "  --save-events FILE          write a snapshot of this machine's events to FILE\n"
	      "                              (as root) and exit: for checks without root\n"
	      "  --strlen N                  bytes in a string buffer (default 64, multiple of 8)\n"
	      "  --table-size N              default table capacity (default 2048)\n"
	      "  --unsafe-limits             lift the safe limits on sampling rates and table\n"
	      "                              memory (docs/limits.md)\n"
	      "  -ferror-limit=N             stop after N errors (default 20; 0: no limit)\n"
	      "  --diagnostics-format=FMT    text (default) or json\n"
	      "  --lsp                       be a language server on standard input and output\n"
	      "                              (docs/editors.md)\n"
	      "  -h, --help                  print this help\n", out);
}

static int number_arg(Diag *d, int argc, char **argv, int *i, long lo, long hi, long *v)
{
	char *end;
	if (++*i == argc) {
		diag_error(d, DC_DRIVER_ARGUMENT, (Loc){0}, "'%s' needs a number", argv[*i - 1]);
		return 1;
	}
	errno = 0;
	*v = strtol(argv[*i], &end, 0);
	if (errno || *end || *v < lo || *v > hi) {
		diag_error(d, DC_DRIVER_ARGUMENT, (Loc){0}, "'%s %s': expected a number from %ld to %ld",
			   argv[*i - 1], argv[*i], lo, hi);
		return 1;
	}
	return 0;
}

static int error_limit(Diag *d, const char *s, long *v)
{
	char *end;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < 0 || *v > 1000000) {
		diag_error(d, DC_DRIVER_ARGUMENT, (Loc){0}, "'-ferror-limit=%s': expected a number from 0 to 1000000", s);
		return 1;
	}
	return 0;
}

static int emit_kind(Diag *d, const char *s, EmitKind *k)
{
	static const char *const names[] = { [EMIT_OBJ] = "obj", [EMIT_AST] = "ast", [EMIT_IR] = "ir",
					     [EMIT_ASM] = "asm" };
	for (int i = 0; i <= EMIT_ASM; i++)
		if (!strcmp(s, names[i])) {
			*k = i;
			return 0;
		}
	diag_error(d, DC_DRIVER_ARGUMENT, (Loc){0}, "unknown --emit kind '%s' (ast, ir, asm or obj)", s);
	return 1;
}

/* 0 on success; otherwise the exit status. */
static int parse_args(int argc, char **argv, Options *o)
{
	long v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "-e") || !strcmp(a, "-o") || !strcmp(a, "--events") ||
			   !strcmp(a, "--save-events")) {
			if (++i == argc) {
				diag_error(o->d, DC_DRIVER_ARGUMENT, (Loc){0}, "'%s' needs an argument", a);
				return 1;
			}
			*(!strcmp(a, "-e") ? &o->text : !strcmp(a, "-o") ? &o->c.output :
			  !strcmp(a, "--events") ? &o->events : &o->save_events) = argv[i];
		} else if (!strcmp(a, "-S")) {
			o->c.emit = EMIT_ASM;
		} else if (!strncmp(a, "--emit=", 7)) {
			if (emit_kind(o->d, a + 7, &o->c.emit))
				return 1;
		} else if (!strncmp(a, "--after=", 8)) {
			if (!ir_pass_known(a + 8)) {
				diag_error(o->d, DC_DRIVER_ARGUMENT, (Loc){0}, "unknown pass '%s' (%s)",
					   a + 8, ir_pass_names());
				return 1;
			}
			o->c.after = a + 8;
		} else if (!strcmp(a, "-fsyntax-only")) {
			o->c.emit = EMIT_NONE;
		} else if (!strcmp(a, "--strlen")) {
			if (number_arg(o->d, argc, argv, &i, 8, 4096, &v))
				return 1;
			o->c.strlen = (v + 7) & ~7;
		} else if (!strcmp(a, "--table-size")) {
			if (number_arg(o->d, argc, argv, &i, 1, 1 << 28, &v))
				return 1;
			o->c.table_size = v;
		} else if (!strcmp(a, "--unsafe-limits")) {
			o->c.unsafe_limits = 1;
		} else if (!strncmp(a, "-ferror-limit=", 14)) {
			if (error_limit(o->d, a + 14, &o->error_limit))
				return 1;
		} else if (!strcmp(a, "--diagnostics-format=text")) {
			diag_set_format(o->d, DIAG_TEXT);
		} else if (!strcmp(a, "--diagnostics-format=json")) {
			diag_set_format(o->d, DIAG_JSON);
		} else if (!strcmp(a, "--lsp")) {
			o->lsp = 1;
		} else if (a[0] == '-' && a[1]) {
			diag_error(o->d, DC_DRIVER_OPTION, (Loc){0}, "unknown option '%s' (see ktapc --help)", a);
			return 1;
		} else if (o->file) {
			diag_error(o->d, DC_DRIVER_USAGE, (Loc){0}, "more than one script given ('%s' and '%s')",
				   o->file, a);
			return 1;
		} else {
			o->file = a;
		}
	}
	if (o->c.after && o->c.emit != EMIT_IR) {
		diag_error(o->d, DC_DRIVER_USAGE, (Loc){0}, "--after shows the IR: it needs --emit=ir");
		return 1;
	}
	if (o->save_events && (o->file || o->text)) {
		diag_error(o->d, DC_DRIVER_USAGE, (Loc){0}, "--save-events writes a snapshot and compiles "
			   "nothing: give it no script");
		return 1;
	}
	if (o->lsp && (o->file || o->text)) {
		diag_error(o->d, DC_DRIVER_USAGE, (Loc){0}, "--lsp reads its documents from the client, "
			   "not a script");
		return 1;
	}
	if (!o->save_events && !o->lsp && !o->file == !o->text) {
		diag_error(o->d, DC_DRIVER_USAGE, (Loc){0}, "%s", o->file ? "give either a file or -e, not both"
							: "no script given (see ktapc --help)");
		return 1;
	}
	return 0;
}

/* script.kp -> script.o */
static char *default_output(const char *file)
{
	if (!file)
		return xstrdup("out.o");
	size_t n = strlen(file);
	if (n > 3 && !strcmp(file + n - 3, ".kp"))
		n -= 3;
	return xasprintf("%.*s.o", (int)n, file);
}

/* A tree, IR or assembly (-S, --emit) is made in memory and then written
 * like an object: a file only after a clean compile, so that an error
 * leaves the old one as it was; standard output also gets the tree of a
 * script with syntax errors. */
static int compile_text(const Source *src, Options *o, Diag *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out) {
		fputs("ktapc: out of memory\n", stderr);
		exit(2);
	}
	int status = compile_source(src, &o->c, d, out);
	fclose(out);
	const char *path = o->c.output ? o->c.output : "-";
	if ((!status || !strcmp(path, "-")) && o->c.emit != EMIT_NONE &&
	    outfile_write(path, text, len) < 0) {
		diag_error(d, DC_DRIVER_WRITE, (Loc){0}, "cannot write '%s': %s", path, strerror(errno));
		status = 1;
	}
	free(text);
	return status;
}

/* --save-events: one line says how many events went where. */
static int save_events(Diag *d, const char *path)
{
	const char *why;
	int n = events_save_snapshot(path, &why);
	if (n < 0) {
		diag_error(d, DC_DRIVER_WRITE, (Loc){0}, "%s", why);
		return 1;
	}
	fprintf(stderr, "ktapc: saved %d events to '%s'\n", n, path);
	return 0;
}

/* Until the script is read, the diagnostics are the driver's, named after
 * it as text errors are ("ktapc: error: ..."). */
int main(int argc, char **argv)
{
	Source src = { .name = "ktapc" };
	Options o = { .d = diag_new(&src, stderr, DIAG_TEXT), .error_limit = DIAG_ERROR_LIMIT };
	Diag *d = o.d;
	char *text = NULL, *deflt = NULL;
	int status = parse_args(argc, argv, &o);
	if (status)
		goto out;
	const char *why;
	if (o.events && events_use_snapshot(o.events, &why) < 0) {
		diag_error(d, DC_DRIVER_READ, (Loc){0}, "%s", why);
		status = 1;
		goto out;
	}
	if (o.save_events || o.lsp) {
		status = o.lsp ? lsp_main(stdin, stdout) : save_events(d, o.save_events);
		goto out;
	}
	if (o.file) {
		text = read_whole_file(o.file, &src.len);
		if (!text) {
			diag_error(d, DC_DRIVER_READ, (Loc){0}, "cannot read '%s': %s", o.file, strerror(errno));
			status = 1;
			goto out;
		}
		src.text = text;
	} else {
		src.text = o.text;
		src.len = strlen(o.text);
	}
	src.name = o.file ? o.file : "<command line>";

	diag_set_error_limit(d, o.error_limit);
	if (o.c.emit != EMIT_OBJ) {
		status = compile_text(&src, &o, d);
	} else {
		if (!o.c.output)
			o.c.output = deflt = default_output(o.file);
		status = compile_source(&src, &o.c, d, stdout);
	}
out:
	diag_free(d);
	free(deflt);
	free(text);
	return status;
}
