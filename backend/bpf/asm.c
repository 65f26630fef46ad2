/* The assembly listing of ktapc -S, in the syntax of the kernel verifier's
 * log and bpftool: one numbered instruction a line, with the script line
 * quoted as a comment where it changes. */
#include <string.h>
#include "bpf_internal.h"
#include "../../common/uhelpers.h"

static const char *const sizes[] = {
	[BPF_B >> 3] = "u8", [BPF_H >> 3] = "u16", [BPF_W >> 3] = "u32", [BPF_DW >> 3] = "u64",
};

static const char *const alu_ops[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=", [BPF_ARSH >> 4] = "s>>=",
};

static const char *const jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

static const ObjReloc *reloc_at(const ObjProg *p, int insn)
{
	for (int i = 0; i < p->nrelocs; i++)
		if (p->relocs[i].insn == insn)
			return &p->relocs[i];
	return NULL;
}

static void print_ld64(FILE *out, const ObjFile *o, const ObjProg *p, int k)
{
	const struct bpf_insn *in = &p->insns[k];
	const ObjReloc *r = reloc_at(p, k);
	uint64_t v = (uint32_t)in[0].imm | (uint64_t)(k + 1 < p->ninsns ? (uint32_t)in[1].imm : 0) << 32;
	if (in->src_reg == BPF_PSEUDO_MAP_FD && r && r->kind == REL_MAP && r->target < o->mod->nmaps)
		fprintf(out, "r%d = map[%s] ll", in->dst_reg, o->mod->maps[r->target].name);
	else if (in->src_reg == BPF_PSEUDO_MAP_VALUE && r && r->kind == REL_DATA && r->target < DATA_NSEC)
		fprintf(out, "r%d = map_value[%s]+%d ll", in->dst_reg, data_sec_names[r->target], in->imm);
	else if (in->src_reg == BPF_PSEUDO_FUNC && r && r->kind == REL_FUNC && r->target < o->mod->nfuncs)
		fprintf(out, "r%d = func[%s] ll", in->dst_reg, o->mod->funcs[r->target]->name);
	else
		fprintf(out, "r%d = 0x%llx ll", in->dst_reg, (unsigned long long)v);
}

static void print_call(FILE *out, const ObjFile *o, const ObjProg *p, int k)
{
	const struct bpf_insn *in = &p->insns[k];
	const ObjReloc *r = reloc_at(p, k);
	const char *name;
	if (in->src_reg == BPF_PSEUDO_CALL) {
		if (r && r->kind == REL_CALL && r->target < o->mod->nfuncs)
			fprintf(out, "call pc%+d <%s>", in->imm, o->mod->funcs[r->target]->name);
		else
			fprintf(out, "call pc%+d", in->imm);
	} else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL && (name = helper_name(in->imm))) {
		fprintf(out, "call %s", name);
	} else if ((name = helper_name(in->imm)))
		fprintf(out, "call %s%s#%d", in->imm < KH_BASE ? "bpf_" : "", name, in->imm);
	else
		fprintf(out, "call helper#%d", in->imm);
}

static void print_jmp(FILE *out, const ObjFile *o, const ObjProg *p, int k)
{
	const struct bpf_insn *in = &p->insns[k];
	int op = BPF_OP(in->code);
	if (op == BPF_CALL)
		print_call(out, o, p, k);
	else if (op == BPF_EXIT)
		fprintf(out, "exit");
	else if (op == BPF_JA)
		fprintf(out, "goto %+d", in->off);
	else if (!jmp_ops[op >> 4])
		fprintf(out, "(unknown jump 0x%02x)", in->code);
	else if (BPF_SRC(in->code) == BPF_X)
		fprintf(out, "if r%d %s r%d goto %+d", in->dst_reg, jmp_ops[op >> 4], in->src_reg, in->off);
	else
		fprintf(out, "if r%d %s 0x%x goto %+d", in->dst_reg, jmp_ops[op >> 4], (uint32_t)in->imm, in->off);
}

/* ALU64 on r registers; 32-bit ALU (which zero-extends) on w registers. */
static void print_alu(FILE *out, const struct bpf_insn *in)
{
	int op = BPF_OP(in->code), d = in->dst_reg, s = in->src_reg;
	char r = BPF_CLASS(in->code) == BPF_ALU64 ? 'r' : 'w';
	if (op == BPF_NEG)
		fprintf(out, "%c%d = -%c%d", r, d, r, d);
	else if (op == BPF_MOV && BPF_SRC(in->code) == BPF_X)
		fprintf(out, "%c%d = %c%d", r, d, r, s);
	else if (op == BPF_MOV)
		fprintf(out, "%c%d = %d", r, d, in->imm);
	else if (!alu_ops[op >> 4])
		fprintf(out, "(unknown alu 0x%02x)", in->code);
	else if (BPF_SRC(in->code) == BPF_X)
		fprintf(out, "%c%d %s %c%d", r, d, alu_ops[op >> 4], r, s);
	else
		fprintf(out, "%c%d %s %d", r, d, alu_ops[op >> 4], in->imm);
}

static void print_insn(FILE *out, const ObjFile *o, const ObjProg *p, int k)
{
	const struct bpf_insn *in = &p->insns[k];
	const char *sz = sizes[BPF_SIZE(in->code) >> 3];
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU64: case BPF_ALU:
		print_alu(out, in);
		break;
	case BPF_JMP:
		print_jmp(out, o, p, k);
		break;
	case BPF_LDX:
		fprintf(out, "r%d = *(%s *)(r%d %+d)", in->dst_reg, sz, in->src_reg, in->off);
		break;
	case BPF_ST:
		fprintf(out, "*(%s *)(r%d %+d) = %d", sz, in->dst_reg, in->off, in->imm);
		break;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC && in->imm == BPF_ADD)
			fprintf(out, "lock *(%s *)(r%d %+d) += r%d", sz, in->dst_reg, in->off, in->src_reg);
		else
			fprintf(out, "*(%s *)(r%d %+d) = r%d", sz, in->dst_reg, in->off, in->src_reg);
		break;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			print_ld64(out, o, p, k);
			break;
		}
		/* fall through */
	default:
		fprintf(out, "(unknown 0x%02x)", in->code);
	}
}

/* "; file.kp:LINE: text", the text quoted from src when there is one. */
static void print_line(FILE *out, const ObjFile *o, const Source *src, int line)
{
	const char *name = src && src->name ? src->name : o->source_name ? o->source_name : "<script>";
	fprintf(out, "; %s:%d", name, line);
	if (!src || !src->text) {
		fputc('\n', out);
		return;
	}
	const char *s = src->text, *end = src->text + src->len;
	for (int l = 1; l < line && s < end; s++)
		if (*s == '\n')
			l++;
	const char *e = memchr(s, '\n', end - s);
	if (!e)
		e = end;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	fprintf(out, ": %.*s\n", (int)(e - s), s);
}

void bpf_print_prog(FILE *out, const ObjFile *o, const ObjProg *p, const Source *src)
{
	int li = 0;
	fprintf(out, "%s:\n", p->func ? p->func->name : "?");
	for (int k = 0; k < p->ninsns; k++) {
		for (; li < p->nlines && p->lines[li].insn <= k; li++)
			if (p->lines[li].insn == k)
				print_line(out, o, src, p->lines[li].line);
		fprintf(out, "%4d: ", k);
		print_insn(out, o, p, k);
		fputc('\n', out);
		if (p->insns[k].code == (BPF_LD | BPF_IMM | BPF_DW))
			k++;
	}
}
