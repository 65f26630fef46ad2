/* print_hist: a table as a sorted histogram, in ktap's layout
 * (docs/language.md §9), or its rows as JSON (docs/json.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "json.h"

#define BAR 38

const char *rt_table_name(const RtMap *m)
{
	return m->table && m->table->name ? m->table->name : m->name;
}

/* A key's parts: a tuple's, or the whole key as one (*whole). */
static const KtapArg *key_parts(const RtMap *m, KtapArg *whole, uint32_t *n)
{
	const KtapTable *t = m->table;
	*whole = (KtapArg){ m->key_size == 8 ? V_NUM : V_STR, 0, m->key_size, NULL };
	*n = t && t->nkeys ? t->nkeys : 1;
	return t && t->nkeys ? t->keys : whole;
}

/* A key as print shows it; the parts of a tuple joined with ", ". */
void rt_print_key(Rt *rt, FILE *out, const RtMap *m, const uint8_t *key)
{
	KtapArg whole;
	uint32_t n;
	const KtapArg *parts = key_parts(m, &whole, &n);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		if (rt_arg_fits(&parts[i], m->key_size))
			rt_print_value(rt, out, &parts[i], key);
	}
}

/* One part of a key; null when the map's key is too short for it. */
static json_t *json_part(Rt *rt, const RtMap *m, const KtapArg *a, const uint8_t *key)
{
	return rt_arg_fits(a, m->key_size) ? rt_json_value(rt, a, key) : json_null();
}

json_t *rt_json_key(Rt *rt, const RtMap *m, const uint8_t *key)
{
	KtapArg whole;
	uint32_t n;
	const KtapArg *parts = key_parts(m, &whole, &n);
	if (n == 1)
		return json_part(rt, m, parts, key);
	json_t *a = json_array();
	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_part(rt, m, &parts[i], key));
	return a;
}

static int64_t value_of(const RtMap *m, const uint8_t *val)
{
	KtapArg whole = { V_NUM, 0, 8, NULL };
	const KtapArg *a = m->table && rt_arg_fits(&m->table->value, m->value_size) ? &m->table->value : &whole;
	int64_t v = 0;
	if (rt_arg_fits(a, m->value_size))
		memcpy(&v, val + a->off, a->size < 8 ? a->size : 8);
	return v;
}

static int bar_len(int64_t v, int64_t total)
{
	if (v <= 0 || total <= 0)
		return 0;
	unsigned __int128 n = (unsigned __int128)v * BAR / (uint64_t)total;
	return n > BAR ? BAR : (int)n;
}

static char *key_text(Rt *rt, const RtMap *m, const uint8_t *key)
{
	char *text = NULL;
	size_t len = 0;
	FILE *ms = open_memstream(&text, &len);
	rt_print_key(rt, ms, m, key);
	fclose(ms);
	return text;
}

/* ktap's key column is 31 wide; a longer key widens it for every row, so
 * the bars stay aligned and no key is cut. */
static int key_width(char **keys, size_t n)
{
	size_t w = 31;
	for (size_t i = 0; i < n; i++)
		if (strlen(keys[i]) > w)
			w = strlen(keys[i]);
	return (int)w;
}

static void hist_text(Rt *rt, FILE *out, const RtMap *m, const Snap *s, size_t shown, int64_t total)
{
	char **keys = xcalloc(shown + 1, sizeof *keys);
	for (size_t i = 0; i < shown; i++)
		keys[i] = key_text(rt, m, s->keys + i * s->key_size);
	int w = key_width(keys, shown);
	fprintf(out, "%*s%s%s\n", w, "value ", "------------- Distribution -------------", " count");
	for (size_t i = 0; i < shown; i++) {
		char bar[BAR + 1];
		int64_t v = value_of(m, s->vals + i * s->val_size);
		int b = bar_len(v, total);
		memset(bar, '@', b);
		bar[b] = 0;
		fprintf(out, "%*s |%-38s%-7" PRId64 "\n", w, keys[i], bar, v);
		free(keys[i]);
	}
	free(keys);
	if (shown < s->n)
		fprintf(out, "%*s |\n", w, "...");
}

/* {"type":"print_hist","table":NAME,"rows":[{"key":K,"value":V}],"more":N} */
static void hist_json(Rt *rt, const RtMap *m, const Snap *s, size_t shown)
{
	json_t *o = rt_json_table("print_hist", m), *rows = json_array();
	for (size_t i = 0; i < shown; i++) {
		json_t *r = json_object();
		json_object_set_new(r, "key", rt_json_key(rt, m, s->keys + i * s->key_size));
		json_object_set_new(r, "value", json_integer(value_of(m, s->vals + i * s->val_size)));
		json_array_append_new(rows, r);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "more", json_integer(s->n - shown));
	rt_json_emit(rt, o);
}

void rt_print_hist(Rt *rt, FILE *out, RtMap *m, int64_t rows)
{
	Snap s;
	if (rt_snap(rt, m, 1, -1, &s))
		return;
	if (out == rt->opt.out)
		rt_output_user(rt, 1);
	/* saturating: counts from the kernel may sum past 64 bits (found by fuzz_object) */
	int64_t total = 0;
	for (size_t i = 0; i < s.n; i++) {
		int64_t v = value_of(m, s.vals + i * s.val_size);
		if (__builtin_add_overflow(total, v, &total))
			total = v > 0 ? INT64_MAX : INT64_MIN;
	}
	size_t shown = rows < 0 || (uint64_t)rows > s.n ? s.n : (size_t)rows;
	if (rt_json_to(rt, out))
		hist_json(rt, m, &s, shown);
	else
		hist_text(rt, out, m, &s, shown, total);
	rt_snap_free(&s);
}
