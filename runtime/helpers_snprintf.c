/* bpf_snprintf in user space: the compiler's `..` is one call of it over
 * the flattened chain. Each argument is one u64 of data; %s takes the
 * address of a NUL-terminated string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/format.h"
#include "interp.h"

/* %[flags][width][.prec][l|ll|h|hh]conv at *pp (just past the '%'). */
static int parse_conv(const char **pp, int *flags, int *width, int *prec, char *conv)
{
	const char *p = *pp, *f;
	static const char fl[] = "-+ #0";
	*flags = 0;
	*width = *prec = -1;
	while (*p && (f = strchr(fl, *p)))
		*flags |= 1 << (f - fl), p++;
	if (*p >= '0' && *p <= '9')
		for (*width = 0; *p >= '0' && *p <= '9' && *width <= FMT_MAX_WIDTH; p++)
			*width = *width * 10 + (*p - '0');
	if (*p == '.')
		for (*prec = 0, p++; *p >= '0' && *p <= '9' && *prec <= FMT_MAX_WIDTH; p++)
			*prec = *prec * 10 + (*p - '0');
	while (*p == 'l' || *p == 'h')
		p++;
	*conv = *p;
	*pp = p;
	return *p && strchr("diuxXocsp", *p) && *width <= FMT_MAX_WIDTH && *prec <= FMT_MAX_WIDTH ? 0 : -1;
}

static int put_conv(Rt *rt, FILE *ms, const char **pp, const uint64_t *data, uint32_t n, uint32_t *k)
{
	int flags, width, prec;
	char conv, text[512];
	const char *s = text;
	size_t len;
	if (parse_conv(pp, &flags, &width, &prec, &conv) || *k >= n)
		return -EINVAL;
	uint64_t v = data[(*k)++];
	if (conv == 's' && !(s = rt_mem_str(rt, v, &len)))
		return -EFAULT;
	if (conv == 'p')
		rt_ptr_text(rt, v, text, sizeof text);
	rt_conv(ms, flags, width, conv == 'p' ? -1 : prec, conv, v, s);
	return 0;
}

/* FMT_* of common/format.h are the bits of "-+ #0" in that order. */
_Static_assert(FMT_LEFT == 1 && FMT_PLUS == 2 && FMT_SPACE == 4 && FMT_ALT == 8 && FMT_ZERO == 16, "flag bits");

int rt_snprintf(Rt *rt, char *dst, uint32_t size, const char *fmt, const uint64_t *data, uint32_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *ms = open_memstream(&out, &len);
	uint32_t k = 0;
	int err = 0;
	for (const char *p = fmt; *p && !err; p++) {
		if (*p != '%')
			fputc(*p, ms);
		else if (p[1] == '%')
			fputc('%', ms), p++;
		else
			++p, err = put_conv(rt, ms, &p, data, n, &k);
	}
	fclose(ms);
	if (!err && size) {
		size_t m = len < size - 1 ? len : size - 1;
		memcpy(dst, out, m);
		dst[m] = 0;
	}
	free(out);
	return err ? err : (int)len + 1;
}
