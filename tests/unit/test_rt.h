/* Shared by the runtime's unit tests: a fake Rt (no object file) around
 * hand-assembled user functions, test data sections and real BPF maps.
 * It defines rt_map and rt_attach, which belong to the loader and to
 * attach.c, so include it from one file per test program. */
#ifndef KTAP_TEST_RT_H
#define KTAP_TEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "common/uhelpers.h"
#include "runtime/interp.h"

#define I(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALUR(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32(op, d, i) I(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define ALU32R(op, d, s) I(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define JMP(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMPR(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JMP32(op, d, i, o) I(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define LD64(d, v) I(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (int32_t)(uint32_t)(v)), \
		   I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALLF() I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define REL(i, k, t) ((KtapURel){ i, k, (char *)(t) })

enum { MAXF = 8, MAXI = 512, MAXR = 16, MAXM = 8 };

static struct T {
	Rt rt;
	uint64_t bss[512], data[512], rodata[512];
	RtMap maps[MAXM];
	KtapUFunc funcs[MAXF];
	uint64_t insns[MAXF][MAXI];
	KtapURel rels[MAXF][MAXR];
	KtapULine lines[MAXF][MAXI];
	uint32_t attached[16];
	int nattached;
} T;

RtMap *rt_map(Rt *rt, const char *name)
{
	for (int i = 0; i < rt->nmaps; i++)
		if (!strcmp(rt->maps[i].name, name))
			return &rt->maps[i];
	return NULL;
}

/* Group 99 fails, as attach.c would after reporting why. */
int rt_attach(Rt *rt, uint32_t group)
{
	if (group == 99) {
		fprintf(stderr, "error: cannot attach\n");
		return -1;
	}
	T.attached[T.nattached++ % 16] = group;
	return 0;
}

static void t_reset(void)
{
	rt_interp_free(&T.rt);
	for (int i = 0; i < T.rt.nmaps; i++)
		close(T.maps[i].fd);
	memset(&T, 0, sizeof T);
	T.rt.meta.source_name = (char *)"test.kp";
	T.rt.meta.ufuncs = T.funcs;
	T.rt.maps = T.maps;
	T.rt.data[RT_BSS] = (uint8_t *)T.bss;
	T.rt.data[RT_DATA] = (uint8_t *)T.data;
	T.rt.data[RT_RODATA] = (uint8_t *)T.rodata;
	for (int i = 0; i < RT_NDATA; i++)
		T.rt.data_size[i] = sizeof T.bss;
}

/* A user function; instruction i is at script line i + 1. */
static inline void t_func(const char *name, uint32_t stack, const struct bpf_insn *code, int n, const KtapURel *rel, int nrel)
{
	int f = T.rt.meta.nufuncs++;
	KtapUFunc *u = &T.funcs[f];
	assert_true(f < MAXF && n <= MAXI && nrel <= MAXR);
	*u = (KtapUFunc){ (char *)name, 0, stack, T.insns[f], n, T.rels[f], nrel, T.lines[f], n };
	if (n)
		memcpy(T.insns[f], code, n * 8);
	if (nrel)
		memcpy(T.rels[f], rel, nrel * sizeof *rel);
	for (int i = 0; i < n; i++)
		T.lines[f][i] = (KtapULine){ i, i + 1, 1 };
}

/* "main": code, then *(u64 *)&bss[0] = r0 and exit. */
static inline void t_main(const struct bpf_insn *code, int n, const KtapURel *rel, int nrel, uint32_t stack)
{
	struct bpf_insn all[MAXI];
	KtapURel rels[MAXR];
	memcpy(all, code, n * sizeof *code);
	if (nrel)
		memcpy(rels, rel, nrel * sizeof *rel);
	all[n] = I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0);
	all[n + 1] = I(0, 0, 0, 0, 0);
	all[n + 2] = STX(BPF_DW, 1, 0, 0);
	all[n + 3] = EXIT();
	rels[nrel] = REL(n, UREL_DATA, ".bss");
	t_func("main", stack, all, n + 4, rels, nrel + 1);
}

static inline RtMap *t_map(const char *name, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	int fd = bpf_map_create(type, NULL, ks, vs, max, NULL);
	assert_true(fd >= 0);
	RtMap *m = &T.maps[T.rt.nmaps++];
	*m = (RtMap){ (char *)name, NULL, fd, type, ks, vs, max, NULL };
	return m;
}

/* stderr into a buffer while f runs */
static char errtext[4096];

static void cap_begin(int *saved, FILE **tf)
{
	fflush(stderr);
	*saved = dup(2);
	*tf = tmpfile();
	dup2(fileno(*tf), 2);
}

static const char *cap_end(int saved, FILE *tf)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tf);
	size_t n = fread(errtext, 1, sizeof errtext - 1, tf);
	errtext[n] = 0;
	fclose(tf);
	return errtext;
}

/* Init and call "main"; rc of rt_call (or of init), stderr in errtext. */
static inline int t_run(void)
{
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	int rc = rt_interp_init(&T.rt);
	if (!rc)
		rc = rt_call(&T.rt, "main");
	cap_end(saved, tf);
	return rc;
}

static int t_teardown(void **state)
{
	t_reset();
	return 0;
}

#endif
