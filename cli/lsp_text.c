/* Positions: the compiler's 1-based lines and byte columns against LSP's
 * 0-based lines and UTF-16 code units. A byte that is not valid UTF-8
 * counts as one unit, as an editor showing U+FFFD for it would count. */
#include <ctype.h>
#include <string.h>
#include "cli/lsp.h"
#include "common/util.h"

int lsp_is_ident(int c)
{
	return isalnum(c) || c == '_';
}

size_t lsp_word_start(const char *p, size_t cur)
{
	while (cur > 0 && lsp_is_ident((unsigned char)p[cur - 1]))
		cur--;
	return cur;
}

const char *doc_line(const Doc *doc, int line, size_t *len)
{
	const char *p = doc->text, *end = doc->text + doc->len;
	for (int l = 1; l < line; l++) {
		p = memchr(p, '\n', end - p);
		if (!p)
			return NULL;
		p++;
	}
	if (line < 1)
		return NULL;
	const char *nl = memchr(p, '\n', end - p);
	*len = (nl ? nl : end) - p;
	return p;
}

/* The UTF-16 units of one character starting at s (n bytes left) and its
 * length in bytes. */
static int units(const char *s, size_t n, size_t *bytes)
{
	size_t k = utf8_len((const unsigned char *)s, n);
	*bytes = k ? k : 1;
	return k == 4 ? 2 : 1;
}

json_t *lsp_position(const Doc *doc, int line, int col)
{
	size_t len, i = 0;
	int ch = 0;
	const char *p = doc_line(doc, line, &len);
	if (!p)	/* past the end (a diagnostic at end of input): the end */
		return json_pack("{s:i, s:i}", "line", line > 0 ? line - 1 : 0, "character", 0);
	while (i + 1 < (size_t)col && i < len) {
		size_t k;
		ch += units(p + i, len - i, &k);
		i += k;
	}
	return json_pack("{s:i, s:i}", "line", line - 1, "character", ch);
}

json_t *lsp_range(const Doc *doc, TextRange r)
{
	if (!r.line)	/* no location: the start of the file */
		r = (TextRange){ 1, 1, 1, 1 };
	return json_pack("{s:o, s:o}", "start", lsp_position(doc, r.line, r.col), "end",
			 lsp_position(doc, r.end_line, r.end_col));
}

int lsp_to_byte(const Doc *doc, json_t *pos, int *line, int *col)
{
	json_int_t l, c;
	size_t len, i = 0;
	if (json_unpack(pos, "{s:I, s:I}", "line", &l, "character", &c) || l < 0 || c < 0 || l > doc->len)
		return 0;
	const char *p = doc_line(doc, l + 1, &len);
	if (!p)
		return 0;
	for (json_int_t ch = 0; ch < c && i < len;) {
		size_t k;
		ch += units(p + i, len - i, &k);
		i += k;
	}
	*line = l + 1;
	*col = i + 1;
	return 1;
}
