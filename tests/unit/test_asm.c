/* The assembly printer of ktapc -S: verifier-style syntax, helper and map
 * names, line comments quoting the script. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "backend/bpf/bpf.h"
#include "common/uhelpers.h"

static IrIns *emit(IrBlock *b, IrOp op, int dst, int line)
{
	IrIns *i = ir_emit(b, op);
	i->dst = dst, i->line = line, i->col = 1;
	return i;
}

static char *listing(ObjFile *o, int prog, const Source *src)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	bpf_print_prog(out, o, &o->progs[prog], src);
	fclose(out);
	return text;
}

static void expect(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing \"%s\" in:\n%s", want, text);
}

static void free_progs(ObjFile *o)
{
	for (int i = 0; i < o->nprogs; i++) {
		free(o->progs[i].insns);
		free(o->progs[i].relocs);
		free(o->progs[i].lines);
	}
	free(o->progs);
}

static void test_listing(void **state)
{
	static const char script[] = "var n = 0\ntrace sched:sched_switch {\n\tcounts[cpu()] += 1\n}\n";
	Source src = { "t.kp", script, sizeof(script) - 1 };
	IrModule *m = ir_module_new();
	ir_map(m, &(IrMap){ .name = "counts", .type = 1, .max_entries = 1, .key_size = 8, .value_size = 8 });
	IrFunc *f = ir_func_new(m, "handler", "tracepoint/sched/sched_switch", IRF_KERNEL, 1);
	IrFunc *g = ir_func_new(m, "helperfn", ".text", IRF_KERNEL, 0);
	IrBlock *gb = ir_block(g);
	emit(gb, IR_RET, -1, 4)->a = ir_imm(0);
	IrBlock *b = ir_block(f), *hit = ir_block(f), *miss = ir_block(f);
	int slot = ir_slot(f, 8), mp = ir_vreg(f), ka = ir_vreg(f), p = ir_vreg(f), d = ir_vreg(f);
	IrIns *i = emit(b, IR_STORE, -1, 3);
	i->a = ir_slotop(slot), i->size = 8, i->b = ir_imm(0);
	emit(b, IR_MAP, mp, 3)->target = 0;
	emit(b, IR_ADDR, ka, 3)->a = ir_slotop(slot);
	i = emit(b, IR_CALL, p, 3);
	i->target = BPF_FUNC_map_lookup_elem, i->nargs = 2, i->args[0] = ir_r(mp), i->args[1] = ir_r(ka);
	i = emit(b, IR_BR, -1, 3);
	i->cond = C_EQ, i->a = ir_r(p), i->b = ir_imm(0), i->t = miss, i->f = hit;
	i = emit(hit, IR_XADD, -1, 3);
	i->a = ir_r(p), i->b = ir_imm(1);
	i = emit(hit, IR_MAPVAL, d, 3);
	i->target = DATA_BSS, i->off = 16;
	i = emit(hit, IR_CALL, -1, 3);
	i->target = KH_EXIT;
	emit(hit, IR_CALLF, -1, 3)->target = 1;
	emit(hit, IR_RET, -1, 4)->a = ir_r(d);
	emit(miss, IR_RET, -1, 4);
	ObjFile o = { .mod = m, .source_name = "t.kp" };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	char *text = listing(&o, 0, &src);
	if (getenv("SHOW_ASM"))
		fputs(text, stderr);
	expect(text, "handler:\n; t.kp:3: counts[cpu()] += 1\n   0: *(u64 *)(r10 -8) = 0\n");
	expect(text, "= map[counts] ll");
	expect(text, "call bpf_map_lookup_elem#1");
	expect(text, "== 0x0 goto +");
	expect(text, "lock *(u64 *)(r");
	expect(text, "= map_value[.bss]+16 ll");
	expect(text, "call exit#1002");
	expect(text, "call pc-1 <helperfn>");
	expect(text, "; t.kp:4: }\n");
	expect(text, "exit\n");
	free(text);
	text = listing(&o, 0, NULL);	/* no source: the line number alone */
	expect(text, "; t.kp:3\n");
	free(text);
	free_progs(&o);
	ir_module_free(m);
}

/* Arithmetic, loads and jumps in the kernel's notation. */
static void test_syntax(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "t", NULL, IRF_USER, 1);
	IrBlock *b = ir_block(f), *t = ir_block(f), *e = ir_block(f);
	int x = ir_vreg(f), y = ir_vreg(f), z = ir_vreg(f);
	IrIns *i = emit(b, IR_LOAD, x, 1);
	i->a = ir_r(0), i->size = 4, i->off = 8;
	i = emit(b, IR_SAR, y, 1);
	i->a = ir_r(x), i->b = ir_imm(3);
	i = emit(b, IR_ADD, z, 1);
	i->a = ir_r(y), i->b = ir_imm(0x100000000LL);
	i = emit(b, IR_BR, -1, 1);
	i->cond = C_SET, i->a = ir_r(z), i->b = ir_r(x), i->t = t, i->f = e;
	emit(t, IR_RET, -1, 1)->a = ir_r(z);
	emit(e, IR_RET, -1, 1)->a = ir_imm(-2);
	ObjFile o = { .mod = m };
	assert_int_equal(bpf_compile(&o, NULL), 0);
	char *text = listing(&o, 0, NULL);
	expect(text, " = *(u32 *)(r1 +8)");
	expect(text, " s>>= 3");
	expect(text, " = 0x100000000 ll");
	expect(text, "if r");
	expect(text, "r0 = -2");
	free(text);
	free_progs(&o);
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
