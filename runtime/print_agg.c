/* Aggregations from user context: merging the per-CPU copies of a value
 * (common/agg.h) and printing them as bpftrace prints hist(), lhist() and
 * stats() (docs/language.md §12, docs/semantics.md "Aggregations"), or as JSON
 * (docs/json.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "common/agg.h"
#include "common/util.h"
#include "json.h"

#define AGG_BAR 52

static int64_t s64(const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void put64(uint8_t *p, int64_t v)
{
	memcpy(p, &v, 8);
}

/* Counts, sums and buckets add up; min and max come from the CPUs that
 * recorded something (a zero elsewhere is no value). */
void agg_merge(uint8_t *val, const uint8_t *all, int ncpus, size_t stride, uint32_t size)
{
	memset(val, 0, size);
	int any = 0;
	for (int c = 0; c < ncpus; c++) {
		const uint8_t *v = all + c * stride;
		for (uint32_t w = 0; w + 8 <= size; w += 8)
			if (w != AGG_MIN && w != AGG_MAX)
				put64(val + w, (int64_t)((uint64_t)s64(val + w) + (uint64_t)s64(v + w)));
		if (s64(v + AGG_COUNT) <= 0)
			continue;
		if (!any || s64(v + AGG_MIN) < s64(val + AGG_MIN))
			put64(val + AGG_MIN, s64(v + AGG_MIN));
		if (!any || s64(v + AGG_MAX) > s64(val + AGG_MAX))
			put64(val + AGG_MAX, s64(v + AGG_MAX));
		any = 1;
	}
}

/* 2^power with bpftrace's suffixes: 512, 1K, 64M, 2G, 4T. */
static void log2_label(char *buf, size_t size, int power)
{
	static const char suffix[] = "\0KMGT";
	int s = power >= 40 ? 4 : power / 10;
	snprintf(buf, size, "%" PRIu64 "%.1s", (uint64_t)1 << (power - 10 * s), &suffix[s]);
}

/* A linear bucket's edge: 0, 10, 1K (a multiple of 1024), 2M. */
static void lin_label(char *buf, size_t size, int64_t n)
{
	if (n != 0 && n % 1048576 == 0)
		snprintf(buf, size, "%" PRId64 "M", n / 1048576);
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, size, "%" PRId64 "K", n / 1024);
	else
		snprintf(buf, size, "%" PRId64, n);
}

/* One row: the range, the count, a bar scaled to the largest bucket. */
static void row(FILE *out, const char *range, uint64_t v, uint64_t max)
{
	char bar[AGG_BAR + 1];
	int b = max ? (int)(v / (float)max * AGG_BAR) : 0;
	memset(bar, '@', b);
	bar[b] = 0;
	fprintf(out, "%-16s%8" PRIu64 " |%-52s|\n", range, v, bar);
}

/* The first and last non-zero buckets (-1 when all are zero) and the largest. */
static int extent(const uint64_t *b, int n, int *last, uint64_t *max)
{
	int first = -1;
	*max = 0;
	for (int i = 0; i < n; i++) {
		if (!b[i])
			continue;
		if (first < 0)
			first = i;
		*last = i;
		if (b[i] > *max)
			*max = b[i];
	}
	return first;
}

void agg_print_log2(FILE *out, const uint64_t *b, int n)
{
	uint64_t max;
	int last = 0;
	for (int i = extent(b, n, &last, &max); i >= 0 && i <= last; i++) {
		char range[64], lo[24], hi[24];
		if (i < 3) {
			snprintf(range, sizeof range, "%s", i == 0 ? "(..., 0)" : i == 1 ? "[0]" : "[1]");
		} else {
			log2_label(lo, sizeof lo, i - 2);
			log2_label(hi, sizeof hi, i - 1);
			snprintf(range, sizeof range, "[%s, %s)", lo, hi);
		}
		row(out, range, b[i], max);
	}
}

/* How many linear buckets print_lhist(t, min, max, step) has (common/agg.h). */
static int64_t lin_buckets(int64_t min, int64_t max, int64_t step)
{
	return (max - min) / step + 2;
}

/* Whether an entry of val_size bytes holds the linear buckets lin asks for. */
static int has_lin(const int64_t lin[3], uint32_t val_size)
{
	return lin_buckets(lin[0], lin[1], lin[2]) <= ((int64_t)val_size - AGG_LIN) / 8;
}

void agg_print_linear(FILE *out, const uint64_t *b, int64_t min, int64_t max, int64_t step)
{
	int n = (int)lin_buckets(min, max, step), last = 0;
	uint64_t top;
	for (int i = extent(b, n, &last, &top); i >= 0 && i <= last; i++) {
		char range[64], lo[24], hi[24];
		if (i == 0) {
			lin_label(lo, sizeof lo, min);
			snprintf(range, sizeof range, "(..., %s)", lo);
		} else if (i == n - 1) {
			lin_label(hi, sizeof hi, max);
			snprintf(range, sizeof range, "[%s, ...)", hi);
		} else {
			lin_label(lo, sizeof lo, min + (i - 1) * step);
			lin_label(hi, sizeof hi, min + i * step);
			snprintf(range, sizeof range, "[%s, %s)", lo, hi);
		}
		row(out, range, b[i], top);
	}
}

static json_t *bucket(int has_min, int64_t min, int has_max, int64_t max, uint64_t count)
{
	json_t *o = json_object();
	if (has_min)
		json_object_set_new(o, "min", json_integer(min));
	if (has_max)
		json_object_set_new(o, "max", json_integer(max));
	json_object_set_new(o, "count", json_integer((json_int_t)count));
	return o;
}

json_t *agg_json_log2(const uint64_t *b, int n)
{
	json_t *a = json_array();
	uint64_t max;
	int last = 0;
	for (int i = extent(b, n, &last, &max); i >= 0 && i <= last; i++) {
		int64_t lo = i < 3 ? i - 1 : (int64_t)1 << (i - 2);
		int64_t hi = i < 3 ? i - 1 : (int64_t)(((uint64_t)1 << (i - 1)) - 1);
		json_array_append_new(a, bucket(i > 0, lo, 1, hi, b[i]));
	}
	return a;
}

json_t *agg_json_linear(const uint64_t *b, int64_t min, int64_t max, int64_t step)
{
	json_t *a = json_array();
	int n = (int)lin_buckets(min, max, step), last = 0;
	uint64_t top;
	for (int i = extent(b, n, &last, &top); i >= 0 && i <= last; i++) {
		int64_t lo = i == n - 1 ? max : min + (i - 1) * step;
		json_array_append_new(a, bucket(i > 0, lo, i < n - 1, min + i * step - 1, b[i]));
	}
	return a;
}

/* "t[key]" or, for `t <<< v`, "t". */
static void entry_name(Rt *rt, FILE *out, const RtMap *m, const uint8_t *key)
{
	const KtapTable *t = m->table;
	fputs(rt_table_name(m), out);
	if (t && !t->nkeys)
		return;
	fputc('[', out);
	rt_print_key(rt, out, m, key);
	fputc(']', out);
}

static void entry_text(Rt *rt, FILE *out, const RtMap *m, const uint8_t *key, const uint64_t *b,
		       AggPrint how, const int64_t lin[3], uint32_t val_size)
{
	const uint8_t *v = (const uint8_t *)b;
	int64_t count = s64(v + AGG_COUNT), sum = s64(v + AGG_SUM);
	entry_name(rt, out, m, key);
	if (how == AGG_STATS) {
		fprintf(out, ": count %" PRId64 ", average %" PRId64 ", total %" PRId64
			", min %" PRId64 ", max %" PRId64 "\n", count, count ? sum / count : 0,
			sum, s64(v + AGG_MIN), s64(v + AGG_MAX));
		return;
	}
	fputs(":\n", out);
	if (how == AGG_LOG2_HIST)
		agg_print_log2(out, b + AGG_LOG2 / 8, AGG_LOG2_N);
	else if (has_lin(lin, val_size))
		agg_print_linear(out, b + AGG_LIN / 8, lin[0], lin[1], lin[2]);
	fputc('\n', out);
}

/* {"key": K (none for `t <<< v`), then the statistics or "buckets"} */
static json_t *entry_json(Rt *rt, const RtMap *m, const uint8_t *key, const uint64_t *b,
			  AggPrint how, const int64_t lin[3], uint32_t val_size)
{
	const uint8_t *v = (const uint8_t *)b;
	int64_t count = s64(v + AGG_COUNT), sum = s64(v + AGG_SUM);
	json_t *o = json_object();
	if (!m->table || m->table->nkeys)
		json_object_set_new(o, "key", rt_json_key(rt, m, key));
	if (how == AGG_STATS) {
		json_object_set_new(o, "count", json_integer(count));
		json_object_set_new(o, "average", json_integer(count ? sum / count : 0));
		json_object_set_new(o, "total", json_integer(sum));
		json_object_set_new(o, "min", json_integer(s64(v + AGG_MIN)));
		json_object_set_new(o, "max", json_integer(s64(v + AGG_MAX)));
	} else if (how == AGG_LOG2_HIST) {
		json_object_set_new(o, "buckets", agg_json_log2(b + AGG_LOG2 / 8, AGG_LOG2_N));
	} else if (has_lin(lin, val_size)) {
		json_object_set_new(o, "buckets", agg_json_linear(b + AGG_LIN / 8, lin[0], lin[1], lin[2]));
	}
	return o;
}

void rt_print_agg(Rt *rt, FILE *out, RtMap *m, AggPrint how, const int64_t lin[3])
{
	static const char *const type[] = { [AGG_LOG2_HIST] = "hist", [AGG_LIN_HIST] = "lhist", [AGG_STATS] = "stats" };
	Snap s;
	if (rt_snap(rt, m, 1, -1, &s))
		return;
	if (out == rt->opt.out)
		rt_output_user(rt, 1);
	json_t *entries = rt_json_to(rt, out) ? json_array() : NULL;
	uint64_t *b = xcalloc(1, s.val_size + 8);
	for (size_t i = 0; i < s.n; i++) {
		const uint8_t *key = s.keys + i * s.key_size;
		memcpy(b, s.vals + i * s.val_size, s.val_size);
		if (entries)
			json_array_append_new(entries, entry_json(rt, m, key, b, how, lin, s.val_size));
		else
			entry_text(rt, out, m, key, b, how, lin, s.val_size);
	}
	if (entries) {
		json_t *o = rt_json_table(type[how], m);
		json_object_set_new(o, "entries", entries);
		rt_json_emit(rt, o);
	}
	free(b);
	rt_snap_free(&s);
}
