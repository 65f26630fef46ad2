/* The language server's pieces that need no client: the built-in
 * documentation against sema's table, and the adapter from the compiler's
 * JSON diagnostics (both forms, tests/lsp/fixtures) to LSP's. Run from the
 * top of the source tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli/lsp.h"
#include "common/util.h"
#include "frontend/builtin_docs.h"
#include "frontend/sema_int.h"

/* Every built-in function and variable sema knows has its documentation. */
static void test_every_builtin_documented(void **state)
{
	const char *name;
	for (int i = 0; builtin_function_name(i, &name); i++)
		if (!builtin_doc(name))
			fail_msg("built-in function '%s' has no entry in frontend/builtin_docs.c", name);
	for (int i = 0; i < B_COUNT; i++)
		if (!builtin_doc(builtin_names[i]))
			fail_msg("built-in variable '%s' has no entry in frontend/builtin_docs.c", builtin_names[i]);
}

static int is_function(const char *name)
{
	const char *f;
	for (int i = 0; builtin_function_name(i, &f); i++)
		if (!strcmp(f, name))
			return 1;
	return 0;
}

static int is_variable(const char *name)
{
	for (int i = 0; i < B_COUNT; i++)
		if (!strcmp(builtin_names[i], name))
			return 1;
	return 0;
}

/* A module's function (timer.tick) as sema sees a call of it: known when
 * it is not reported as unknown. */
static int is_module_function(const char *name)
{
	char *text = xasprintf("%s()", name), *out = NULL;
	size_t len;
	Source src = { "t.kp", text, strlen(text) };
	FILE *err = open_memstream(&out, &len);
	Diag *d = diag_new(&src, err, DIAG_TEXT);
	Node *root = parse_source(&src, d);
	program_free(sema_check(root, d, &(SemaOptions){ 64, 2048, 0 }));
	ast_free(root);
	diag_free(d);
	fclose(err);
	int known = !strstr(out, "unknown function");
	free(out);
	free(text);
	return known;
}

/* And every entry is one sema knows: no documentation of a removed name. */
static void test_every_entry_is_builtin(void **state)
{
	const BuiltinDoc *b;
	for (int i = 0; (b = builtin_doc_at(i)); i++) {
		int ok = b->is_var ? is_variable(b->name) : strchr(b->name, '.') ? is_module_function(b->name)
										   : is_function(b->name);
		if (!ok)
			fail_msg("'%s' in frontend/builtin_docs.c is not a built-in", b->name);
	}
}

static const char text[] = "var x = 1\nprnt(x)\n";

static char *adapt(const char *fixture, char **fixes)
{
	size_t len;
	char *json = read_whole_file(fixture, &len);
	assert_non_null(json);
	Doc doc = { .uri = "file:///t.kp", .path = "t.kp", .text = (char *)text, .len = strlen(text) };
	json_t *f, *d = lsp_diagnostics(json, &doc, &f);
	free(json);
	assert_non_null(d);
	char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	*fixes = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	json_decref(f);
	return s;
}

#define R(l1, c1, l2, c2)                                                                  \
	"{\"end\":{\"character\":" #c2 ",\"line\":" #l2 "},\"start\":{\"character\":" #c1 \
	",\"line\":" #l1 "}}"
#define PRNT "\"message\":\"use of undeclared name 'prnt'; did you mean 'print'?\",\"range\":" R(1, 0, 1, 4)
#define WARNING                                                                              \
	"\"message\":\"a warning\\nnote: in 2 events\",\"range\":" R(0, 4, 0, 5) ","            \
	"\"relatedInformation\":[{\"location\":{\"range\":" R(0, 0, 0, 3) ",\"uri\":\"file:///t.kp\"}," \
	"\"message\":\"declared here\"}],\"severity\":2,\"source\":\"ktapc\"}"

/* The contract (version 1): codes, and fix-its (by diagnostic) for code
 * actions; an insertion is an empty range. */
static void test_adapter_v1(void **state)
{
	char *fixes, *s = adapt("tests/lsp/fixtures/diag_v1.json", &fixes);
	assert_string_equal(s, "[{\"code\":\"undeclared-name\"," PRNT ",\"severity\":1,\"source\":\"ktapc\"},"
			       "{\"code\":\"missing-var\"," WARNING ","
			       "{\"code\":\"driver-cannot-read\",\"message\":\"cannot read 'x.kp'\","
			       "\"range\":" R(0, 0, 0, 0) ",\"severity\":1,\"source\":\"ktapc\"}]");
	assert_string_equal(fixes, "[[0,{\"newText\":\"print\",\"range\":" R(1, 0, 1, 4) "}],"
				   "[1,{\"newText\":\"var \",\"range\":" R(0, 0, 0, 0) "}]]");
	free(s);
	free(fixes);
}

static void test_adapter_rejects(void **state)
{
	Doc doc = { .uri = "file:///t.kp", .path = "t.kp", .text = (char *)text, .len = strlen(text) };
	json_t *f;
	assert_null(lsp_diagnostics("{\"version\": 1}", &doc, &f));
	assert_null(lsp_diagnostics("[1, 2", &doc, &f));
	assert_null(lsp_diagnostics(NULL, &doc, &f));
}

int main(void)
{
	setenv("KTAP_TRACEFS", "tests/lit/Inputs/tracefs", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_builtin_documented),
		cmocka_unit_test(test_every_entry_is_builtin),
		cmocka_unit_test(test_adapter_v1),
		cmocka_unit_test(test_adapter_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
