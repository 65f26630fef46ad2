/* -f json's rendering (docs/json.md): strings repaired to UTF-8, the
 * buckets of print_hist and print_lhist with their bounds, and print,
 * printf and print_hist of a table as objects on the output. */
#include "test_rt.h"
#include "common/agg.h"
#include "common/util.h"
#include "runtime/json.h"

static char *text;
static size_t len;

static int setup(void **state)
{
	t_reset();
	T.rt.opt.json = 1;
	T.rt.opt.out = open_memstream(&text, &len);
	assert_int_equal(rt_interp_init(&T.rt), 0);
	return 0;
}

static int teardown(void **state)
{
	fclose(T.rt.opt.out);
	free(text);
	text = NULL;
	return t_teardown(state);
}

/* What went out so far. */
static const char *output(void)
{
	fflush(T.rt.opt.out);
	return text;
}

static void assert_dump(json_t *j, const char *want)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

static void test_utf8_len(void **state)
{
	const struct { const char *s; size_t want; } cases[] = {
		{ "a", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 0 },		/* a surrogate */
		{ "\xf4\x90\x80\x80", 0 },	/* above U+10FFFF */
		{ "\xff", 0 }, { "\x80", 0 }, { "\xc3", 0 },	/* cut short */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(utf8_len((const uint8_t *)cases[i].s, strlen(cases[i].s)), cases[i].want);
}

/* jansson escapes; a byte that is not UTF-8 becomes U+FFFD, the rest stays. */
static void test_text(void **state)
{
	assert_dump(rt_json_text("a\"b\\c\n\t\x01", 8), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	assert_dump(rt_json_text("x\0y", 3), "\"x\\u0000y\"");
	assert_dump(rt_json_text("\xff\xc3\xa9\xc3", 4), "\"\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\"");
}

static void test_log2_buckets(void **state)
{
	uint64_t b[AGG_LOG2_N] = { 0 };
	b[0] = 1;	/* < 0 */
	b[2] = 3;	/* 1 */
	b[4] = 5;	/* [4, 8) */
	b[AGG_LOG2_N - 1] = 7;	/* [2^62, 2^63) */
	json_t *a = agg_json_log2(b, AGG_LOG2_N);
	assert_int_equal(json_array_size(a), AGG_LOG2_N);	/* inner empty buckets too */
	assert_dump(json_incref(json_array_get(a, 0)), "{\"max\":-1,\"count\":1}");
	assert_dump(json_incref(json_array_get(a, 1)), "{\"min\":0,\"max\":0,\"count\":0}");
	assert_dump(json_incref(json_array_get(a, 4)), "{\"min\":4,\"max\":7,\"count\":5}");
	assert_dump(json_incref(json_array_get(a, AGG_LOG2_N - 1)),
		    "{\"min\":4611686018427387904,\"max\":9223372036854775807,\"count\":7}");
	json_decref(a);
	uint64_t none[AGG_LOG2_N] = { 0 };
	assert_dump(agg_json_log2(none, AGG_LOG2_N), "[]");
}

static void test_linear_buckets(void **state)
{
	uint64_t b[5] = { 0, 2, 0, 1, 4 };	/* min 0, max 30, step 10 */
	assert_dump(agg_json_linear(b, 0, 30, 10),
		    "[{\"min\":0,\"max\":9,\"count\":2},{\"min\":10,\"max\":19,\"count\":0},"
		    "{\"min\":20,\"max\":29,\"count\":1},{\"min\":30,\"count\":4}]");
	uint64_t under[5] = { 3 };
	assert_dump(agg_json_linear(under, 0, 30, 10), "[{\"max\":-1,\"count\":3}]");
}

/* print with values of each kind; printf with the text it made. */
static void test_print_printf(void **state)
{
	KtapArg args[] = { { V_NUM, 0, 8, NULL }, { V_STR, 8, 8, NULL }, { V_BOOL, 16, 8, NULL },
			   { V_NIL, 24, 8, NULL } };
	KtapFormat print = { FMT_PRINT, NULL, 4, args, 32, 1 };
	KtapFormat pf = { FMT_PRINTF, (char *)"<%d %s>", 2, args, 32, 1 };
	uint8_t payload[32] = { 0 };
	int64_t n = -5, t = 1;
	memcpy(payload, &n, 8);
	memcpy(payload + 8, "q\"\xff", 3);
	memcpy(payload + 16, &t, 8);
	rt_format(&T.rt, T.rt.opt.out, &print, payload);
	rt_format(&T.rt, T.rt.opt.out, &pf, payload);
	assert_string_equal(output(),
			    "{\"type\":\"print\",\"data\":[-5,\"q\\\"\xef\xbf\xbd\",true,null]}\n"
			    "{\"type\":\"printf\",\"data\":\"<-5 q\\\"\xef\xbf\xbd>\"}\n");
}

/* Names (§14) are strings, as print shows them. */
static void test_names(void **state)
{
	KtapArg args[] = { { V_SYSCALL, 0, 8, NULL }, { V_ERRNO, 8, 8, NULL } };
	KtapFormat print = { FMT_PRINT, NULL, 2, args, 16, 1 };
	int64_t v[2] = { 257, 2 };
	rt_format(&T.rt, T.rt.opt.out, &print, (uint8_t *)v);
	assert_string_equal(output(), "{\"type\":\"print\",\"data\":[\"openat\",\"ENOENT\"]}\n");
}

/* sprintf's formatting (not to the output) stays text. */
static void test_not_output(void **state)
{
	KtapArg arg = { V_NUM, 0, 8, NULL };
	KtapFormat f = { FMT_PRINTF, (char *)"n=%d", 1, &arg, 8, 1 };
	int64_t v = 3;
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);
	rt_format(&T.rt, m, &f, (uint8_t *)&v);
	fclose(m);
	assert_string_equal(s, "n=3");
	free(s);
	assert_true(!output() || !*output());
}

/* A table without a KtapTable: 8-byte keys are numbers; rows left out
 * are counted. */
static void test_print_hist_table(void **state)
{
	RtMap *m = t_map("h", BPF_MAP_TYPE_HASH, 8, 8, 4);
	for (int64_t k = 1; k <= 3; k++) {
		int64_t v = k * 10;
		assert_int_equal(bpf_map_update_elem(m->fd, &k, &v, BPF_ANY), 0);
	}
	rt_print_hist(&T.rt, T.rt.opt.out, m, 2);
	assert_string_equal(output(), "{\"type\":\"print_hist\",\"table\":\"h\","
			    "\"rows\":[{\"key\":3,\"value\":30},{\"key\":2,\"value\":20}],\"more\":1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_log2_buckets),
		cmocka_unit_test(test_linear_buckets),
		cmocka_unit_test_setup_teardown(test_print_printf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_hist_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
