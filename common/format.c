/* printf formats: %[flags][width][.prec][l|ll]conv. Length modifiers are
 * accepted and ignored, since every number is 64 bits; `*` is not supported
 * because widths must be known when the record layout is made. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "format.h"

static const char conversions[] = "diuxXocsp";

static void add_piece(Format *f, const char *text, size_t len)
{
	f->v = xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	FmtPiece *p = &f->v[f->n++];
	memset(p, 0, sizeof *p);
	p->text = xmalloc(len + 1);
	memcpy(p->text, text, len);
	p->text[len] = 0;
	p->len = len;
	p->width = p->prec = -1;
}

static int flag_bit(char c)
{
	switch (c) {
	case '-': return FMT_LEFT;
	case '+': return FMT_PLUS;
	case ' ': return FMT_SPACE;
	case '#': return FMT_ALT;
	case '0': return FMT_ZERO;
	}
	return 0;
}

/* Digits at s[*i]; -1 when there are none, -2 when too large. */
static int number(const char *s, size_t len, size_t *i)
{
	if (*i >= len || s[*i] < '0' || s[*i] > '9')
		return -1;
	int v = 0;
	for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		v = v * 10 + (s[*i] - '0');
		if (v > FMT_MAX_WIDTH)
			v = FMT_MAX_WIDTH + 1;
	}
	return v > FMT_MAX_WIDTH ? -2 : v;
}

/* One conversion starting after the '%' at s[*i]; fills p. */
static const char *conversion(FmtPiece *p, const char *s, size_t len, size_t *i)
{
	int bit;
	while (*i < len && (bit = flag_bit(s[*i]))) {
		p->flags |= bit;
		(*i)++;
	}
	if (*i < len && s[*i] == '*')
		return "'*' width is not supported; write the width in the format";
	p->width = number(s, len, i);
	if (p->width == -2)
		return "field width is too large";
	if (*i < len && s[*i] == '.') {
		(*i)++;
		if (*i < len && s[*i] == '*')
			return "'*' precision is not supported; write the precision in the format";
		p->prec = number(s, len, i);
		if (p->prec == -2)
			return "precision is too large";
		if (p->prec < 0)
			p->prec = 0;
	}
	for (int k = 0; k < 2 && *i < len && s[*i] == 'l'; k++)
		(*i)++;
	if (*i >= len)
		return "incomplete conversion at the end of the format";
	if (!s[*i] || !strchr(conversions, s[*i]))
		return "unknown conversion (use one of %d %i %u %x %X %o %c %s %p %%)";
	p->conv = s[(*i)++];
	return NULL;
}

int format_parse(Format *f, const char *s, size_t len, const char **err, size_t *errpos)
{
	Buf lit = {0};
	memset(f, 0, sizeof *f);
	size_t i = 0;
	while (i < len) {
		if (s[i] != '%') {
			buf_add(&lit, &s[i++], 1);
			continue;
		}
		if (i + 1 < len && s[i + 1] == '%') {
			buf_add(&lit, "%", 1);
			i += 2;
			continue;
		}
		size_t start = i++;
		add_piece(f, lit.len ? (char *)lit.p : "", lit.len);
		lit.len = 0;
		FmtPiece *p = &f->v[f->n - 1];
		p->pos = start;
		*err = conversion(p, s, len, &i);
		if (*err) {
			*errpos = start;
			buf_free(&lit);
			format_free(f);
			return -1;
		}
	}
	add_piece(f, lit.len ? (char *)lit.p : "", lit.len);
	f->v[f->n - 1].pos = len;
	f->nconv = f->n - 1;
	buf_free(&lit);
	return 0;
}

void format_free(Format *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->v[i].text);
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* %s prints any value the way print does; the others need a number. */
FmtArg format_arg(char conv)
{
	return conv == 's' ? FMT_ARG_ANY : FMT_ARG_NUM;
}
