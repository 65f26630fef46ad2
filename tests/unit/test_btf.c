/* The BTF encoder: bytes and ids of what it writes, libbpf's parser
 * finding it again, the BTF and .BTF.ext of a module, and the line info rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>
#include "backend/btf/btf.h"

static uint32_t u32_at(const Buf *b, size_t off)
{
	uint32_t v;
	memcpy(&v, b->p + off, 4);
	return v;
}

static void header_and_bytes(void **state)
{
	Btf b;
	btf_init(&b);
	assert_int_equal(btf_add_int(&b, "long", 8, BTF_INT_SIGNED), 1);
	assert_int_equal(btf_add_ptr(&b, 1), 2);
	Buf out = {0};
	btf_emit(&b, &out);
	struct btf_header h;
	memcpy(&h, out.p, sizeof(h));
	assert_int_equal(h.magic, BTF_MAGIC);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.hdr_len, 24);
	assert_int_equal(h.type_off, 0);
	assert_int_equal(h.type_len, 16 + 12);
	assert_int_equal(h.str_off, 28);
	assert_int_equal(h.str_len, 6);	/* "" and "long" */
	/* INT: name 1, kind 1, size 8, then signed, 64 bits */
	assert_int_equal(u32_at(&out, 24), 1);
	assert_int_equal(u32_at(&out, 28), BTF_KIND_INT << 24);
	assert_int_equal(u32_at(&out, 32), 8);
	assert_int_equal(u32_at(&out, 36), BTF_INT_SIGNED << 24 | 64);
	/* PTR: no name, to type 1 */
	assert_int_equal(u32_at(&out, 40), 0);
	assert_int_equal(u32_at(&out, 44), BTF_KIND_PTR << 24);
	assert_int_equal(u32_at(&out, 48), 1);
	assert_memory_equal(out.p + 52, "\0long", 6);
	buf_free(&out);
	btf_free(&b);
}

static void strings_dedup(void **state)
{
	Btf b;
	btf_init(&b);
	assert_int_equal(btf_str(&b, ""), 0);
	assert_int_equal(btf_str(&b, NULL), 0);
	uint32_t a = btf_str(&b, "alpha");
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		btf_str(&b, name);
	}
	assert_int_equal(btf_str(&b, "alpha"), a);
	assert_int_equal(btf_str(&b, "s999"), btf_str(&b, "s999"));
	assert_string_equal((char *)b.strs.p + btf_str(&b, "s500"), "s500");
	btf_free(&b);
}

/* libbpf's parser accepts every kind the encoder writes and finds them by name. */
static void libbpf_parses(void **state)
{
	Btf b;
	btf_init(&b);
	uint32_t t_int = btf_add_int(&b, "int", 4, BTF_INT_SIGNED);
	uint32_t t_long = btf_add_int(&b, "long", 8, BTF_INT_SIGNED);
	uint32_t arr = btf_add_array(&b, t_int, t_int, 7);
	uint32_t ptr = btf_add_ptr(&b, arr);
	uint32_t td = btf_add_typedef(&b, "bool64", t_long);
	uint32_t st = btf_add_struct(&b, "pair", 16);
	btf_add_member(&b, "a", t_long, 0);
	btf_add_member(&b, "b", td, 64);
	uint32_t proto = btf_add_proto(&b, t_long);
	btf_add_param(&b, "x", t_long);
	btf_add_param(&b, "y", ptr);
	uint32_t fn = btf_add_func(&b, "f", proto, BTF_FUNC_STATIC);
	uint32_t var = btf_add_var(&b, "v", st, BTF_VAR_GLOBAL_ALLOCATED);
	uint32_t sec = btf_add_datasec(&b, ".data", 16);
	btf_add_secinfo(&b, var, 0, 16);
	assert_int_equal(sec, 10);
	Buf out = {0};
	btf_emit(&b, &out);
	struct btf *p = btf__new(out.p, out.len);
	assert_int_equal(libbpf_get_error(p), 0);
	assert_int_equal(btf__type_cnt(p), 11);
	assert_int_equal(btf__find_by_name_kind(p, "pair", BTF_KIND_STRUCT), st);
	assert_int_equal(btf__find_by_name_kind(p, "f", BTF_KIND_FUNC), fn);
	assert_int_equal(btf__find_by_name_kind(p, ".data", BTF_KIND_DATASEC), sec);
	assert_int_equal(btf__find_by_name_kind(p, "bool64", BTF_KIND_TYPEDEF), td);
	const struct btf_type *t = btf__type_by_id(p, st);
	assert_int_equal(btf_vlen(t), 2);
	assert_string_equal(btf__name_by_offset(p, btf_members(t)[1].name_off), "b");
	assert_int_equal(btf_members(t)[1].offset, 64);
	t = btf__type_by_id(p, proto);
	assert_int_equal(btf_vlen(t), 2);
	assert_int_equal(btf_params(t)[1].type, ptr);
	assert_int_equal(btf_array(btf__type_by_id(p, arr))->nelems, 7);
	assert_int_equal(btf__resolve_size(p, st), 16);
	assert_int_equal(btf_vlen(btf__type_by_id(p, fn)), BTF_FUNC_STATIC);
	btf__free(p);
	buf_free(&out);
	btf_free(&b);
}

static uint32_t member_nelems(const struct btf *p, const struct btf_type *st, const char *name)
{
	for (int i = 0; i < btf_vlen(st); i++)
		if (!strcmp(btf__name_by_offset(p, btf_members(st)[i].name_off), name))
			return btf_array(btf__type_by_id(p, btf__type_by_id(p, btf_members(st)[i].type)->type))->nelems;
	return 0;
}

/* A module: map definitions as libbpf reads them, DATASECs, FUNCs. */
static void module_btf(void **state)
{
	IrModule *m = ir_module_new();
	IrLayout *num = ir_layout(m, L_NUM, 8, 0), *str = ir_layout(m, L_STR, 32, 0);
	IrLayout *tup = ir_layout(m, L_TUPLE, 40, 2);
	tup->fields[0] = str, tup->offs[0] = 0;
	tup->fields[1] = num, tup->offs[1] = 32;
	ir_map(m, &(IrMap){ "tuples", BPF_MAP_TYPE_HASH, 100, BPF_F_NO_PREALLOC, tup, num, 40, 8 });
	ir_map(m, &(IrMap){ "stacks", BPF_MAP_TYPE_STACK_TRACE, 64, 0, NULL, NULL, 4, 127 * 8 });
	ir_data_var(m, DATA_DATA, "a", num, NULL);
	ir_data_var(m, DATA_DATA, "b", str, NULL);
	ir_func_new(m, "h", "tracepoint/sched/sched_switch", IRF_KERNEL, 1);
	ir_func_new(m, "sub", ".text", IRF_KERNEL, 2);
	ObjProg progs[2] = {
		{ .func = m->funcs[0], .insns = (struct bpf_insn[]){ { .code = BPF_JMP | BPF_EXIT } }, .ninsns = 1 },
		{ .func = m->funcs[1], .insns = (struct bpf_insn[]){ { .code = BPF_JMP | BPF_EXIT } }, .ninsns = 1 },
	};
	ObjFile o = { .mod = m, .progs = progs, .nprogs = 2, .source_name = "x.kp", .source_text = "a\nb\n" };
	ObjPlace pl;
	obj_place(&o, &pl);
	assert_int_equal(pl.nsecs, 2);
	assert_int_equal(pl.maps_size, 40 + 32);
	Buf btf = {0}, ext = {0};
	btf_encode_obj(&o, &pl, &btf, &ext);
	struct btf *p = btf__new(btf.p, btf.len);
	assert_int_equal(libbpf_get_error(p), 0);
	int maps = btf__find_by_name_kind(p, ".maps", BTF_KIND_DATASEC);
	assert_true(maps > 0);
	const struct btf_var_secinfo *vs = btf_var_secinfos(btf__type_by_id(p, maps));
	assert_int_equal(vs[1].offset, 40);
	const struct btf_type *def = btf__type_by_id(p, btf__type_by_id(p, vs[0].type)->type);
	assert_true(btf_is_struct(def));
	assert_int_equal(member_nelems(p, def, "type"), BPF_MAP_TYPE_HASH);
	assert_int_equal(member_nelems(p, def, "max_entries"), 100);
	assert_int_equal(member_nelems(p, def, "map_flags"), BPF_F_NO_PREALLOC);
	/* the tuple key: struct { char k0[32]; long k1; } */
	const struct btf_type *key = btf__type_by_id(p, btf__type_by_id(p, btf_members(def)[3].type)->type);
	assert_true(btf_is_struct(key));
	assert_int_equal(key->size, 40);
	assert_int_equal(btf_members(key)[1].offset, 256);
	/* stack traces: u32 -> u64[127] */
	def = btf__type_by_id(p, btf__type_by_id(p, vs[1].type)->type);
	assert_int_equal(btf__resolve_size(p, btf__type_by_id(p, btf_members(def)[2].type)->type), 4);
	assert_int_equal(btf__resolve_size(p, btf__type_by_id(p, btf_members(def)[3].type)->type), 127 * 8);
	int data = btf__find_by_name_kind(p, ".data", BTF_KIND_DATASEC);
	assert_int_equal(btf__type_by_id(p, data)->size, 40);
	assert_int_equal(btf_var_secinfos(btf__type_by_id(p, data))[1].offset, 8);
	int h = btf__find_by_name_kind(p, "h", BTF_KIND_FUNC), sub = btf__find_by_name_kind(p, "sub", BTF_KIND_FUNC);
	assert_int_equal(btf_vlen(btf__type_by_id(p, h)), BTF_FUNC_GLOBAL);
	assert_int_equal(btf_vlen(btf__type_by_id(p, sub)), BTF_FUNC_STATIC);
	assert_int_equal(btf_vlen(btf__type_by_id(p, btf__type_by_id(p, sub)->type)), 2);
	/* .BTF.ext: two sections, one func_info each, insn_off in bytes */
	assert_int_equal(u32_at(&ext, 0) & 0xffff, BTF_MAGIC);
	assert_int_equal(u32_at(&ext, 4), 24);
	assert_int_equal(u32_at(&ext, 12), 4 + 2 * 16);	/* func_info_len */
	assert_int_equal(u32_at(&ext, 24), 8);		/* rec_size */
	assert_string_equal(btf__name_by_offset(p, u32_at(&ext, 28)), "tracepoint/sched/sched_switch");
	assert_int_equal(u32_at(&ext, 32), 1);
	assert_int_equal(u32_at(&ext, 40), h);
	btf__free(p);
	buf_free(&btf);
	buf_free(&ext);
	obj_place_free(&pl);
	ir_module_free(m);
}

/* Line info starts at the function, ascends, and skips ld_imm64 halves. */
static void line_rules(void **state)
{
	IrModule *m = ir_module_new();
	IrFunc *f = ir_func_new(m, "h", "tracepoint/a/b", IRF_KERNEL, 1);
	f->line = 9;
	struct bpf_insn in[5] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K }, { .code = BPF_LD | BPF_IMM | BPF_DW }, { 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K }, { .code = BPF_JMP | BPF_EXIT },
	};
	ObjLine lines[] = { { 1, 10, 1 }, { 2, 11, 1 }, { 3, 12, 1 }, { 3, 13, 2 }, { 1, 14, 1 }, { 9, 15, 1 } };
	ObjProg p = { .func = f, .insns = in, .ninsns = 5, .lines = lines, .nlines = 6 };
	ObjLine *v;
	int n = btf_prog_lines(&p, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].insn, 0);
	assert_int_equal(v[0].line, 9);
	assert_int_equal(v[1].insn, 1);
	assert_int_equal(v[1].line, 10);
	assert_int_equal(v[2].insn, 3);
	assert_int_equal(v[2].line, 13);
	free(v);
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_and_bytes),
		cmocka_unit_test(strings_dedup),
		cmocka_unit_test(libbpf_parses),
		cmocka_unit_test(module_btf),
		cmocka_unit_test(line_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
