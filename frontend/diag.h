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

/* Report a message at loc. A note attaches to the previous error/warning. */
void diag_report(Diag *d, DiagLevel lvl, Loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define diag_error(d, loc, ...) diag_report((d), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warning(d, loc, ...) diag_report((d), DIAG_WARNING, (loc), __VA_ARGS__)
#define diag_note(d, loc, ...) diag_report((d), DIAG_NOTE, (loc), __VA_ARGS__)

int diag_errors(const Diag *d);
const Source *diag_source(const Diag *d);

/* The smallest range covering a and b. */
Loc loc_span(Loc a, Loc b);

#endif
