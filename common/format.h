/* printf format strings, parsed once: sema checks the arguments against the
 * conversions, lowering and the runtime print from the same pieces. */
#ifndef KTAP_FORMAT_H
#define KTAP_FORMAT_H

#include <stddef.h>

enum {
	FMT_LEFT = 1,	/* - */
	FMT_PLUS = 2,	/* + */
	FMT_SPACE = 4,	/* ' ' */
	FMT_ALT = 8,	/* # */
	FMT_ZERO = 16,	/* 0 */
};

#define FMT_MAX_WIDTH 1024	/* width and precision above this are errors */

/* Literal text, then one conversion. The last piece of a format has conv 0
 * and holds only the text after the last conversion. */
typedef struct FmtPiece {
	char *text;		/* literal text, "%%" already turned into "%" */
	size_t len;		/* may hold NUL bytes */
	char conv;		/* d i u x X o c s p, or 0 */
	int flags;
	int width, prec;	/* -1 when absent */
	size_t pos;		/* offset of the '%' in the format */
} FmtPiece;

typedef struct Format {
	FmtPiece *v;
	int n;			/* pieces, the last with conv 0 */
	int nconv;		/* n - 1: the number of arguments it takes */
} Format;

/* What a conversion takes. */
typedef enum { FMT_ARG_NUM, FMT_ARG_ANY } FmtArg;

/* Parse s[0..len). On error returns -1 with *err (a static message) and
 * *errpos (offset of the bad conversion); f is then left empty. */
int format_parse(Format *f, const char *s, size_t len, const char **err, size_t *errpos);
void format_free(Format *f);
FmtArg format_arg(char conv);

#endif
