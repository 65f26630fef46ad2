/* ktap -f json (docs/json.md): every output as one JSON object per line,
 * built with jansson, which does the escaping. The text and JSON paths
 * share how values are read out of records and tables; only this
 * rendering differs. Internal to the runtime. */
#ifndef KTAP_JSON_H
#define KTAP_JSON_H

#include <jansson.h>
#include "interp.h"

#define KTAP_JSON_VERSION 1

/* Whether output to out goes out as JSON objects: -f json, and out is the
 * script's output (not a string sprintf builds). */
static inline int rt_json_to(const Rt *rt, const FILE *out)
{
	return rt->opt.json && out == rt->opt.out;
}

/* {"type": type}, for the caller to add fields to. */
json_t *rt_json_new(const char *type);
/* {"type": type, "table": the script's name of m} */
json_t *rt_json_table(const char *type, const RtMap *m);
/* obj as one line on the output (its reference taken). */
void rt_json_emit(Rt *rt, json_t *obj);
/* n bytes as a JSON string; bytes that are not UTF-8 become U+FFFD. */
json_t *rt_json_text(const char *s, size_t n);
/* A value as JSON: a number, string, true/false, null, a stack object. */
json_t *rt_json_value(Rt *rt, const KtapArg *a, const uint8_t *base);

/* stack.c: {"stack": "kernel"|"user", "frames": [...], "lost": bool} */
json_t *rt_json_stack(Rt *rt, uint64_t v);
/* hist.c: a table's key: its value, or an array for a tuple key */
json_t *rt_json_key(Rt *rt, const RtMap *m, const uint8_t *key);
/* print_agg.c: the buckets print_hist and print_lhist show, as
 * [{"min": lo, "max": hi, "count": n}] with inclusive bounds; the bucket
 * below everything has no "min", the one above everything no "max". */
json_t *agg_json_log2(const uint64_t *b, int n);
json_t *agg_json_linear(const uint64_t *b, int64_t min, int64_t max, int64_t step);

#endif
