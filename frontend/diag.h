/* Diagnostics: every message carries a source range; printed gcc-style or as JSON. */
#ifndef KTAP_DIAG_H
#define KTAP_DIAG_H

#include <stdio.h>

/* A source range. Lines and columns count from 1; end_col is the last column
 * of the range (inclusive). A zero line means "no location" (whole file). */
typedef struct Loc {
	int line, col, end_line, end_col;
} Loc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef enum { DIAG_TEXT, DIAG_JSON } DiagFormat;

/* One source file being compiled: its name and text, for quoting lines. */
typedef struct Source {
	const char *name;
	const char *text;
	size_t len;
} Source;

typedef struct Diag Diag;

Diag *diag_new(const Source *src, FILE *out, DiagFormat fmt);
void diag_free(Diag *d);	/* flushes JSON output */

/* Report a message at loc. A note attaches to the previous error/warning.
 * An error or warning identical to one reported before (same message, same
 * range) is dropped, with its notes. After the error limit, one fatal error
 * says so and everything after it is dropped. */
void diag_report(Diag *d, DiagLevel lvl, Loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define diag_error(d, loc, ...) diag_report((d), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warning(d, loc, ...) diag_report((d), DIAG_WARNING, (loc), __VA_ARGS__)
#define diag_note(d, loc, ...) diag_report((d), DIAG_NOTE, (loc), __VA_ARGS__)

/* Errors before "too many errors"; 0: no limit. Default DIAG_ERROR_LIMIT
 * (clang's -ferror-limit convention). */
enum { DIAG_ERROR_LIMIT = 20 };
void diag_set_error_limit(Diag *d, int limit);

/* One piece of code checked in several copies (a trace handler's body,
 * lowered once per event): diagnostics are held from diag_repeat_begin
 * until diag_repeat_end, diag_repeat_next starts the next copy. At the
 * end, with several copies, each message gets a note at `at`: "in N WHAT"
 * (every copy) or "in K of N WHAT". Groups do not nest. */
void diag_repeat_begin(Diag *d);
void diag_repeat_next(Diag *d);
void diag_repeat_end(Diag *d, int copies, Loc at, const char *what);

/* Errors reported (repeats once), the fatal one included. */
int diag_errors(const Diag *d);
const Source *diag_source(const Diag *d);

/* The smallest range covering a and b. */
Loc loc_span(Loc a, Loc b);

#endif
