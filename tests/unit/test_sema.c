/* The Program sema hands to lowering: funcs, contexts, symbols, tables,
 * builtin ids and resolved types (run from the top of the source tree). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frontend/sema.h"

typedef struct Run {
	Source src;
	Diag *d;
	Node *root;
	Program *p;
	char *out;
	size_t outlen;
	FILE *err;
} Run;

static Run *run(const char *text)
{
	Run *r = calloc(1, sizeof *r);
	r->src = (Source){ "t.kp", text, strlen(text) };
	r->err = open_memstream(&r->out, &r->outlen);
	r->d = diag_new(&r->src, r->err, DIAG_TEXT);
	r->root = parse_source(&r->src, r->d);
	r->p = sema_check(r->root, r->d, &(SemaOptions){ 0 });
	fflush(r->err);
	return r;
}

static void done(Run *r)
{
	program_free(r->p);
	ast_free(r->root);
	diag_free(r->d);
	fclose(r->err);
	free(r->out);
	free(r);
}

static int setup(void **state)
{
	setenv("KTAP_TRACEFS", "tests/lit/Inputs/tracefs", 1);
	return 0;
}

/* The statement i of a block. */
static Node *stmt(Node *block, int i)
{
	assert_true(i < block->list.n);
	return block->list.v[i];
}

static void test_funcs_and_contexts(void **state)
{
	Run *r = run("var n = 0\n"
		     "function f(a) { var b = a + 1; return b }\n"
		     "function g() { return f(1) }\n"
		     "trace sched:sched_switch, sched:sched_wakeup /pid != 0/ { n += g() }\n"
		     "tick-2s { print(g()) }\n"
		     "profile-99hz { }\n"
		     "trace_end { }\n");
	assert_int_equal(diag_errors(r->d), 0);
	Program *p = r->p;
	assert_int_equal(p->nfuncs, 7);
	assert_int_equal(p->funcs[0]->kind, FN_MAIN);
	assert_ptr_equal(p->funcs[0]->body, r->root);
	Func *f = p->funcs[1], *g = p->funcs[2];
	assert_int_equal(f->kind, FN_USER);
	assert_string_equal(f->name, "f");
	assert_int_equal(f->ctx, CTX_USER | CTX_KERNEL);
	assert_int_equal(g->ctx, CTX_USER | CTX_KERNEL);
	assert_int_equal(f->ret->kind, TY_NUM);
	assert_int_equal(f->nlocals, 2);
	assert_string_equal(f->locals[0]->name, "a");
	assert_int_equal(f->locals[0]->kind, SYM_LOCAL);
	assert_int_equal(f->locals[1]->index, 1);
	assert_int_equal(f->locals[0]->type->kind, TY_NUM);

	Func *tr = p->funcs[3];
	assert_int_equal(tr->kind, FN_TRACE);
	assert_int_equal(tr->ctx, CTX_KERNEL);
	assert_int_equal(tr->nevents, 2);
	assert_string_equal(tr->events[1]->name, "sched_wakeup");
	assert_non_null(tr->filter);
	assert_int_equal(tr->filter->type->kind, TY_BOOL);
	assert_int_equal(tr->ret->kind, TY_NIL);
	assert_int_equal(p->funcs[4]->kind, FN_TICK);
	assert_int_equal(p->funcs[4]->interval_ns, 2000000000);
	assert_int_equal(p->funcs[4]->ctx, CTX_USER);
	assert_int_equal(p->funcs[5]->kind, FN_PROFILE);
	assert_int_equal(p->funcs[5]->interval_ns, 1000000000 / 99);
	assert_int_equal(p->funcs[6]->kind, FN_END);

	/* arg (predeclared) and n are the globals */
	assert_int_equal(p->nglobals, 2);
	assert_string_equal(p->globals[0]->name, "arg");
	Symbol *n = p->globals[1];
	assert_string_equal(n->name, "n");
	assert_int_equal(n->kind, SYM_GLOBAL);
	assert_int_equal(n->index, 1);
	assert_int_equal(n->type->kind, TY_NUM);
	assert_non_null(n->init);
	assert_int_equal(n->init->kind, N_NUM);
	done(r);
}

static void test_tables(void **state)
{
	Run *r = run("var s = {}\n"
		     "var t = table.new(100, 28)\n"
		     "var u = {}\n"
		     "trace syscalls:sys_enter_read { s[execname] += 1; t[pid, cpu] = probename }\n"
		     "tick-1s { u[1] = true; for (k, v in pairs(s)) { print(k, v) } }\n");
	assert_int_equal(diag_errors(r->d), 0);
	Program *p = r->p;
	assert_int_equal(p->ntables, 4);
	assert_true(p->tables[0]->is_arg);
	TableInfo *s = p->tables[1], *t = p->tables[2], *u = p->tables[3];
	assert_string_equal(s->name, "s");
	assert_int_equal(s->id, 1);
	assert_int_equal(s->capacity, 2048);
	assert_int_equal(s->nkeys, 1);
	assert_int_equal(s->keys[0]->kind, TY_STR);
	assert_int_equal(s->val->kind, TY_NUM);
	assert_true(s->kernel_written);
	assert_int_equal(t->capacity, 128);
	assert_int_equal(t->nkeys, 2);
	assert_int_equal(t->keys[1]->kind, TY_NUM);
	assert_int_equal(t->val->kind, TY_STR);
	assert_int_equal(t->ctor->kind, N_CALL);
	assert_false(u->kernel_written);
	assert_int_equal(u->val->kind, TY_BOOL);
	assert_int_equal(p->globals[1]->type->kind, TY_TABLE);
	assert_ptr_equal(p->globals[1]->type->table, s);
	done(r);
}

static void test_annotations(void **state)
{
	Run *r = run("var x = 1\n"
		     "trace sched:sched_switch /prev_pid != 0/ { printf(\"%s %d\\n\", args.prev_comm, x) }\n"
		     "kdebug.tracepoint(\"sched:sched_wakeup\", function () { print(arg1) })\n"
		     "timer.tick(\"500ms\", function () { })\n");
	assert_int_equal(diag_errors(r->d), 0);
	Program *p = r->p;
	Node *tr = stmt(r->root, 1);
	Node *call = stmt(tr->body, 0)->a;
	assert_int_equal(call->kind, N_CALL);
	assert_int_equal(call->num, F_PRINTF);
	Node *field = call->list.v[1];
	assert_int_equal(field->kind, N_FIELD);
	assert_int_equal(field->num, 1);
	assert_int_equal(field->type->kind, TY_STR);
	Node *xuse = call->list.v[2];
	assert_ptr_equal(xuse->sym, p->globals[1]);
	assert_int_equal(xuse->type->kind, TY_NUM);
	assert_null(xuse->type->link);
	/* a bare field name in a filter becomes args.NAME */
	Node *cmp = p->funcs[1]->filter;
	assert_int_equal(cmp->a->kind, N_FIELD);
	assert_int_equal(cmp->a->num, 1);
	assert_string_equal(cmp->a->str, "prev_pid");

	Func *kt = p->funcs[2];
	assert_int_equal(kt->kind, FN_TRACE);
	assert_int_equal(kt->nevents, 1);
	assert_ptr_equal(kt->site, stmt(r->root, 2)->a);
	assert_int_equal(kt->site->num, F_KDEBUG_TRACEPOINT);
	assert_int_equal(p->funcs[3]->kind, FN_TICK);
	assert_int_equal(p->funcs[3]->interval_ns, 500000000);
	done(r);
}

static void test_user_call_and_defaults(void **state)
{
	Run *r = run("function f(a, b) { }\n"
		     "var y\n"
		     "f(1, \"s\")\n"
		     "print(y)\n");
	assert_int_equal(diag_errors(r->d), 0);
	Program *p = r->p;
	Func *f = p->funcs[1];
	assert_int_equal(f->ret->kind, TY_NIL);
	assert_int_equal(f->locals[1]->type->kind, TY_STR);
	Node *call = stmt(r->root, 2)->a;
	assert_int_equal(call->num, F_NONE);
	assert_int_equal(call->a->sym->kind, SYM_FUNC);
	assert_ptr_equal(call->a->sym->func, f);
	assert_int_equal(p->globals[1]->type->kind, TY_NUM);	/* never constrained */
	assert_null(p->globals[1]->init);
	assert_int_equal(f->ctx, CTX_USER);
	done(r);
}

static void test_errors_do_not_stop(void **state)
{
	Run *r = run("print(a)\nprint(b)\nvar c = 1 / 0\n");
	assert_int_equal(diag_errors(r->d), 3);
	done(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_funcs_and_contexts),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_user_call_and_defaults),
		cmocka_unit_test(test_errors_do_not_stop),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
