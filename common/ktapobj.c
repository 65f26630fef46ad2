/* ktap's own sections: a KtapMeta as arrays of fixed-size little-endian
 * records that refer to each other by index and to strings by offset.
 * The reader trusts nothing: every size, count, index, offset and kind is
 * checked before use. Byte layout: docs/object-format.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ktapobj.h"
#include "util.h"

#define NONE 0xffffffffu	/* the string offset that stands for NULL */

/* The sections; the header counts the records of S_FORMATS and after. */
enum { S_META, S_STR, S_FORMATS, S_ARGS, S_HANDLERS, S_TABLES, S_UFUNCS, S_CODE,
       S_RELOCS, S_LINES, S_N };

static const char *const sec_names[S_N] = {
	".ktap.meta", ".ktap.str", ".ktap.formats", ".ktap.args", ".ktap.handlers",
	".ktap.tables", ".ktap.ufuncs", ".ktap.code", ".ktap.relocs", ".ktap.lines",
};

/* Bytes per record (S_META: the header; S_STR: bytes). */
static const uint32_t rec_size[S_N] = { 52, 1, 24, 16, 32, 24, 36, 8, 12, 12 };

static const uint8_t magic[4] = { 'K', 'T', 'A', 'P' };

/* Writing */

typedef struct Out {
	Buf s[S_N];
	uint32_t count[S_N];
} Out;

static void put32(Buf *b, uint32_t v)
{
	uint8_t p[4] = { v, v >> 8, v >> 16, v >> 24 };
	buf_add(b, p, 4);
}

static void put64(Buf *b, uint64_t v)
{
	put32(b, v);
	put32(b, v >> 32);
}

static void putstr(Out *o, Buf *b, const char *s)
{
	put32(b, s ? buf_addstr(&o->s[S_STR], s) : NONE);
}

/* One record of section s starts. */
static Buf *rec(Out *o, int s)
{
	o->count[s]++;
	return &o->s[s];
}

static void put_arg(Out *o, const KtapArg *a)
{
	Buf *b = rec(o, S_ARGS);
	put32(b, a->kind);
	put32(b, a->off);
	put32(b, a->size);
	putstr(o, b, a->fmt);
}

static void put_format(Out *o, const KtapFormat *f)
{
	Buf *b = rec(o, S_FORMATS);
	put32(b, f->kind);
	putstr(o, b, f->fmt);
	put32(b, f->nargs);
	put32(b, o->count[S_ARGS]);
	put32(b, f->size);
	put32(b, f->line);
	for (uint32_t i = 0; i < f->nargs; i++)
		put_arg(o, &f->args[i]);
}

static void put_handler(Out *o, const KtapHandler *h)
{
	Buf *b = rec(o, S_HANDLERS);
	put32(b, h->kind);
	put32(b, h->group);
	putstr(o, b, h->prog);
	putstr(o, b, h->target);
	put64(b, h->interval_ns);
	put32(b, h->line);
	put32(b, h->ref_ctr);
}

static void put_table(Out *o, const KtapTable *t)
{
	uint32_t nkeys = t->nkeys < 8 ? t->nkeys : 8;
	Buf *b = rec(o, S_TABLES);
	putstr(o, b, t->map);
	putstr(o, b, t->name);
	put32(b, t->line);
	put32(b, nkeys);
	put32(b, t->drops_off);
	put32(b, o->count[S_ARGS]);
	for (uint32_t i = 0; i < nkeys; i++)
		put_arg(o, &t->keys[i]);
	put_arg(o, &t->value);
}

static void put_ufunc(Out *o, const KtapUFunc *u)
{
	Buf *b = rec(o, S_UFUNCS);
	putstr(o, b, u->name);
	put32(b, u->nparams);
	put32(b, u->stack_size);
	put32(b, o->count[S_CODE]);
	put32(b, u->ninsns);
	put32(b, o->count[S_RELOCS]);
	put32(b, u->nrelocs);
	put32(b, o->count[S_LINES]);
	put32(b, u->nlines);
	for (uint32_t i = 0; i < u->ninsns; i++)
		put64(rec(o, S_CODE), u->insns[i]);
	for (uint32_t i = 0; i < u->nrelocs; i++) {
		b = rec(o, S_RELOCS);
		put32(b, u->relocs[i].insn);
		put32(b, u->relocs[i].kind);
		putstr(o, b, u->relocs[i].target);
	}
	for (uint32_t i = 0; i < u->nlines; i++) {
		b = rec(o, S_LINES);
		put32(b, u->lines[i].insn);
		put32(b, u->lines[i].line);
		put32(b, u->lines[i].col);
	}
}

void ktapobj_write(const KtapMeta *m, KtapSection **out, int *n)
{
	Out o = {0};
	buf_add(&o.s[S_STR], "", 1);
	for (uint32_t i = 0; i < m->nformats; i++)
		put_format(&o, &m->formats[i]);
	for (uint32_t i = 0; i < m->nhandlers; i++)
		put_handler(&o, &m->handlers[i]);
	for (uint32_t i = 0; i < m->ntables; i++)
		put_table(&o, &m->tables[i]);
	for (uint32_t i = 0; i < m->nufuncs; i++)
		put_ufunc(&o, &m->ufuncs[i]);
	Buf *h = &o.s[S_META];
	buf_add(h, magic, 4);
	put32(h, KTAP_OBJ_VERSION);
	putstr(&o, h, m->source_name);
	putstr(&o, h, m->main_func);
	put32(h, m->strlen);
	for (int s = S_FORMATS; s < S_N; s++)
		put32(h, o.count[s]);
	*out = xcalloc(S_N, sizeof(**out));
	for (int s = 0; s < S_N; s++)
		(*out)[s] = (KtapSection){ sec_names[s], o.s[s].p, o.s[s].len };
	*n = S_N;
}

/* Reading */

typedef struct In {
	const uint8_t *p[S_N];
	size_t size[S_N];
	uint32_t count[S_N];
	uint32_t next[S_N];	/* the record the next range must start at */
	const char **err;
} In;

static char errbuf[128];

static int fail(In *in, int s, const char *what)
{
	snprintf(errbuf, sizeof(errbuf), "section %s: %s", sec_names[s], what);
	*in->err = errbuf;
	return -1;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Field f (a 4-byte index) of record i of section s. */
static uint32_t field(In *in, int s, uint32_t i, int f)
{
	return get32(in->p[s] + (size_t)i * rec_size[s] + 4 * f);
}

static int getstr(In *in, int s, uint32_t off, int required, char **out)
{
	if (off == NONE && !required)
		return 0;
	if (off == NONE)
		return fail(in, s, "a required string is missing");
	if (off >= in->size[S_STR])
		return fail(in, s, "string offset outside .ktap.str");
	*out = xstrdup((const char *)in->p[S_STR] + off);
	return 0;
}

/* n records of section s from first are all there, right after the
 * previous range (as the writer puts them): no two records share a
 * range, so what is read is bounded by the sections' sizes. */
static int range(In *in, int s, int from, uint32_t first, uint32_t n)
{
	if ((uint64_t)first + n > in->count[s])
		return fail(in, from, "index out of range");
	if (first != in->next[s])
		return fail(in, from, "ranges overlap or leave a gap");
	in->next[s] = first + n;
	return 0;
}

static int get_arg(In *in, int from, uint32_t i, KtapArg *a)
{
	a->kind = field(in, S_ARGS, i, 0);
	a->off = field(in, S_ARGS, i, 1);
	a->size = field(in, S_ARGS, i, 2);
	uint32_t k = from == S_FORMATS ? a->kind & ~(uint32_t)V_MAYBE_NIL : a->kind;
	if (k > V_ARRAY || (k == V_ARGSTR && (from != S_FORMATS || k != a->kind)) ||
	    (k == V_AGG && from != S_TABLES))
		return fail(in, from, "bad value kind");
	uint32_t fmt = field(in, S_ARGS, i, 3);
	if ((k == V_TIME || k == V_ARRAY) != (fmt != NONE))
		return fail(in, from, "a time or an array needs a format, other values none");
	return getstr(in, from, fmt, 0, &a->fmt);
}

static int get_format(In *in, uint32_t i, KtapFormat *f)
{
	f->kind = field(in, S_FORMATS, i, 0);
	if (f->kind > FMT_PRINTF)
		return fail(in, S_FORMATS, "bad format kind");
	if (getstr(in, S_FORMATS, field(in, S_FORMATS, i, 1), 0, &f->fmt) < 0)
		return -1;
	uint32_t n = field(in, S_FORMATS, i, 2), first = field(in, S_FORMATS, i, 3);
	f->size = field(in, S_FORMATS, i, 4);
	f->line = field(in, S_FORMATS, i, 5);
	if (range(in, S_ARGS, S_FORMATS, first, n) < 0)
		return -1;
	f->args = xcalloc(n + 1, sizeof(*f->args));
	f->nargs = n;
	for (uint32_t j = 0; j < n; j++) {
		if (get_arg(in, S_FORMATS, first + j, &f->args[j]) < 0)
			return -1;
		if ((uint64_t)f->args[j].off + f->args[j].size > f->size)
			return fail(in, S_FORMATS, "argument outside the record");
	}
	return 0;
}

static int get_handler(In *in, uint32_t i, KtapHandler *h)
{
	const uint8_t *p = in->p[S_HANDLERS] + (size_t)i * rec_size[S_HANDLERS];
	h->kind = get32(p);
	if (h->kind > H_KRETPROBE_MULTI)
		return fail(in, S_HANDLERS, "bad handler kind");
	h->group = get32(p + 4);
	h->interval_ns = get64(p + 16);
	h->line = get32(p + 24);
	h->ref_ctr = get32(p + 28);
	if (h->ref_ctr && h->kind != H_UPROBE && h->kind != H_URETPROBE)
		return fail(in, S_HANDLERS, "semaphore on a handler that is no uprobe");
	/* attach.c and the run name the program or function, and split the target */
	if (getstr(in, S_HANDLERS, get32(p + 8), 1, &h->prog) < 0 ||
	    getstr(in, S_HANDLERS, get32(p + 12), h->kind == H_TRACEPOINT || h->kind >= H_RAW_TRACEPOINT,
		   &h->target) < 0)
		return -1;
	return 0;
}

static int get_table(In *in, uint32_t i, KtapTable *t)
{
	if (getstr(in, S_TABLES, field(in, S_TABLES, i, 0), 1, &t->map) < 0 ||
	    getstr(in, S_TABLES, field(in, S_TABLES, i, 1), 0, &t->name) < 0)
		return -1;
	t->line = field(in, S_TABLES, i, 2);
	uint32_t nkeys = field(in, S_TABLES, i, 3), first = field(in, S_TABLES, i, 5);
	t->drops_off = field(in, S_TABLES, i, 4);
	if (nkeys > 8)
		return fail(in, S_TABLES, "more than 8 keys");
	if (range(in, S_ARGS, S_TABLES, first, nkeys + 1) < 0)
		return -1;
	t->nkeys = nkeys;
	for (uint32_t j = 0; j < nkeys; j++)
		if (get_arg(in, S_TABLES, first + j, &t->keys[j]) < 0)
			return -1;
	return get_arg(in, S_TABLES, first + nkeys, &t->value);
}

static void get_code(In *in, KtapUFunc *u, uint32_t first)
{
	u->insns = xcalloc(u->ninsns + 1, sizeof(*u->insns));
	for (uint32_t j = 0; j < u->ninsns; j++)
		u->insns[j] = get64(in->p[S_CODE] + (size_t)(first + j) * 8);
}

static int get_relocs(In *in, KtapUFunc *u, uint32_t first, uint32_t n)
{
	u->relocs = xcalloc(n + 1, sizeof(*u->relocs));
	for (uint32_t j = 0; j < n; j++, u->nrelocs++) {
		KtapURel *r = &u->relocs[j];
		r->insn = field(in, S_RELOCS, first + j, 0);
		r->kind = field(in, S_RELOCS, first + j, 1);
		if (r->insn >= u->ninsns)
			return fail(in, S_RELOCS, "instruction out of range");
		if (r->kind > UREL_CALL)
			return fail(in, S_RELOCS, "bad relocation kind");
		if (getstr(in, S_RELOCS, field(in, S_RELOCS, first + j, 2), 1, &r->target) < 0)
			return -1;
	}
	return 0;
}

static int get_ufunc(In *in, uint32_t i, KtapUFunc *u)
{
	uint32_t f[9];
	for (int k = 0; k < 9; k++)
		f[k] = field(in, S_UFUNCS, i, k);
	if (getstr(in, S_UFUNCS, f[0], 1, &u->name) < 0 ||
	    range(in, S_CODE, S_UFUNCS, f[3], f[4]) < 0 ||
	    range(in, S_RELOCS, S_UFUNCS, f[5], f[6]) < 0 ||
	    range(in, S_LINES, S_UFUNCS, f[7], f[8]) < 0)
		return -1;
	u->nparams = f[1];
	u->stack_size = f[2];
	u->ninsns = f[4];
	get_code(in, u, f[3]);
	if (get_relocs(in, u, f[5], f[6]) < 0)
		return -1;
	u->lines = xcalloc(f[8] + 1, sizeof(*u->lines));
	u->nlines = f[8];
	for (uint32_t j = 0; j < f[8]; j++) {
		KtapULine *l = &u->lines[j];
		l->insn = field(in, S_LINES, f[7] + j, 0);
		l->line = field(in, S_LINES, f[7] + j, 1);
		l->col = field(in, S_LINES, f[7] + j, 2);
		if (l->insn >= u->ninsns)
			return fail(in, S_LINES, "instruction out of range");
	}
	return 0;
}

/* The sections are there, of the version and the sizes the header says. */
static int get_sections(In *in, const KtapSection *secs, int n)
{
	for (int i = 0; i < n; i++)
		for (int s = 0; s < S_N; s++)
			if (secs[i].name && !strcmp(secs[i].name, sec_names[s])) {
				in->p[s] = secs[i].data;
				in->size[s] = secs[i].data ? secs[i].size : 0;
			}
	const uint8_t *h = in->p[S_META];
	if (!h)
		return fail(in, S_META, "missing");
	if (in->size[S_META] != rec_size[S_META] || memcmp(h, magic, 4))
		return fail(in, S_META, "not a ktap header");
	if (get32(h + 4) != KTAP_OBJ_VERSION)
		return fail(in, S_META, "made for another version of ktap");
	if (!in->size[S_STR] || in->p[S_STR][in->size[S_STR] - 1])
		return fail(in, S_STR, "missing or not NUL-terminated");
	for (int s = S_FORMATS; s < S_N; s++) {
		in->count[s] = get32(h + 20 + 4 * (s - S_FORMATS));
		if ((uint64_t)in->count[s] * rec_size[s] != in->size[s])
			return fail(in, s, in->size[s] ? "size does not match the header" : "missing");
	}
	return 0;
}

static int get_meta(In *in, KtapMeta *m)
{
	const uint8_t *h = in->p[S_META];
	if (getstr(in, S_META, get32(h + 8), 0, &m->source_name) < 0 ||
	    getstr(in, S_META, get32(h + 12), 0, &m->main_func) < 0)
		return -1;
	m->strlen = get32(h + 16);
	/* the arrays hold at most one entry per record, so their sizes are bounded by the data */
	m->formats = xcalloc(in->count[S_FORMATS] + 1, sizeof(*m->formats));
	m->handlers = xcalloc(in->count[S_HANDLERS] + 1, sizeof(*m->handlers));
	m->tables = xcalloc(in->count[S_TABLES] + 1, sizeof(*m->tables));
	m->ufuncs = xcalloc(in->count[S_UFUNCS] + 1, sizeof(*m->ufuncs));
	m->nformats = in->count[S_FORMATS];
	m->nhandlers = in->count[S_HANDLERS];
	m->ntables = in->count[S_TABLES];
	m->nufuncs = in->count[S_UFUNCS];
	for (uint32_t i = 0; i < m->nformats; i++)
		if (get_format(in, i, &m->formats[i]) < 0)
			return -1;
	for (uint32_t i = 0; i < m->nhandlers; i++)
		if (get_handler(in, i, &m->handlers[i]) < 0)
			return -1;
	for (uint32_t i = 0; i < m->ntables; i++)
		if (get_table(in, i, &m->tables[i]) < 0)
			return -1;
	for (uint32_t i = 0; i < m->nufuncs; i++)
		if (get_ufunc(in, i, &m->ufuncs[i]) < 0)
			return -1;
	return 0;
}

int ktapobj_read(KtapMeta *m, const KtapSection *secs, int n, const char **err)
{
	In in = { .err = err };
	memset(m, 0, sizeof(*m));
	if (get_sections(&in, secs, n) < 0 || get_meta(&in, m) < 0) {
		ktapobj_free(m);
		return -1;
	}
	return 0;
}

static void free_ufunc(KtapUFunc *u)
{
	free(u->name);
	free(u->insns);
	for (uint32_t i = 0; i < u->nrelocs; i++)
		free(u->relocs[i].target);
	free(u->relocs);
	free(u->lines);
}

void ktapobj_free(KtapMeta *m)
{
	free(m->source_name);
	free(m->main_func);
	for (uint32_t i = 0; i < m->nformats; i++) {
		free(m->formats[i].fmt);
		for (uint32_t j = 0; j < m->formats[i].nargs; j++)
			free(m->formats[i].args[j].fmt);
		free(m->formats[i].args);
	}
	free(m->formats);
	for (uint32_t i = 0; i < m->nhandlers; i++) {
		free(m->handlers[i].prog);
		free(m->handlers[i].target);
	}
	free(m->handlers);
	for (uint32_t i = 0; i < m->ntables; i++) {
		free(m->tables[i].map);
		free(m->tables[i].name);
		for (uint32_t j = 0; j < m->tables[i].nkeys && j < 8; j++)
			free(m->tables[i].keys[j].fmt);
		free(m->tables[i].value.fmt);
	}
	free(m->tables);
	for (uint32_t i = 0; i < m->nufuncs; i++)
		free_ufunc(&m->ufuncs[i]);
	free(m->ufuncs);
	memset(m, 0, sizeof(*m));
}
