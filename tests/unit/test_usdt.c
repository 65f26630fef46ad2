/* USDT: the argument operand parser (common/usdt.c), and the notes of the
 * project's usdt tool (build/tests/tools/usdt, built before the tests). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/usdt.h"
#include "common/util.h"

/* spec parses to a field of kind, at pt_regs offset off (EF_INT, EF_MEM)
 * with disp (EF_MEM, EF_CONST), size and signedness. */
static void expect_arg(const char *spec, EventFieldKind kind, int off, int64_t disp, int size,
		       int is_signed)
{
	EventField f = usdt_arg(spec);
	assert_int_equal(f.kind, kind);
	if (kind == EF_INT || kind == EF_MEM)
		assert_int_equal(f.offset, off);
	if (kind == EF_MEM || kind == EF_CONST)
		assert_true(f.disp == disp);
	assert_int_equal(f.size, size);
	assert_int_equal(f.is_signed, is_signed);
	free(f.ctype);
}

static void expect_unreadable(const char *spec)
{
	EventField f = usdt_arg(spec);
	assert_int_equal(f.kind, EF_UNREADABLE);
	assert_string_equal(f.ctype, spec);
	free(f.ctype);
}

static void registers(void **state)
{
	expect_arg("-8@%rax", EF_INT, 80, 0, 8, 1);
	expect_arg("-4@%edx", EF_INT, 96, 0, 4, 1);
	expect_arg("2@%ax", EF_INT, 80, 0, 2, 0);
	expect_arg("1@%al", EF_INT, 80, 0, 1, 0);
	expect_arg("8@%rdi", EF_INT, 112, 0, 8, 0);
	expect_arg("-1@%dil", EF_INT, 112, 0, 1, 1);
	expect_arg("4@%r8d", EF_INT, 72, 0, 4, 0);
	expect_arg("2@%r15w", EF_INT, 0, 0, 2, 0);
	expect_arg("1@%r9b", EF_INT, 64, 0, 1, 0);
	expect_arg("8@%rsp", EF_INT, 152, 0, 8, 0);
	expect_arg("8@%rbp", EF_INT, 32, 0, 8, 0);
	expect_arg("8@%rip", EF_INT, 128, 0, 8, 0);
}

static void memory(void **state)
{
	expect_arg("-8@24(%rsp)", EF_MEM, 152, 24, 8, 1);
	expect_arg("-2@22(%rsp)", EF_MEM, 152, 22, 2, 1);
	expect_arg("1@21(%rsp)", EF_MEM, 152, 21, 1, 0);
	expect_arg("8@-80(%rbx)", EF_MEM, 40, -80, 8, 0);
	expect_arg("4@(%rdi)", EF_MEM, 112, 0, 4, 0);
	expect_arg("-4@0x10(%r12)", EF_MEM, 24, 16, 4, 1);
}

static void constants(void **state)
{
	expect_arg("-4@$-1", EF_CONST, 0, -1, 4, 1);
	expect_arg("4@$-1", EF_CONST, 0, 0xffffffff, 4, 0);
	expect_arg("1@$300", EF_CONST, 0, 44, 1, 0);
	expect_arg("-1@$255", EF_CONST, 0, -1, 1, 1);
	expect_arg("8@$5", EF_CONST, 0, 5, 8, 0);
}

static void refused(void **state)
{
	expect_unreadable("8@ktap_count(%rip)");
	expect_unreadable("8@16(%rip)");
	expect_unreadable("4@(%rax,%rbx,4)");
	expect_unreadable("4@8(%eax)");
	expect_unreadable("3@%eax");
	expect_unreadable("16@%rax");
	expect_unreadable("%rax");
	expect_unreadable("4@%xmm0");
	expect_unreadable("4@%ah");
	expect_unreadable("4@$");
	expect_unreadable("4@$5x");
	expect_unreadable("4@sym");
	expect_unreadable("4@12");
	expect_unreadable("");
}

static void free_events(Event **v, int n)
{
	for (int i = 0; i < n; i++)
		event_free(v[i]);
	free(v);
}

/* The tool's notes: probes at their offsets, semaphores, arguments. */
static void tool_notes(void **state)
{
	const char *build = getenv("BUILD");
	char *tool = xasprintf("%s/tests/tools/usdt", build && *build ? build : "build");
	char *path = realpath(tool, NULL), *spec;
	assert_non_null(path);
	free(tool);
	spec = xasprintf("sdt:%s:ktap:*", path);
	Event **v;
	const char *why = "";
	int n = usdt_resolve(spec, &v, &why);
	assert_int_equal(n, 4);
	assert_string_equal(v[0]->name, "tick");
	assert_int_equal(v[0]->kind, EV_UPROBE);
	assert_true(v[0]->offset != 0 && v[0]->ref_ctr != 0);
	assert_int_equal(v[0]->nargs, 3);
	assert_int_equal(v[1]->nargs, 5);
	assert_int_equal(v[2]->nargs, 2);
	assert_int_equal(v[1]->args[4].kind, EF_INT);
	assert_int_equal(v[3]->args[1].kind, EF_UNREADABLE);
	assert_string_equal(v[3]->args[2].ctype, "-8@(%rax,%rbx,8)");
	free_events(v, n);
	free(spec);
	spec = xasprintf("sdt:%s:ktap:tik", path);
	assert_int_equal(usdt_resolve(spec, &v, &why), 0);
	assert_non_null(strstr(why, "did you mean 'ktap:tick'?"));
	free(spec);
	assert_int_equal(usdt_resolve("sdt:/x", &v, &why), 0);
	assert_non_null(strstr(why, "not of the form"));
	assert_int_equal(usdt_resolve("sdt:/x::y", &v, &why), 0);
	assert_non_null(strstr(why, "not of the form"));
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers),
		cmocka_unit_test(memory),
		cmocka_unit_test(constants),
		cmocka_unit_test(refused),
		cmocka_unit_test(tool_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
