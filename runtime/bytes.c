/* Values that are bytes rather than a number (docs/object-format.md):
 * an address made by ntop, printed as inet_ntop does, and an integer
 * array (a tracepoint's array field), printed [1,2,3] as bpftrace does.
 * The object says where they are and, for an array, its shape; both are
 * checked against the slot before a byte is read. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "interp.h"

const char *rt_addr_text(const KtapArg *a, const uint8_t *base, char *buf, size_t size)
{
	uint64_t family;
	if (a->size < KTAP_ADDR_SIZE)
		return "?";
	memcpy(&family, base + a->off, 8);
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, base + a->off + 8, buf, size))
		return "?";
	return buf;
}

int rt_array_shape(const KtapArg *a, int *is_signed, int *elem, int *count)
{
	char sign;
	if (!a->fmt || sscanf(a->fmt, KTAP_ARRAY_SHAPE, &sign, elem, count) != 3 ||
	    (sign != 's' && sign != 'u') || (*elem != 1 && *elem != 2 && *elem != 4 && *elem != 8) ||
	    *count < 0 || (uint64_t)*elem * *count > a->size)
		return 0;
	*is_signed = sign == 's';
	return 1;
}

int64_t rt_array_elem(const KtapArg *a, const uint8_t *base, int i, int elem, int is_signed)
{
	const uint8_t *p = base + a->off + (size_t)i * elem;
	switch (elem) {
	case 1: { uint8_t v = *p; return is_signed ? (int8_t)v : v; }
	case 2: { uint16_t v; memcpy(&v, p, 2); return is_signed ? (int16_t)v : v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return is_signed ? (int32_t)v : v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

void rt_print_array(FILE *out, const KtapArg *a, const uint8_t *base)
{
	int is_signed, elem, count;
	if (!rt_array_shape(a, &is_signed, &elem, &count)) {
		fputs("?", out);
		return;
	}
	fputc('[', out);
	for (int i = 0; i < count; i++) {
		int64_t v = rt_array_elem(a, base, i, elem, is_signed);
		if (is_signed || elem < 8)
			fprintf(out, "%s%" PRId64, i ? "," : "", v);
		else
			fprintf(out, "%s%" PRIu64, i ? "," : "", (uint64_t)v);
	}
	fputc(']', out);
}
