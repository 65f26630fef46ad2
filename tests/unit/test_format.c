/* printf format parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "common/format.h"

static Format parse_ok(const char *s)
{
	Format f;
	const char *err = NULL;
	size_t pos = 0;
	assert_int_equal(format_parse(&f, s, strlen(s), &err, &pos), 0);
	assert_int_equal(f.n, f.nconv + 1);
	assert_int_equal(f.v[f.n - 1].conv, 0);
	return f;
}

static void test_plain(void **state)
{
	Format f = parse_ok("hello 100%% sure\n");
	assert_int_equal(f.nconv, 0);
	assert_string_equal(f.v[0].text, "hello 100% sure\n");
	format_free(&f);

	f = parse_ok("");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].len, 0);
	format_free(&f);
}

static void test_conversions(void **state)
{
	Format f = parse_ok("%16s\t%-10d|%+05.3x%ld%lld%c%p%%end");
	assert_int_equal(f.nconv, 7);
	assert_string_equal(f.v[0].text, "");
	assert_int_equal(f.v[0].conv, 's');
	assert_int_equal(f.v[0].width, 16);
	assert_int_equal(f.v[0].prec, -1);
	assert_int_equal(f.v[0].pos, 0);
	assert_string_equal(f.v[1].text, "\t");
	assert_int_equal(f.v[1].conv, 'd');
	assert_int_equal(f.v[1].flags, FMT_LEFT);
	assert_int_equal(f.v[1].width, 10);
	assert_int_equal(f.v[1].pos, 5);
	assert_string_equal(f.v[2].text, "|");
	assert_int_equal(f.v[2].flags, FMT_PLUS | FMT_ZERO);
	assert_int_equal(f.v[2].width, 5);
	assert_int_equal(f.v[2].prec, 3);
	assert_int_equal(f.v[2].conv, 'x');
	assert_int_equal(f.v[3].conv, 'd');
	assert_int_equal(f.v[4].conv, 'd');
	assert_int_equal(f.v[5].conv, 'c');
	assert_int_equal(f.v[6].conv, 'p');
	assert_string_equal(f.v[7].text, "%end");
	format_free(&f);

	f = parse_ok("%# .s");
	assert_int_equal(f.v[0].flags, FMT_ALT | FMT_SPACE);
	assert_int_equal(f.v[0].prec, 0);
	format_free(&f);
}

static void test_arg_kinds(void **state)
{
	assert_int_equal(format_arg('s'), FMT_ARG_ANY);
	for (const char *c = "diuxXocp"; *c; c++)
		assert_int_equal(format_arg(*c), FMT_ARG_NUM);
}

static void parse_bad(const char *s, size_t want_pos, const char *want)
{
	Format f;
	const char *err = NULL;
	size_t pos = 99;
	assert_int_equal(format_parse(&f, s, strlen(s), &err, &pos), -1);
	assert_int_equal(pos, want_pos);
	assert_non_null(strstr(err, want));
	assert_int_equal(f.n, 0);
	assert_null(f.v);
}

static void test_errors(void **state)
{
	parse_bad("abc %", 4, "incomplete");
	parse_bad("%d %q", 3, "unknown conversion");
	parse_bad("%*d", 0, "'*'");
	parse_bad("%.*d", 0, "'*'");
	parse_bad("%99999d", 0, "too large");
	parse_bad("%.2000s", 0, "too large");
	parse_bad("%lf", 0, "unknown conversion");
	parse_bad("%lllld", 0, "unknown conversion");
}

static void test_nul_bytes(void **state)
{
	Format f;
	const char *err;
	size_t pos;
	assert_int_equal(format_parse(&f, "a\0b%d", 5, &err, &pos), 0);
	assert_int_equal(f.v[0].len, 3);
	assert_memory_equal(f.v[0].text, "a\0b", 3);
	format_free(&f);
	assert_int_equal(format_parse(&f, "%\0", 2, &err, &pos), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_arg_kinds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
