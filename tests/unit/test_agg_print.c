/* Aggregation rows (runtime/print_agg.c): bucket edges, K/M/G/T suffixes,
 * the negative and zero buckets, bar scaling, exactly as bpftrace prints
 * hist() and lhist() (docs/semantics.md "Aggregations"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include "runtime/rt.h"
#include "common/agg.h"

static char *text;
static size_t len;

static const char *log2_rows(const uint64_t *b)
{
	free(text);
	FILE *out = open_memstream(&text, &len);
	agg_print_log2(out, b, AGG_LOG2_N);
	fclose(out);
	return text;
}

static const char *lin_rows(const uint64_t *b, int64_t min, int64_t max, int64_t step)
{
	free(text);
	FILE *out = open_memstream(&text, &len);
	agg_print_linear(out, b, min, max, step);
	fclose(out);
	return text;
}

/* Negative, zero, an empty [1] inside the shown range, then [2, 4). */
static void test_log2_low_buckets(void **state)
{
	uint64_t b[AGG_LOG2_N] = { [0] = 1, [1] = 2, [3] = 4 };
	assert_string_equal(log2_rows(b),
		"(..., 0)               1 |@@@@@@@@@@@@@                                       |\n"
		"[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[1]                    0 |                                                    |\n"
		"[2, 4)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}

/* Bars are truncated, not rounded: 1/3 and 2/3 of 52 are 17 and 34. */
static void test_log2_bar_scaling(void **state)
{
	uint64_t b[AGG_LOG2_N] = { [5] = 1, [6] = 2, [7] = 3 };
	assert_string_equal(log2_rows(b),
		"[8, 16)                1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[16, 32)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n"
		"[32, 64)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}

/* Each power's label: plain below 1K, then K M G, and T from 2^40 up. */
static void test_log2_suffixes(void **state)
{
	static const struct { int i; const char *range; } want[] = {
		{ 11, "[512, 1K)" }, { 12, "[1K, 2K)" }, { 21, "[512K, 1M)" }, { 22, "[1M, 2M)" },
		{ 32, "[1G, 2G)" }, { 41, "[512G, 1T)" }, { 42, "[1T, 2T)" }, { 52, "[1024T, 2048T)" },
		{ 64, "[4194304T, 8388608T)" },
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		uint64_t b[AGG_LOG2_N] = { 0 };
		char line[128];
		b[want[k].i] = 7;
		snprintf(line, sizeof line, "%-16s%8d |%s|\n", want[k].range, 7,
			 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
		assert_string_equal(log2_rows(b), line);
	}
}

static void test_empty_prints_nothing(void **state)
{
	uint64_t b[AGG_LOG2_N] = { 0 };
	assert_string_equal(log2_rows(b), "");
	assert_string_equal(lin_rows(b, 0, 10, 5), "");
}

/* Below min, negative and zero edges, above max; an empty bucket inside. */
static void test_linear_edges(void **state)
{
	uint64_t b[6] = { 3, 0, 1, 0, 0, 6 };
	assert_string_equal(lin_rows(b, -10, 10, 5),
		"(..., -10)             3 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[-10, -5)              0 |                                                    |\n"
		"[-5, 0)                1 |@@@@@@@@                                            |\n"
		"[0, 5)                 0 |                                                    |\n"
		"[5, 10)                0 |                                                    |\n"
		"[10, ...)              6 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}

/* Edges that are multiples of 1024 read K, of 1048576 M; others stay plain. */
static void test_linear_suffixes(void **state)
{
	uint64_t k[4] = { 1, 1, 1, 1 }, m[4] = { 0, 2, 0, 0 }, plain[3] = { 0, 5, 0 };
	assert_string_equal(lin_rows(k, 0, 2048, 1024),
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0, 1K)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	assert_string_equal(lin_rows(m, 1048576, 3145728, 1048576),
		"[1M, 2M)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	assert_string_equal(lin_rows(plain, 1000, 1536, 536),
		"[1000, 1536)           5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}

static int teardown(void **state)
{
	free(text);
	text = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_log2_low_buckets, teardown),
		cmocka_unit_test_teardown(test_log2_bar_scaling, teardown),
		cmocka_unit_test_teardown(test_log2_suffixes, teardown),
		cmocka_unit_test_teardown(test_empty_prints_nothing, teardown),
		cmocka_unit_test_teardown(test_linear_edges, teardown),
		cmocka_unit_test_teardown(test_linear_suffixes, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
