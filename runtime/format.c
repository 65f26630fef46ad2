/* Printing values: print's TAB-separated values, printf's conversions
 * (parsed by the compiler's own format parser, so both agree on what a
 * format means), one conversion at a time through the C library. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "common/format.h"
#include "json.h"

int64_t rt_num_at(const KtapArg *a, const uint8_t *base)
{
	int64_t v = 0;
	memcpy(&v, base + a->off, a->size < 8 ? a->size : 8);
	return v;
}

void rt_print_value(Rt *rt, FILE *out, const KtapArg *a, const uint8_t *base)
{
	switch (a->kind) {
	case V_STR:
		fwrite(base + a->off, 1, strnlen((const char *)base + a->off, a->size), out);
		break;
	case V_BOOL:
		fputs(rt_num_at(a, base) ? "true" : "false", out);
		break;
	case V_NIL:
		fputs("nil", out);
		break;
	case V_ARGSTR: {
		char *s = rt_argstr(rt, base + a->off, a->size);
		fputs(s, out);
		free(s);
		break;
	}
	case V_STACK:
		rt_print_stack(rt, out, (uint64_t)rt_num_at(a, base));
		break;
	case V_ADDR: {
		char buf[INET6_ADDRSTRLEN];
		fputs(rt_addr_text(a, base, buf, sizeof buf), out);
		break;
	}
	case V_ARRAY:
		rt_print_array(out, a, base);
		break;
	case V_SYSCALL:
	case V_ERRNO:
	case V_TIME: {
		char buf[256];
		fputs(rt_text(a->kind, a->fmt, rt_num_at(a, base), buf, sizeof buf), out);
		break;
	}
	default:	/* V_NUM */
		fprintf(out, "%" PRId64, rt_num_at(a, base));
		break;
	}
}

/* Whether a's bytes (a maybe-nil one's presence word too) are inside the payload. */
int rt_arg_fits(const KtapArg *a, uint32_t payload)
{
	uint64_t end = (uint64_t)a->off + a->size + (a->kind & V_MAYBE_NIL ? 8 : 0);
	return end <= payload;
}

/* The argument as printed: a maybe-nil one is nil when its presence word
 * (after its value) is 0. */
static KtapArg shown_arg(const KtapArg *a, const uint8_t *base)
{
	KtapArg r = *a;
	if (!(a->kind & V_MAYBE_NIL))
		return r;
	r.kind &= ~(uint32_t)V_MAYBE_NIL;
	uint64_t present;
	memcpy(&present, base + a->off + a->size, 8);
	if (!present)
		r.kind = V_NIL;
	return r;
}

/* A kernel address as sym+0xoff, or in hex when no symbol holds it. */
void rt_ptr_text(Rt *rt, uint64_t addr, char *buf, size_t size)
{
	uint64_t off;
	const char *sym = rt_ksym(rt, addr, &off);
	if (sym)
		snprintf(buf, size, "%s+0x%" PRIx64, sym, off);
	else
		snprintf(buf, size, "0x%" PRIx64, addr);
}

/* One conversion with a spec rebuilt from its parts. Flags the C library
 * leaves undefined for a conversion are dropped. s is the text for s and p
 * (at most prec bytes of it are read when prec >= 0). */
void rt_conv(FILE *out, int flags, int width, int prec, char conv, uint64_t v, const char *s)
{
	char spec[48], *p = spec;
	int allowed = strchr("di", conv) ? FMT_LEFT | FMT_PLUS | FMT_SPACE | FMT_ZERO :
		      conv == 'u' ? FMT_LEFT | FMT_ZERO :
		      strchr("xXo", conv) ? FMT_LEFT | FMT_ALT | FMT_ZERO : FMT_LEFT;
	flags &= allowed;
	*p++ = '%';
	if (flags & FMT_LEFT) *p++ = '-';
	if (flags & FMT_PLUS) *p++ = '+';
	if (flags & FMT_SPACE) *p++ = ' ';
	if (flags & FMT_ALT) *p++ = '#';
	if (flags & FMT_ZERO) *p++ = '0';
	if (width >= 0)
		p += sprintf(p, "%d", width);
	if (prec >= 0 && conv != 'c')
		p += sprintf(p, ".%d", prec);
	switch (conv) {
	case 'd': case 'i':
		strcpy(p, "lld");
		fprintf(out, spec, (long long)v);
		break;
	case 'u': case 'x': case 'X': case 'o':
		sprintf(p, "ll%c", conv);
		fprintf(out, spec, (unsigned long long)v);
		break;
	case 'c':
		strcpy(p, "c");
		fprintf(out, spec, (int)(unsigned char)v);
		break;
	default:
		strcpy(p, "s");
		fprintf(out, spec, s);
		break;
	}
}

/* The format of f parsed, cached per format of the object. */
static const Format *parsed(Rt *rt, const KtapFormat *f, Format *tmp)
{
	Interp *I = rt->interp;
	Format *pf = tmp;
	uintptr_t base = (uintptr_t)rt->meta.formats, at = (uintptr_t)f;
	size_t id = (at - base) / sizeof *f;
	int cached = I && base && at >= base && id < rt->meta.nformats && at == base + id * sizeof *f;
	if (cached) {
		if (!I->fmts) {
			I->fmts = xcalloc(rt->meta.nformats, sizeof *I->fmts);
			I->fmt_parsed = xcalloc(rt->meta.nformats, 1);
			I->nfmts = rt->meta.nformats;
		}
		if (I->fmt_parsed[id])
			return I->fmt_parsed[id] == 1 ? &I->fmts[id] : NULL;
		pf = &I->fmts[id];
	}
	const char *err = "its arguments do not match";
	size_t pos;
	int ok = f->fmt && format_parse(pf, f->fmt, strlen(f->fmt), &err, &pos) == 0 &&
		 (uint32_t)pf->nconv == f->nargs;
	for (uint32_t i = 0; ok && i < f->nargs; i++)
		ok = rt_arg_fits(&f->args[i], f->size);
	if (cached)
		I->fmt_parsed[id] = ok ? 1 : 2;
	if (!ok) {
		rt_error(rt, "bad format \"%s\" in the object: %s", f->fmt ? f->fmt : "", err);
		format_free(pf);
		return NULL;
	}
	return pf;
}

static void conv_arg(Rt *rt, FILE *out, const FmtPiece *p, const KtapArg *a, const uint8_t *base)
{
	char text[512], *owned = NULL;
	const char *s = text;
	int prec = p->prec;
	int64_t v = a->kind == V_STR || a->kind == V_ARGSTR ? 0 : rt_num_at(a, base);
	if (a->kind == V_ARGSTR) {	/* sema allows only %s */
		s = owned = rt_argstr(rt, base + a->off, a->size);
	} else if ((a->kind == V_STACK || a->kind == V_ADDR || a->kind == V_ARRAY) && p->conv == 's') {
		size_t len;
		FILE *m = open_memstream(&owned, &len);
		if (m) {
			rt_print_value(rt, m, a, base);
			fclose(m);
		}
		s = owned ? owned : "";
	} else if (p->conv == 's' && (a->kind == V_SYSCALL || a->kind == V_ERRNO || a->kind == V_TIME)) {
		s = rt_text(a->kind, a->fmt, v, text, sizeof text);
	} else if (p->conv == 'p') {
		rt_ptr_text(rt, v, text, sizeof text);
		prec = -1;
	} else if (p->conv == 's' && a->kind == V_STR) {
		s = (const char *)base + a->off;
		int n = strnlen(s, a->size);
		prec = prec >= 0 && prec < n ? prec : n;
	} else if (p->conv == 's') {
		snprintf(text, sizeof text, "%" PRId64, v);
		if (a->kind == V_BOOL)
			strcpy(text, v ? "true" : "false");
		else if (a->kind == V_NIL)
			strcpy(text, "nil");
	}
	rt_conv(out, p->flags, p->width, prec, p->conv, v, s);
	free(owned);
}

/* Whether a printf ends its line: its text after the last conversion ends
 * in a newline (a newline a %s brings is not seen: the next print is then
 * taken to continue the line). */
static int ends_line(const Format *pf)
{
	const FmtPiece *last = &pf->v[pf->n - 1];
	return last->len && last->text[last->len - 1] == '\n';
}

static void print_text(Rt *rt, FILE *out, const KtapFormat *f, const uint8_t *payload)
{
	if (out == rt->opt.out)
		rt_output_user(rt, 1);
	for (uint32_t i = 0; i < f->nargs; i++) {
		if (i)
			fputc('\t', out);
		if (rt_arg_fits(&f->args[i], f->size)) {
			KtapArg a = shown_arg(&f->args[i], payload);
			rt_print_value(rt, out, &a, payload);
		}
	}
	fputc('\n', out);
}

/* An argument as JSON; null when it is not inside the payload, whose
 * presence word shown_arg must then not read either. */
static json_t *arg_json(Rt *rt, const KtapFormat *f, uint32_t i, const uint8_t *payload)
{
	if (!rt_arg_fits(&f->args[i], f->size))
		return json_null();
	KtapArg a = shown_arg(&f->args[i], payload);
	return rt_json_value(rt, &a, payload);
}

/* print with -f json: the values as values, a stack with its frames. */
static void print_json(Rt *rt, const KtapFormat *f, const uint8_t *payload)
{
	json_t *o = rt_json_new("print"), *data = json_array();
	rt_output_user(rt, 1);
	for (uint32_t i = 0; i < f->nargs; i++)
		json_array_append_new(data, arg_json(rt, f, i, payload));
	json_object_set_new(o, "data", data);
	rt_json_emit(rt, o);
}

static void printf_text(Rt *rt, FILE *out, const Format *pf, const KtapFormat *f, const uint8_t *payload)
{
	for (int i = 0; i < pf->n; i++) {
		fwrite(pf->v[i].text, 1, pf->v[i].len, out);
		if (pf->v[i].conv) {
			KtapArg a = shown_arg(&f->args[i], payload);
			conv_arg(rt, out, &pf->v[i], &a, payload);
		}
	}
}

/* printf with -f json: each call one object with the text it made, its
 * newline (if any) included: a line printed in parts stays in parts. */
static void printf_json(Rt *rt, const Format *pf, const KtapFormat *f, const uint8_t *payload)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return;
	printf_text(rt, m, pf, f, payload);
	fclose(m);
	rt_output_user(rt, 1);
	json_t *o = rt_json_new("printf");
	json_object_set_new(o, "data", rt_json_text(text, len));
	rt_json_emit(rt, o);
	free(text);
}

void rt_format(Rt *rt, FILE *out, const KtapFormat *f, const uint8_t *payload)
{
	if (f->kind == FMT_PRINT) {
		if (rt_json_to(rt, out))
			print_json(rt, f, payload);
		else
			print_text(rt, out, f, payload);
		return;
	}
	Format tmp = { 0 };
	const Format *pf = parsed(rt, f, &tmp);
	if (!pf)
		return;
	if (rt_json_to(rt, out)) {
		printf_json(rt, pf, f, payload);
	} else {
		if (out == rt->opt.out)
			rt_output_user(rt, ends_line(pf));
		printf_text(rt, out, pf, f, payload);
	}
	if (pf == &tmp)
		format_free(&tmp);
}

void rt_format_free(Interp *I)
{
	for (uint32_t i = 0; i < I->nfmts; i++)
		format_free(&I->fmts[i]);
	free(I->fmts);
	free(I->fmt_parsed);
	I->fmts = NULL;
	I->fmt_parsed = NULL;
	I->nfmts = 0;
}
