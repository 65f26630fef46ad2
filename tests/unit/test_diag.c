/* Diagnostics: repeats dropped, repeat groups and their notes, the error
 * limit, in text and JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frontend/diag.h"

static const Source src = { "t.kp", "a\nb\n", 4 };
static char *buf;
static size_t len;

/* Free d and return what it wrote (the caller frees it). */
static char *close_diag(Diag *d, FILE *out)
{
	diag_free(d);
	fclose(out);
	return buf;
}

#define AT(l, c) ((Loc){ l, c, l, c })
/* AT(l, 1) in JSON */
#define ONE_COL(l) "{\"start\": {\"line\": " #l ", \"column\": 1, \"display_column\": 1}, " \
		   "\"end\": {\"line\": " #l ", \"column\": 2, \"display_column\": 2}}"

static void test_repeats_once(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_TEXT);
	diag_error(d, DC_SYNTAX, AT(1, 1), "bad %d", 1);
	diag_note(d, AT(2, 1), "because");
	diag_error(d, DC_SYNTAX, AT(1, 1), "bad %d", 1);
	diag_note(d, AT(2, 1), "because");	/* dropped with its error */
	diag_error(d, DC_SYNTAX, AT(2, 1), "bad %d", 1);	/* another place */
	diag_warning(d, DC_SYNTAX, AT(1, 1), "bad %d", 1);	/* another level */
	assert_int_equal(diag_errors(d), 2);
	char *s = close_diag(d, out);
	assert_string_equal(s, "t.kp:1:1: error: bad 1\n    1 | a\n      | ^\n"
			       "t.kp:2:1: note: because\n    2 | b\n      | ^\n"
			       "t.kp:2:1: error: bad 1\n    2 | b\n      | ^\n"
			       "t.kp:1:1: warning: bad 1\n    1 | a\n      | ^\n");
	free(s);
}

/* Three copies: one error in all, one in two of them. */
static void test_repeat_group(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_JSON);
	diag_repeat_begin(d);
	for (int copy = 0; copy < 3; copy++) {
		diag_repeat_next(d);
		diag_error(d, DC_SYNTAX, AT(2, 1), "all");
		if (copy)
			diag_error(d, DC_SYNTAX, AT(2, 1), "some");
	}
	diag_repeat_end(d, 3, AT(1, 1), "events matched by 'x:*'");
	assert_int_equal(diag_errors(d), 2);
	char *s = close_diag(d, out);
	assert_string_equal(s,
		"{\"version\": 1, \"diagnostics\": [\n"
		" {\"code\": \"syntax-error\", \"severity\": \"error\", \"message\": \"all\", \"file\": \"t.kp\", "
		"\"range\": " ONE_COL(2) ", \"notes\": [{\"message\": \"in 3 events matched by 'x:*'\", "
		"\"file\": \"t.kp\", \"range\": " ONE_COL(1) "}], \"fixits\": []},\n"
		" {\"code\": \"syntax-error\", \"severity\": \"error\", \"message\": \"some\", \"file\": \"t.kp\", "
		"\"range\": " ONE_COL(2) ", \"notes\": [{\"message\": \"in 2 of 3 events matched by 'x:*'\", "
		"\"file\": \"t.kp\", \"range\": " ONE_COL(1) "}], \"fixits\": []}]}\n");
	free(s);
}

/* Text in a group is held until its end, so notes follow their error. */
static void test_repeat_group_text(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_TEXT);
	diag_repeat_begin(d);
	for (int copy = 0; copy < 2; copy++) {
		diag_repeat_next(d);
		diag_error(d, DC_SYNTAX, AT(2, 1), "e");
		fflush(out);
		assert_int_equal(len, 0);
	}
	diag_repeat_end(d, 2, (Loc){ 0 }, "events");
	char *s = close_diag(d, out);
	assert_string_equal(s, "t.kp:2:1: error: e\n    2 | b\n      | ^\nt.kp: note: in 2 events\n");
	free(s);
}

static void test_error_limit(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_TEXT);
	diag_set_error_limit(d, 2);
	diag_warning(d, DC_SYNTAX, (Loc){ 0 }, "w");	/* warnings do not count */
	for (int i = 0; i < 5; i++)
		diag_error(d, DC_SYNTAX, (Loc){ 0 }, "e%d", i);
	diag_note(d, (Loc){ 0 }, "dropped");
	assert_int_equal(diag_errors(d), 3);
	char *s = close_diag(d, out);
	assert_string_equal(s, "t.kp: warning: w\nt.kp: error: e0\nt.kp: error: e1\n"
			       "t.kp: fatal error: too many errors emitted, stopping now [-ferror-limit=]\n");
	free(s);

	out = open_memstream(&buf, &len);
	d = diag_new(&src, out, DIAG_TEXT);
	diag_set_error_limit(d, 0);
	for (int i = 0; i < 100; i++)
		diag_error(d, DC_SYNTAX, (Loc){ 0 }, "e%d", i);
	assert_int_equal(diag_errors(d), 100);
	free(close_diag(d, out));
}

/* Ranges end one past their last byte; display columns count code points
 * and tab stops: in "\tx = \"\xc3\xa9\" y", y is byte 11, display column 17. */
static void test_json_columns(void **state)
{
	static const char text[] = "\tx = \"\xc3\xa9\" y\n";
	static const Source tab = { "t.kp", text, sizeof text - 1 };
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&tab, out, DIAG_JSON);
	diag_error(d, DC_UNDECLARED, AT(1, 11), "y");
	char *s = close_diag(d, out);
	assert_non_null(strstr(s, "\"range\": {\"start\": {\"line\": 1, \"column\": 11, \"display_column\": 17}, "
				 "\"end\": {\"line\": 1, \"column\": 12, \"display_column\": 18}}"));
	free(s);
}

/* A fix-it belongs to the diagnostic before it; a repeat's is dropped
 * with it, and an empty range inserts. */
static void test_fixits(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_JSON);
	diag_error(d, DC_UNDECLARED, AT(1, 1), "e");
	diag_fixit(d, AT(1, 1), "x");
	diag_error(d, DC_UNDECLARED, AT(1, 1), "e");
	diag_fixit(d, AT(1, 1), "again");
	diag_fixit(d, ((Loc){ 2, 1, 2, 0 }), "var ");	/* still the repeat's */
	char *s = close_diag(d, out);
	assert_non_null(strstr(s, "\"fixits\": [{\"range\": {\"start\": {\"line\": 1, \"column\": 1, "
				 "\"display_column\": 1}, \"end\": {\"line\": 1, \"column\": 2, "
				 "\"display_column\": 2}}, \"replacement\": \"x\"}]}]}\n"));
	assert_null(strstr(s, "again"));
	free(s);

	out = open_memstream(&buf, &len);
	d = diag_new(&src, out, DIAG_JSON);
	diag_error(d, DC_UNDECLARED, AT(2, 1), "e");
	diag_fixit(d, ((Loc){ 2, 1, 2, 0 }), "var ");
	s = close_diag(d, out);
	assert_non_null(strstr(s, "\"fixits\": [{\"range\": {\"start\": {\"line\": 2, \"column\": 1, "
				 "\"display_column\": 1}, \"end\": {\"line\": 2, \"column\": 1, "
				 "\"display_column\": 1}}, \"replacement\": \"var \"}]"));
	free(s);
}

/* Codes are kebab-case and no two kinds share one. */
static void test_codes(void **state)
{
	for (int i = 0; i < DC_COUNT; i++) {
		const char *c = diag_code_name(i);
		assert_true(strspn(c, "abcdefghijklmnopqrstuvwxyz-") == strlen(c) && c[0] != '-');
		assert_true(*diag_code_description(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(c, diag_code_name(j));
	}
}

/* docs/diagnostics.md lists every code once, as "| `code` | ...", and
 * nothing else that way (the tests run from the top of the tree). */
static void test_codes_documented(void **state)
{
	FILE *f = fopen("docs/diagnostics.md", "r");
	assert_non_null(f);
	int seen[DC_COUNT] = { 0 }, rows = 0;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "| `", 3))
			continue;
		rows++;
		size_t n = strcspn(line + 3, "`");
		for (int i = 0; i < DC_COUNT; i++)
			if (strlen(diag_code_name(i)) == n && !strncmp(line + 3, diag_code_name(i), n))
				seen[i]++;
	}
	fclose(f);
	for (int i = 0; i < DC_COUNT; i++)
		if (seen[i] != 1)
			fail_msg("code '%s' is listed %d times in docs/diagnostics.md", diag_code_name(i), seen[i]);
	assert_int_equal(rows, DC_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_once),
		cmocka_unit_test(test_repeat_group),
		cmocka_unit_test(test_repeat_group_text),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_json_columns),
		cmocka_unit_test(test_fixits),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_codes_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
