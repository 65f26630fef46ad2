/* Diagnostics: every message carries a source range; printed gcc-style or as JSON. */
#ifndef KTAP_DIAG_H
#define KTAP_DIAG_H

#include <stdarg.h>
#include <stdio.h>

/* A source range. Lines and columns count from 1, columns in bytes; end_col
 * is the last column of the range (inclusive), so an empty range (where a
 * fix-it inserts) has end_col == col - 1. A zero line means "no location"
 * (whole file). */
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

/* The kinds of diagnostic, each with a stable code (diag_codes.h). */
typedef enum {
#define DIAG_CODE(name, code, desc) name,
#include "diag_codes.h"
#undef DIAG_CODE
	DC_COUNT
} DiagCode;

const char *diag_code_name(DiagCode c);
const char *diag_code_description(DiagCode c);

typedef struct Diag Diag;

Diag *diag_new(const Source *src, FILE *out, DiagFormat fmt);
void diag_free(Diag *d);	/* flushes JSON output */

/* Report a message at loc. A note attaches to the previous error/warning.
 * An error or warning identical to one reported before (same message, same
 * range) is dropped, with its notes. After the error limit, one fatal error
 * says so and everything after it is dropped. */
void diag_report(Diag *d, DiagLevel lvl, DiagCode code, Loc loc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diag_vreport(Diag *d, DiagLevel lvl, DiagCode code, Loc loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
#define diag_error(d, code, loc, ...) diag_report((d), DIAG_ERROR, (code), (loc), __VA_ARGS__)
#define diag_warning(d, code, loc, ...) diag_report((d), DIAG_WARNING, (code), (loc), __VA_ARGS__)
#define diag_note(d, loc, ...) diag_report((d), DIAG_NOTE, DC_COUNT, (loc), __VA_ARGS__)

/* A fix-it for the last error or warning: replace `range` with `text` (an
 * empty range inserts). Dropped with its diagnostic when that was a repeat. */
void diag_fixit(Diag *d, Loc range, const char *text);

/* Where the driver's errors go (a bad option, an unreadable script): set
 * before the script is known, the Source may be filled in afterwards. */
void diag_set_format(Diag *d, DiagFormat fmt);

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
/* Columns off..off+n-1 of a range on one line, or its last n columns (a
 * fix-it on part of a token or node); the whole range when it spans lines
 * or is too short. */
Loc loc_sub(Loc l, int off, int n);
Loc loc_tail(Loc l, int n);

#endif
