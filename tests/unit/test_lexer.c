/* The lexer's edge cases, driven through parse_source: number bases and
 * overflow, escapes, long brackets, comments, columns, raw event text and
 * intervals. Diagnostics are captured in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frontend/ast.h"

typedef struct Parsed {
	Node *root;
	char *diags;	/* the text of every diagnostic */
	int errors;
} Parsed;

static Parsed parse(const char *text, size_t len)
{
	Parsed p = { 0 };
	size_t size;
	FILE *out = open_memstream(&p.diags, &size);
	Source src = { "t.kp", text, len };
	Diag *d = diag_new(&src, out, DIAG_TEXT);
	p.root = parse_source(&src, d);
	p.errors = diag_errors(d);
	diag_free(d);
	fclose(out);
	return p;
}

static Parsed parse_str(const char *text) { return parse(text, strlen(text)); }

static void done(Parsed *p)
{
	ast_free(p->root);
	free(p->diags);
}

/* Statement i of the chunk. */
static Node *stat(Parsed *p, int i)
{
	assert_non_null(p->root);
	assert_true(i < p->root->list.n);
	return p->root->list.v[i];
}

/* Value j of assignment statement i. */
static Node *value(Parsed *p, int i, int j)
{
	Node *s = stat(p, i);
	assert_int_equal(s->kind, N_ASSIGN);
	assert_true(j < s->list2.n);
	return s->list2.v[j];
}

static void assert_loc(Loc l, int line, int col, int end_line, int end_col)
{
	assert_int_equal(l.line, line);
	assert_int_equal(l.col, col);
	assert_int_equal(l.end_line, end_line);
	assert_int_equal(l.end_col, end_col);
}

static void expect_error(const char *text, const char *msg)
{
	Parsed p = parse_str(text);
	assert_true(p.errors > 0);
	if (!strstr(p.diags, msg))
		fail_msg("expected \"%s\" in:\n%s", msg, p.diags);
	done(&p);
}

static void test_number_bases(void **state)
{
	Parsed p = parse_str("x = 0, 42, 010, 0777, 0x1F, 0XaBc, 9223372036854775807, "
			     "0x7fffffffffffffff, 0xffffffffffffffff, 01777777777777777777777");
	assert_int_equal(p.errors, 0);
	int64_t want[] = { 0, 42, 8, 511, 31, 0xabc, INT64_MAX, INT64_MAX, -1, -1 };
	for (int i = 0; i < 10; i++) {
		assert_int_equal(value(&p, 0, i)->kind, N_NUM);
		assert_int_equal(value(&p, 0, i)->num, want[i]);
	}
	assert_loc(value(&p, 0, 2)->loc, 1, 12, 1, 14);
	done(&p);
}

static void test_number_errors(void **state)
{
	expect_error("x = 9223372036854775808", "1:5: error: integer constant is too large");
	expect_error("x = 0x10000000000000000", "integer constant is too large");
	expect_error("x = 02000000000000000000000", "integer constant is too large");
	expect_error("x = 1.5", "1:5: error: floating point is not supported");
	expect_error("x = 1e9", "floating point is not supported");
	expect_error("x = 09", "invalid digit '9' in octal constant");
	expect_error("x = 0x", "invalid suffix 'x' on integer constant");
	expect_error("x = 10km", "invalid suffix 'km' on integer constant");
	/* `1..2` is a concatenation, not a malformed number */
	Parsed p = parse_str("x = 1..2");
	assert_int_equal(p.errors, 0);
	assert_int_equal(value(&p, 0, 0)->op, TK_CONCAT);
	done(&p);
}

static void test_escapes(void **state)
{
	Parsed p = parse_str("x = \"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\", '\\x41\\x7e\\65\\0\\255z'");
	assert_int_equal(p.errors, 0);
	Node *s = value(&p, 0, 0);
	assert_int_equal(s->kind, N_STR);
	assert_int_equal(s->len, 10);
	assert_memory_equal(s->str, "\a\b\f\n\r\t\v\\\"'", 10);
	s = value(&p, 0, 1);
	assert_int_equal(s->len, 6);
	assert_memory_equal(s->str, "A~A\0\xffz", 6);
	done(&p);
	expect_error("x = \"\\q\"", "1:6: error: unknown escape sequence '\\q'");
	expect_error("x = \"\\256\"", "escape '\\256' is out of range");
	expect_error("x = \"\\xg0\"", "'\\x' needs two hexadecimal digits");
}

static void test_strings_with_nul_and_quotes(void **state)
{
	static const char text[] = "x = \"a\0b\", 'say \"hi\"', \"it's\"";
	Parsed p = parse(text, sizeof text - 1);
	assert_int_equal(p.errors, 0);
	assert_int_equal(value(&p, 0, 0)->len, 3);
	assert_memory_equal(value(&p, 0, 0)->str, "a\0b", 3);
	assert_string_equal(value(&p, 0, 1)->str, "say \"hi\"");
	assert_string_equal(value(&p, 0, 2)->str, "it's");
	done(&p);
}

static void test_unterminated(void **state)
{
	expect_error("x = 1\ny = \"abc", "2:5: error: missing terminating \" character");
	expect_error("y = 'abc\nz = 1", "1:5: error: missing terminating ' character");
	expect_error("x = [==[ abc ]=] ]]", "1:5: error: unterminated long string");
	expect_error("x = 1 --[[ abc ]=]", "1:7: error: unterminated long comment");
	/* nothing else is reported after an unterminated string at the end */
	Parsed p = parse_str("print(\"abc");
	assert_int_equal(p.errors, 1);
	done(&p);
}

static void test_long_strings(void **state)
{
	Parsed p = parse_str("x = [[a]], [==[a]]b]=]c]==], [[\nfirst\nsecond]], [=[]]]=], [[]]");
	assert_int_equal(p.errors, 0);
	assert_string_equal(value(&p, 0, 0)->str, "a");
	assert_string_equal(value(&p, 0, 1)->str, "a]]b]=]c");
	assert_string_equal(value(&p, 0, 2)->str, "first\nsecond");	/* first newline dropped */
	assert_loc(value(&p, 0, 2)->loc, 1, 30, 3, 8);
	assert_string_equal(value(&p, 0, 3)->str, "]]");
	assert_int_equal(value(&p, 0, 4)->len, 0);
	done(&p);
}

static void test_comments(void **state)
{
	Parsed p = parse_str("#!/usr/bin/ktap -q\n"
			     "-- line\n"
			     "--[[ block\n -- ]] a = 1\n"
			     "--[==[ ]] ]=] ]==] b = 2\n"
			     "--[ line, not block c = 3\n"
			     "--[=x also a line d = 4\n"
			     "# hash e = 5\n"
			     "f = 6 --[[ inline ]] g = 7 -- tail\n");
	assert_int_equal(p.errors, 0);
	assert_int_equal(p.root->list.n, 4);
	const char *names[] = { "a", "b", "f", "g" };
	for (int i = 0; i < 4; i++)
		assert_string_equal(stat(&p, i)->list.v[0]->str, names[i]);
	assert_loc(stat(&p, 0)->loc, 4, 8, 4, 12);
	assert_loc(stat(&p, 3)->loc, 9, 22, 9, 26);
	done(&p);
}

static void test_columns(void **state)
{
	/* a tab is one column; lines count across strings and comments */
	Parsed p = parse_str("\t\tx = 1\n--[[\n\n]]\ty = \"a\\\nb\"  z = 3\r\nw = 4");
	assert_int_equal(p.errors, 0);
	assert_loc(stat(&p, 0)->loc, 1, 3, 1, 7);
	assert_loc(stat(&p, 1)->loc, 4, 4, 5, 2);
	assert_loc(stat(&p, 2)->loc, 5, 5, 5, 9);
	assert_loc(stat(&p, 3)->loc, 6, 1, 6, 5);
	done(&p);
	expect_error("\tx = = 1", "1:6: error: expected expression before '='");
}

static void test_keywords_after_dot(void **state)
{
	Parsed p = parse_str("timer.tick(\"1s\", f); kdebug.trace_end(f); t.end = t.pid");
	assert_int_equal(p.errors, 0);
	assert_string_equal(stat(&p, 0)->a->a->str, "tick");
	assert_string_equal(stat(&p, 1)->a->a->str, "trace_end");
	assert_string_equal(stat(&p, 2)->list.v[0]->str, "end");
	assert_int_equal(value(&p, 2, 0)->kind, N_FIELD);
	done(&p);
	/* but a built-in variable alone is one */
	p = parse_str("x = pid + arg9");
	assert_int_equal(value(&p, 0, 0)->a->kind, N_BUILTIN);
	assert_int_equal(value(&p, 0, 0)->a->num, B_PID);
	assert_int_equal(value(&p, 0, 0)->b->num, B_ARG9);
	done(&p);
}

static void test_event_specs(void **state)
{
	Parsed p = parse_str("trace  syscalls:sys_enter_* ,sched:sched_[sw]*,\n"
			     "  probe:/lib/x86_64-linux-gnu/libc.so.6:malloc%return,"
			     "probe:do_sys_open dfd=%di filename=+0(%si):string /arg1 == (pid / 2)/ { }");
	assert_int_equal(p.errors, 0);
	Node *t = stat(&p, 0);
	assert_int_equal(t->kind, N_TRACE);
	assert_int_equal(t->list.n, 4);
	assert_string_equal(t->list.v[0]->str, "syscalls:sys_enter_*");
	assert_loc(t->list.v[0]->loc, 1, 8, 1, 27);
	assert_string_equal(t->list.v[1]->str, "sched:sched_[sw]*");
	assert_loc(t->list.v[1]->loc, 1, 30, 1, 46);
	assert_string_equal(t->list.v[2]->str, "probe:/lib/x86_64-linux-gnu/libc.so.6:malloc%return");
	assert_loc(t->list.v[2]->loc, 2, 3, 2, 53);
	assert_string_equal(t->list.v[3]->str, "probe:do_sys_open dfd=%di filename=+0(%si):string");
	/* the filter ends at the first '/' outside brackets */
	assert_non_null(t->a);
	assert_int_equal(t->a->op, TK_EQ);
	assert_int_equal(t->a->b->op, '/');
	done(&p);

	p = parse_str("trace probe:/bin/bash:readline/pid == 1/{}");
	assert_int_equal(p.errors, 0);
	assert_string_equal(stat(&p, 0)->list.v[0]->str, "probe:/bin/bash:readline");
	assert_int_equal(stat(&p, 0)->a->op, TK_EQ);
	done(&p);

	p = parse_str("trace *:* /(arg1 / 2) > 3 && t[arg2 / 4]/ { }");
	assert_int_equal(p.errors, 0);
	assert_string_equal(stat(&p, 0)->list.v[0]->str, "*:*");
	assert_int_equal(stat(&p, 0)->a->op, TK_AND);
	done(&p);

	expect_error("trace { }", "1:7: error: expected an event specification before '{'");
	expect_error("trace a:b /pid { }", "1:16: error: expected '/' to end the filter before '{'");
	expect_error("trace a:b print(1)", "1:11: error: expected '{' before 'print'");
}

static void test_intervals(void **state)
{
	const char *forms[] = { "tick-1s { }", "tick - 1s { }", "tick-1s{ }", "tick\t-\t1s\n{ }" };
	int cols[] = { 6, 8, 6, 8 };
	for (int i = 0; i < 4; i++) {
		Parsed p = parse_str(forms[i]);
		assert_int_equal(p.errors, 0);
		Node *t = stat(&p, 0);
		assert_int_equal(t->kind, N_TICK);
		assert_string_equal(t->str, "1s");
		assert_loc(t->a->loc, 1, cols[i], 1, cols[i] + 1);
		done(&p);
	}
	Parsed p = parse_str("profile-100us{}");
	assert_int_equal(stat(&p, 0)->kind, N_PROFILE);
	assert_string_equal(stat(&p, 0)->str, "100us");
	done(&p);
	expect_error("tick { }", "1:6: error: expected '-' before '{'");
	expect_error("tick-{ }", "1:6: error: expected an interval before '{'");
}

static void test_stray_and_else_if(void **state)
{
	expect_error("x = 1 @ 2", "1:7: error: stray '@' in program");
	expect_error("x = 1 \x01", "stray '\\1' in program");
	Parsed p = parse_str("if (a) { } else  if (b) { } else { }");
	assert_int_equal(p.errors, 1);
	assert_non_null(strstr(p.diags, "1:12: error: 'else if' is not valid here; write 'elseif'"));
	assert_non_null(strstr(p.diags, "^~~~~~~~"));	/* both words underlined */
	assert_int_equal(stat(&p, 0)->c->kind, N_IF);	/* parsed as elseif */
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_bases),
		cmocka_unit_test(test_number_errors),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_strings_with_nul_and_quotes),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_keywords_after_dot),
		cmocka_unit_test(test_event_specs),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_stray_and_else_if),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
