/* Allocation that never returns NULL: out of memory ends the program, since
 * a compiler or tracer has nothing sensible to do without memory. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

static void *check(void *p)
{
	if (!p) {
		fputs("ktap: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }

void *xgrow(void *p, size_t n, size_t size)
{
	return n & (n - 1) ? p : xrealloc(p, (n ? 2 * n : 1) * size);
}
char *xstrdup(const char *s) { return check(strdup(s)); }
char *xstrndup(const char *s, size_t n) { return check(strndup(s, n)); }

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check(r < 0 ? NULL : s);
}

static char why_buf[512], hint_wrong[256], hint_right[256];

static const char *why_vmsg(const char *fmt, va_list ap)
{
	vsnprintf(why_buf, sizeof why_buf, fmt, ap);
	hint_wrong[0] = hint_right[0] = 0;
	return why_buf;
}

const char *why_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	why_vmsg(fmt, ap);
	va_end(ap);
	return why_buf;
}

const char *why_guess(const char *wrong, const char *right, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	why_vmsg(fmt, ap);
	va_end(ap);
	snprintf(hint_wrong, sizeof hint_wrong, "%s", wrong);
	snprintf(hint_right, sizeof hint_right, "%s", right);
	return why_buf;
}

int why_hint(const char *why, const char **wrong, const char **right)
{
	if (why != why_buf || !hint_wrong[0])
		return 0;
	*wrong = hint_wrong, *right = hint_right;
	return 1;
}

int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Levenshtein distance, for "did you mean" hints; long strings count as far. */
int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The whole file, NUL-terminated (*len leaves the NUL out), or NULL with
 * errno set. "-" is standard input. */
char *read_whole_file(const char *path, size_t *len)
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

void buf_add(Buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap : 64;
		while (b->len + n > b->cap)
			b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

size_t buf_addstr(Buf *b, const char *s)
{
	size_t off = b->len;
	buf_add(b, s, strlen(s) + 1);
	return off;
}

void buf_pad(Buf *b, size_t align)
{
	size_t n = (align - b->len % align) % align;
	buf_add(b, NULL, n);
}

void buf_free(Buf *b)
{
	free(b->p);
	*b = (Buf){0};
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 if there is
 * none: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		     c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}
