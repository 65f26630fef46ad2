/* Diagnostics: repeats dropped, repeat groups and their notes, the error
 * limit, in text and JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static void test_repeats_once(void **state)
{
	FILE *out = open_memstream(&buf, &len);
	Diag *d = diag_new(&src, out, DIAG_TEXT);
	diag_error(d, AT(1, 1), "bad %d", 1);
	diag_note(d, AT(2, 1), "because");
	diag_error(d, AT(1, 1), "bad %d", 1);
	diag_note(d, AT(2, 1), "because");	/* dropped with its error */
	diag_error(d, AT(2, 1), "bad %d", 1);	/* another place */
	diag_warning(d, AT(1, 1), "bad %d", 1);	/* another level */
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
		diag_error(d, AT(2, 1), "all");
		if (copy)
			diag_error(d, AT(2, 1), "some");
	}
	diag_repeat_end(d, 3, AT(1, 1), "events matched by 'x:*'");
	assert_int_equal(diag_errors(d), 2);
	char *s = close_diag(d, out);
	assert_string_equal(s,
		"[{\"file\": \"t.kp\", \"line\": 2, \"column\": 1, \"end_line\": 2, \"end_column\": 1, "
		"\"severity\": \"error\", \"message\": \"all\", \"notes\": [{\"file\": \"t.kp\", "
		"\"line\": 1, \"column\": 1, \"end_line\": 1, \"end_column\": 1, \"severity\": \"note\", "
		"\"message\": \"in 3 events matched by 'x:*'\"}]},\n"
		" {\"file\": \"t.kp\", \"line\": 2, \"column\": 1, \"end_line\": 2, \"end_column\": 1, "
		"\"severity\": \"error\", \"message\": \"some\", \"notes\": [{\"file\": \"t.kp\", "
		"\"line\": 1, \"column\": 1, \"end_line\": 1, \"end_column\": 1, \"severity\": \"note\", "
		"\"message\": \"in 2 of 3 events matched by 'x:*'\"}]}]\n");
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
		diag_error(d, AT(2, 1), "e");
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
	diag_warning(d, (Loc){ 0 }, "w");	/* warnings do not count */
	for (int i = 0; i < 5; i++)
		diag_error(d, (Loc){ 0 }, "e%d", i);
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
		diag_error(d, (Loc){ 0 }, "e%d", i);
	assert_int_equal(diag_errors(d), 100);
	free(close_diag(d, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_once),
		cmocka_unit_test(test_repeat_group),
		cmocka_unit_test(test_repeat_group_text),
		cmocka_unit_test(test_error_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
