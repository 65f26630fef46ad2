/* Diagnostics: gcc-style text with the quoted source line and a caret, or
 * one JSON document written when the Diag is freed (so editors and tests can
 * read every message of a run at once; docs/diagnostics.md is the schema). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "../common/util.h"

typedef struct Fixit {
	Loc range;
	char *text;
} Fixit;

typedef struct Entry {
	int lvl;		/* a DiagLevel or DIAG_FATAL */
	DiagCode code;
	Loc loc;
	char *msg;
	struct Entry *notes;
	int nnotes;
	int copies, copy;	/* repeat groups: in how many copies; the last one */
	Fixit *fixits;
	int nfixits;
} Entry;

/* Every error and warning is kept: to drop repeats, and for JSON. */
struct Diag {
	const Source *src;
	FILE *out;
	DiagFormat fmt;
	int errors;
	int limit;		/* errors before stopping; 0: no limit */
	int stopped;		/* the limit was reached: the rest is dropped */
	int muted;		/* the last error/warning was a repeat: so are its notes */
	int held;		/* first entry of the open repeat group, or -1 */
	int copy;		/* the repeat group's copy being checked */
	size_t *lines;		/* offset of each line's start, built on demand */
	int nlines;
	Entry *v;
	int n, cap;
};

/* DIAG_FATAL ends the diagnostics; only diag.c makes one. */
enum { DIAG_FATAL = DIAG_NOTE + 1 };
static const char *const level_names[] = { "error", "warning", "note", "fatal error" };

static const char *const code_names[] = {
#define DIAG_CODE(name, code, desc) code,
#include "diag_codes.h"
#undef DIAG_CODE
};
static const char *const code_descriptions[] = {
#define DIAG_CODE(name, code, desc) desc,
#include "diag_codes.h"
#undef DIAG_CODE
};

const char *diag_code_name(DiagCode c) { return code_names[c]; }
const char *diag_code_description(DiagCode c) { return code_descriptions[c]; }

Diag *diag_new(const Source *src, FILE *out, DiagFormat fmt)
{
	Diag *d = xcalloc(1, sizeof(Diag));
	d->src = src;
	d->out = out;
	d->fmt = fmt;
	d->limit = DIAG_ERROR_LIMIT;
	d->held = -1;
	return d;
}

void diag_set_error_limit(Diag *d, int limit) { d->limit = limit; }
void diag_set_format(Diag *d, DiagFormat fmt) { d->fmt = fmt; }
int diag_errors(const Diag *d) { return d->errors; }
const Source *diag_source(const Diag *d) { return d->src; }

Loc loc_span(Loc a, Loc b)
{
	if (!a.line)
		return b;
	if (!b.line)
		return a;
	Loc r = a;
	if (b.line < a.line || (b.line == a.line && b.col < a.col))
		r.line = b.line, r.col = b.col;
	if (b.end_line > a.end_line || (b.end_line == a.end_line && b.end_col > a.end_col))
		r.end_line = b.end_line, r.end_col = b.end_col;
	return r;
}

Loc loc_sub(Loc l, int off, int n)
{
	if (l.line == l.end_line && off >= 0 && l.col + off + n - 1 <= l.end_col)
		l.col += off, l.end_col = l.col + n - 1;
	return l;
}

Loc loc_tail(Loc l, int n)
{
	return loc_sub(l, l.end_col - l.col + 1 - n, n);
}

/* Line `line` of the source (1-based) as a pointer and a length, or NULL. */
static const char *source_line(Diag *d, int line, size_t *len)
{
	const Source *s = d->src;
	if (!s || !s->text)
		return NULL;
	if (!d->lines) {
		int cap = 64;
		d->lines = xmalloc(cap * sizeof(size_t));
		d->lines[d->nlines++] = 0;
		for (size_t i = 0; i < s->len; i++) {
			if (s->text[i] != '\n')
				continue;
			if (d->nlines == cap)
				d->lines = xrealloc(d->lines, (cap *= 2) * sizeof(size_t));
			d->lines[d->nlines++] = i + 1;
		}
	}
	if (line < 1 || line > d->nlines)
		return NULL;
	size_t start = d->lines[line - 1];
	size_t end = line < d->nlines ? d->lines[line] - 1 : s->len;
	if (end > start && s->text[end - 1] == '\r')
		end--;
	*len = end - start;
	return s->text + start;
}

/* The quoted line and the caret line. Tabs are expanded to 8-column stops
 * in both (as gcc does), so the caret stays under its column. */
static void print_quote(Diag *d, Loc loc)
{
	size_t len;
	const char *p = source_line(d, loc.line, &len);
	if (!p)
		return;
	int width = 4, vcol = 0, lastcol = loc.end_line == loc.line ? loc.end_col : (int)len;
	for (int n = loc.line; n >= 10000; n /= 10)
		width++;
	fprintf(d->out, " %*d | ", width, loc.line);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c == '\t') {
			do fputc(' ', d->out); while (++vcol % 8);
		} else {
			fputc(c < ' ' || c == 127 ? ' ' : c, d->out);
			vcol++;
		}
	}
	fprintf(d->out, "\n %*s | ", width, "");
	vcol = 0;
	for (int col = 1; col <= lastcol || col <= loc.col; col++) {
		int w = 1;
		if ((size_t)col <= len && p[col - 1] == '\t')
			w = 8 - vcol % 8;
		char mark = col < loc.col ? ' ' : col == loc.col ? '^' : '~';
		for (int k = 0; k < w; k++)
			fputc(mark == '^' && k ? '~' : mark, d->out);
		vcol += w;
	}
	fputc('\n', d->out);
}

static void print_text(Diag *d, const Entry *e)
{
	const char *name = d->src && d->src->name ? d->src->name : "<input>";
	if (e->loc.line)
		fprintf(d->out, "%s:%d:%d: %s: %s\n", name, e->loc.line, e->loc.col,
			level_names[e->lvl], e->msg);
	else
		fprintf(d->out, "%s: %s: %s\n", name, level_names[e->lvl], e->msg);
	if (e->loc.line)
		print_quote(d, e->loc);
	fflush(d->out);
}

/* Text is printed as it comes, except in a repeat group. */
static int printing(const Diag *d)
{
	return d->fmt == DIAG_TEXT && d->held < 0;
}

static void add_note(Diag *d, Entry *to, Entry note)
{
	to->notes = xrealloc(to->notes, (to->nnotes + 1) * sizeof(Entry));
	to->notes[to->nnotes++] = note;
	if (printing(d))
		print_text(d, &note);
}

static void add_entry(Diag *d, Entry e)
{
	if (d->n == d->cap)
		d->v = xrealloc(d->v, (d->cap = d->cap ? 2 * d->cap : 16) * sizeof(Entry));
	d->v[d->n++] = e;
	if (printing(d))
		print_text(d, &e);
}

static Entry *find(Diag *d, int lvl, Loc loc, const char *msg)
{
	for (int i = 0; i < d->n; i++) {
		Entry *e = &d->v[i];
		if (e->lvl == lvl && e->loc.line == loc.line && e->loc.col == loc.col &&
		    e->loc.end_line == loc.end_line && e->loc.end_col == loc.end_col &&
		    !strcmp(e->msg, msg))
			return e;
	}
	return NULL;
}

void diag_report(Diag *d, DiagLevel lvl, DiagCode code, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(d, lvl, code, loc, fmt, ap);
	va_end(ap);
}

void diag_vreport(Diag *d, DiagLevel lvl, DiagCode code, Loc loc, const char *fmt, va_list ap)
{
	if (d->stopped)
		return;
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup(fmt);
	Entry e = { .lvl = lvl, .code = code, .loc = loc, .msg = msg, .copies = 1, .copy = d->copy };
	if (lvl == DIAG_NOTE) {	/* without a diagnostic, a note has nothing to add to */
		if (d->muted || !d->n)
			free(msg);
		else
			add_note(d, &d->v[d->n - 1], e);
		return;
	}
	/* The same message at the same place says nothing new: once is enough. */
	Entry *same = find(d, lvl, loc, msg);
	d->muted = same != NULL;
	if (same) {
		if (same->copy != d->copy)
			same->copies++, same->copy = d->copy;
		free(msg);
		return;
	}
	if (lvl == DIAG_ERROR && d->limit && d->errors == d->limit) {
		free(msg);
		e = (Entry){ .lvl = DIAG_FATAL, .code = DC_TOO_MANY_ERRORS,
			     .msg = xstrdup("too many errors emitted, stopping now [-ferror-limit=]") };
		d->stopped = 1;
	}
	if (e.lvl != DIAG_WARNING && e.lvl != DIAG_NOTE)
		d->errors++;
	add_entry(d, e);
}

void diag_fixit(Diag *d, Loc range, const char *text)
{
	if (d->stopped || d->muted || !d->n || !range.line)
		return;
	Entry *e = &d->v[d->n - 1];
	e->fixits = xrealloc(e->fixits, (e->nfixits + 1) * sizeof(Fixit));
	e->fixits[e->nfixits++] = (Fixit){ range, xstrdup(text) };
}

void diag_repeat_begin(Diag *d)
{
	d->held = d->n;
	d->copy++;
}

void diag_repeat_next(Diag *d)
{
	d->copy++;
}

void diag_repeat_end(Diag *d, int copies, Loc at, const char *what)
{
	int from = d->held;
	d->held = -1;
	for (int i = from; i < d->n; i++) {
		Entry *e = &d->v[i];
		if (copies > 1 && e->lvl != DIAG_FATAL) {
			char *msg = e->copies == copies ? xasprintf("in %d %s", copies, what)
							: xasprintf("in %d of %d %s", e->copies, copies, what);
			e->notes = xrealloc(e->notes, (e->nnotes + 1) * sizeof(Entry));
			e->notes[e->nnotes++] = (Entry){ .lvl = DIAG_NOTE, .loc = at, .msg = msg };
		}
		if (d->fmt == DIAG_TEXT) {
			print_text(d, e);
			for (int j = 0; j < e->nnotes; j++)
				print_text(d, &e->notes[j]);
		}
	}
}

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD. */
static void json_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else if (c < 0x80)
			fputc(c, out);
		else {
			size_t len = utf8_len(p + i, n - i);
			if (!len)
				fputs("\\ufffd", out);
			else
				fwrite(p + i, 1, len, out), i += len - 1;
		}
	}
	fputc('"', out);
}

/* The display column (code points, tab stops of 8) of byte column col. */
static int display_col(Diag *d, int line, int col)
{
	size_t len;
	const char *p = source_line(d, line, &len);
	if (!p)
		return col;
	int vcol = 0;
	for (size_t i = 0; i + 1 < (size_t)col; i++) {
		unsigned char c = i < len ? p[i] : ' ';
		if (c == '\t')
			vcol = (vcol / 8 + 1) * 8;
		else if ((c & 0xc0) != 0x80)	/* not a UTF-8 continuation byte */
			vcol++;
	}
	return vcol + 1;
}

static void json_pos(Diag *d, int line, int col)
{
	fprintf(d->out, "{\"line\": %d, \"column\": %d, \"display_column\": %d}", line, col,
		display_col(d, line, col));
}

/* sep, then "range" with the end exclusive, as editors count; nothing
 * without a location. */
static void json_range(Diag *d, const char *sep, Loc loc)
{
	if (!loc.line)
		return;
	fprintf(d->out, "%s\"range\": {\"start\": ", sep);
	json_pos(d, loc.line, loc.col);
	fputs(", \"end\": ", d->out);
	json_pos(d, loc.end_line ? loc.end_line : loc.line, loc.end_line ? loc.end_col + 1 : loc.col);
	fputc('}', d->out);
}

static void json_file(Diag *d)
{
	fputs(", \"file\": ", d->out);
	json_str(d->out, d->src && d->src->name ? d->src->name : "<input>");
}

static void json_entry(Diag *d, const Entry *e)
{
	fprintf(d->out, "{\"code\": \"%s\", \"severity\": \"%s\", \"message\": ",
		diag_code_name(e->code), e->lvl == DIAG_WARNING ? "warning" : "error");
	json_str(d->out, e->msg);
	json_file(d);
	json_range(d, ", ", e->loc);
	fputs(", \"notes\": [", d->out);
	for (int i = 0; i < e->nnotes; i++) {
		fputs(i ? ", {\"message\": " : "{\"message\": ", d->out);
		json_str(d->out, e->notes[i].msg);
		json_file(d);
		json_range(d, ", ", e->notes[i].loc);
		fputc('}', d->out);
	}
	fputs("], \"fixits\": [", d->out);
	for (int i = 0; i < e->nfixits; i++) {
		fputs(i ? ", {" : "{", d->out);
		json_range(d, "", e->fixits[i].range);
		fputs(", \"replacement\": ", d->out);
		json_str(d->out, e->fixits[i].text);
		fputc('}', d->out);
	}
	fputs("]}", d->out);
}

void diag_free(Diag *d)
{
	if (!d)
		return;
	if (d->fmt == DIAG_JSON) {
		fputs("{\"version\": 1, \"diagnostics\": [", d->out);
		for (int i = 0; i < d->n; i++) {
			fputs(i ? ",\n " : "\n ", d->out);
			json_entry(d, &d->v[i]);
		}
		fputs("]}\n", d->out);
		fflush(d->out);
	}
	for (int i = 0; i < d->n; i++) {
		for (int j = 0; j < d->v[i].nnotes; j++)
			free(d->v[i].notes[j].msg);
		for (int j = 0; j < d->v[i].nfixits; j++)
			free(d->v[i].fixits[j].text);
		free(d->v[i].fixits);
		free(d->v[i].notes);
		free(d->v[i].msg);
	}
	free(d->v);
	free(d->lines);
	free(d);
}
