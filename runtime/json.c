/* ktap -f json: the objects' common parts. Strings are the script's bytes,
 * which need not be UTF-8 (a file name, a comm): what is not becomes
 * U+FFFD, so that every line is valid JSON. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "json.h"

json_t *rt_json_new(const char *type)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	return o;
}

json_t *rt_json_table(const char *type, const RtMap *m)
{
	const char *name = rt_table_name(m);
	json_t *o = rt_json_new(type);
	json_object_set_new(o, "table", rt_json_text(name, strlen(name)));
	return o;
}

void rt_json_emit(Rt *rt, json_t *obj)
{
	json_dumpf(obj, rt->opt.out, JSON_COMPACT);
	fputc('\n', rt->opt.out);
	json_decref(obj);
}

json_t *rt_json_text(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	char *fixed = xmalloc(n * 3 + 1), *p = fixed;
	const uint8_t *u = (const uint8_t *)s;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(u + i, n - i);
		if (len) {
			memcpy(p, u + i, len);
			p += len;
			i += len;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
		}
	}
	j = json_stringn(fixed, p - fixed);
	free(fixed);
	return j;
}

/* Kinds without a JSON form of their own go as print shows them. */
static json_t *as_printed(Rt *rt, const KtapArg *a, const uint8_t *base)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return json_null();
	rt_print_value(rt, m, a, base);
	fclose(m);
	json_t *j = rt_json_text(text, len);
	free(text);
	return j;
}

/* An array as a JSON array of its numbers (null when it makes no sense). */
static json_t *array_json(const KtapArg *a, const uint8_t *base)
{
	int is_signed, elem, count;
	if (!rt_array_shape(a, &is_signed, &elem, &count))
		return json_null();
	json_t *j = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(j, json_integer(rt_array_elem(a, base, i, elem, is_signed)));
	return j;
}

json_t *rt_json_value(Rt *rt, const KtapArg *a, const uint8_t *base)
{
	switch (a->kind) {
	case V_NUM:
		return json_integer(rt_num_at(a, base));
	case V_STR:
		return rt_json_text((const char *)base + a->off, strnlen((const char *)base + a->off, a->size));
	case V_BOOL:
		return json_boolean(rt_num_at(a, base));
	case V_NIL:
		return json_null();
	case V_STACK:
		return rt_json_stack(rt, (uint64_t)rt_num_at(a, base));
	case V_ARRAY:
		return array_json(a, base);
	default:	/* an address among them: its text */
		return as_printed(rt, a, base);
	}
}

/* The first line: which schema the lines after it follow. */
void rt_json_header(Rt *rt)
{
	json_t *o = rt_json_new("ktap_json");
	json_object_set_new(o, "version", json_integer(KTAP_JSON_VERSION));
	const char *src = rt->meta.source_name ? rt->meta.source_name : "";
	json_object_set_new(o, "script", rt_json_text(src, strlen(src)));
	rt_json_emit(rt, o);
}

void rt_json_end(Rt *rt, int status)
{
	json_t *o = rt_json_new("end");
	json_object_set_new(o, "exit_status", json_integer(status));
	rt_json_emit(rt, o);
}
