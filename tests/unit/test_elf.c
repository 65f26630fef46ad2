/* The ELF writer: a hand-made object (maps of three kinds, .bss and .rodata,
 * two tracepoint programs calling a .text subprogram, a user function)
 * is written, loaded by libbpf on the running kernel, and accepted by
 * llvm-objdump, readelf and bpftool without a word on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "backend/obj.h"
#include "common/util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LD_IMM64(d, i) INSN(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, i), INSN(0, 0, 0, 0, 0)
#define ST_DW(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define XADD_DW(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
#define CALL(i) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static const char source[] =
	"var counter = 0\n"
	"trace syscalls:sys_enter_getppid {\n"
	"	counts[\"x\"] += twice(5)\n"
	"	counter += 1\n"
	"}\n"
	"trace sched:sched_switch { print(msg) }\n"
	"function twice(n) { return n + n }\n";

typedef struct Fixture {
	IrModule *mod;
	KtapMeta meta;
	ObjFile o;
	char path[64];
	Source src;
	Diag *d;
	FILE *err;		/* the diagnostics, in errbuf */
	char *errbuf;
	size_t errlen;
} Fixture;

static void prog(ObjFile *o, int i, const struct bpf_insn *insns, int n, const ObjReloc *r, int nr,
		 const ObjLine *l, int nl)
{
	ObjProg *p = &o->progs[i];
	p->func = o->mod->funcs[i];
	p->insns = xmalloc(n * sizeof(*insns));
	memcpy(p->insns, insns, n * sizeof(*insns));
	p->ninsns = n;
	p->relocs = xmalloc((nr + 1) * sizeof(*r));
	if (nr)
		memcpy(p->relocs, r, nr * sizeof(*r));
	p->nrelocs = nr;
	p->lines = xmalloc((nl + 1) * sizeof(*l));
	memcpy(p->lines, l, nl * sizeof(*l));
	p->nlines = nl;
	p->stack_size = 16;
}

/* prog 0: counts[""] lookup, twice(5), counter += 1 */
static void getppid_prog(ObjFile *o)
{
	const struct bpf_insn in[] = {
		ST_DW(BPF_REG_10, -16, 0),
		ST_DW(BPF_REG_10, -8, 0),
		MOV_REG(BPF_REG_2, BPF_REG_10),
		ADD_IMM(BPF_REG_2, -16),
		LD_IMM64(BPF_REG_1, 0),
		CALL(BPF_FUNC_map_lookup_elem),
		MOV_IMM(BPF_REG_1, 5),
		CALL(0),
		LD_IMM64(BPF_REG_1, 0),
		MOV_IMM(BPF_REG_2, 1),
		XADD_DW(BPF_REG_1, BPF_REG_2, 0),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	const ObjReloc r[] = { { 4, REL_MAP, 0 }, { 8, REL_CALL, 2 }, { 9, REL_DATA, DATA_BSS } };
	/* 5 is the second half of a ld_imm64: the writer must drop it */
	const ObjLine l[] = { { 0, 3, 2 }, { 5, 3, 3 }, { 8, 3, 17 }, { 9, 4, 2 } };
	prog(o, 0, in, sizeof(in) / sizeof(*in), r, 3, l, 4);
}

/* prog 1: reserve and discard a ring buffer record, read .rodata and arr[0] */
static void switch_prog(ObjFile *o)
{
	const struct bpf_insn in[] = {
		LD_IMM64(BPF_REG_1, 0),
		LDX_DW(BPF_REG_6, BPF_REG_1, 0),
		ST_DW(BPF_REG_10, -8, 0),
		MOV_REG(BPF_REG_2, BPF_REG_10),
		ADD_IMM(BPF_REG_2, -8),
		LD_IMM64(BPF_REG_1, 0),
		CALL(BPF_FUNC_map_lookup_elem),
		LD_IMM64(BPF_REG_1, 0),
		MOV_IMM(BPF_REG_2, 16),
		MOV_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_ringbuf_reserve),
		JEQ_IMM(BPF_REG_0, 0, 3),
		MOV_REG(BPF_REG_1, BPF_REG_0),
		MOV_IMM(BPF_REG_2, 0),
		CALL(BPF_FUNC_ringbuf_discard),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	const ObjReloc r[] = { { 0, REL_DATA, DATA_RODATA }, { 6, REL_MAP, 1 }, { 9, REL_MAP, 2 } };
	const ObjLine l[] = { { 2, 6, 28 } };
	prog(o, 1, in, sizeof(in) / sizeof(*in), r, 3, l, 1);
}

static void twice_prog(ObjFile *o)
{
	const struct bpf_insn in[] = {
		MOV_REG(BPF_REG_0, BPF_REG_1),
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0),
		EXIT(),
	};
	const ObjLine l[] = { { 0, 7, 21 } };
	prog(o, 2, in, 3, NULL, 0, l, 1);
}

static void main_prog(ObjFile *o)
{
	const struct bpf_insn in[] = {
		LD_IMM64(BPF_REG_1, 0),
		LD_IMM64(BPF_REG_2, 8),
		CALL(0),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	const ObjReloc r[] = { { 0, REL_MAP, 0 }, { 2, REL_DATA, DATA_RODATA }, { 4, REL_CALL, 3 } };
	const ObjLine l[] = { { 0, 1, 1 } };
	prog(o, 3, in, sizeof(in) / sizeof(*in), r, 3, l, 1);
}

static int setup(void **state)
{
	Fixture *f = xcalloc(1, sizeof(*f));
	IrModule *m = f->mod = ir_module_new();
	IrLayout *str = ir_layout(m, L_STR, 16, 0), *num = ir_layout(m, L_NUM, 8, 0);
	ir_map(m, &(IrMap){ "counts", BPF_MAP_TYPE_HASH, 1024, 0, str, num, 16, 8 });
	ir_map(m, &(IrMap){ "arr", BPF_MAP_TYPE_ARRAY, 4, 0, NULL, num, 4, 8 });
	ir_map(m, &(IrMap){ "events", BPF_MAP_TYPE_RINGBUF, 1 << 16, 0, NULL, NULL, 0, 0 });
	ir_data_var(m, DATA_BSS, "counter", num, NULL);
	ir_data_var(m, DATA_RODATA, "msg", str, (char[16]){ "hello" });
	ir_func_new(m, "tp_getppid", "tracepoint/syscalls/sys_enter_getppid", IRF_KERNEL, 1)->line = 2;
	ir_func_new(m, "tp_switch", "tracepoint/sched/sched_switch", IRF_KERNEL, 1)->line = 6;
	ir_func_new(m, "twice", ".text", IRF_KERNEL, 1)->line = 7;
	ir_func_new(m, "main", NULL, IRF_USER, 0)->line = 1;
	f->o = (ObjFile){ .mod = m, .nprogs = 4, .meta = &f->meta,
			  .source_name = "test.kp", .source_text = source };
	f->o.progs = xcalloc(4, sizeof(ObjProg));
	getppid_prog(&f->o);
	switch_prog(&f->o);
	twice_prog(&f->o);
	main_prog(&f->o);
	f->meta.source_name = xstrdup("test.kp");
	f->meta.main_func = xstrdup("main");
	strcpy(f->path, "/tmp/ktap-test-elf-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	f->src = (Source){ "test.kp", source, sizeof(source) - 1 };
	f->err = open_memstream(&f->errbuf, &f->errlen);
	f->d = diag_new(&f->src, f->err, DIAG_TEXT);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	unlink(f->path);
	diag_free(f->d);
	fclose(f->err);
	free(f->errbuf);
	obj_free_progs(&f->o);
	ktapobj_free(&f->meta);
	ir_module_free(f->mod);
	free(f);
	return 0;
}

/* Runs cmd (with the object's path for %s); it must succeed, and say
 * nothing on stderr if quiet (libbpf's users note the .ktap* sections it
 * skips at info level). */
static void run(const char *fmt, const char *path, int quiet)
{
	char *cmd = xasprintf(fmt, path, path);
	char *full = xasprintf("{ %s; } >/dev/null 2>%s.err", cmd, path);
	int rc = system(full);
	char *errpath = xasprintf("%s.err", path);
	FILE *e = fopen(errpath, "r");
	char buf[512] = "";
	size_t n = e ? fread(buf, 1, sizeof(buf) - 1, e) : 0;
	if (e)
		fclose(e);
	unlink(errpath);
	if (rc != 0 || (quiet && n != 0))
		fprintf(stderr, "%s: exit %d, stderr: %s\n", cmd, rc, buf);
	assert_int_equal(rc, 0);
	if (quiet)
		assert_int_equal(n, 0);
	free(cmd);
	free(full);
	free(errpath);
}

static int warnings;

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	warnings++;
	return vfprintf(stderr, fmt, ap);
}

static void load_with_libbpf(void **state)
{
	Fixture *f = *state;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	warnings = 0;
	libbpf_set_print(libbpf_quiet);
	struct bpf_object *obj = bpf_object__open_file(f->path, NULL);
	assert_int_equal(libbpf_get_error(obj), 0);
	assert_int_equal(bpf_object__load(obj), 0);
	assert_int_equal(warnings, 0);
	const char *progs[] = { "tp_getppid", "tp_switch" };
	for (int i = 0; i < 2; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);
		assert_non_null(p);
		assert_true(bpf_program__fd(p) >= 0);
		assert_int_equal(bpf_program__type(p), BPF_PROG_TYPE_TRACEPOINT);
	}
	assert_null(bpf_object__find_program_by_name(obj, "main"));
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "counts");
	assert_non_null(m);
	assert_int_equal(bpf_map__key_size(m), 16);
	assert_int_equal(bpf_map__value_size(m), 8);
	m = bpf_object__find_map_by_name(obj, "arr");
	assert_non_null(m);
	assert_int_equal(bpf_map__type(m), BPF_MAP_TYPE_ARRAY);
	assert_int_equal(bpf_map__key_size(m), 4);
	m = bpf_object__find_map_by_name(obj, "events");
	assert_non_null(m);
	assert_int_equal(bpf_map__max_entries(m), 1 << 16);
	int bss = 0, rodata = 0;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name);
		bss += n >= 4 && !strcmp(name + n - 4, ".bss");
		if (n >= 7 && !strcmp(name + n - 7, ".rodata")) {
			size_t sz;
			const char *init = bpf_map__initial_value(m, &sz);
			assert_int_equal(sz, 16);
			assert_string_equal(init, "hello");
			rodata++;
		}
	}
	assert_int_equal(bss, 1);
	assert_int_equal(rodata, 1);
	bpf_object__close(obj);
}

static void tools_accept_it(void **state)
{
	Fixture *f = *state;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	run("llvm-objdump-14 -d %s", f->path, 1);
	run("readelf -a %s", f->path, 1);
	run("bpftool btf dump file %s", f->path, 1);
	run("bpftool gen skeleton %s", f->path, 0);
	run("bpftool prog loadall %s /sys/fs/bpf/ktap-test-elf && rm -r /sys/fs/bpf/ktap-test-elf",
	    f->path, 0);
}

/* The user function went to .ktap* with named relocations. */
static void ktap_sections(void **state)
{
	Fixture *f = *state;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	int fd = open(f->path, O_RDONLY);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	KtapSection secs[32];
	int n = 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) && n < 32;) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (strncmp(name, ".ktap", 5))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		secs[n++] = (KtapSection){ name, d ? d->d_buf : NULL, d ? d->d_size : 0 };
	}
	KtapMeta m;
	const char *err = NULL;
	assert_int_equal(ktapobj_read(&m, secs, n, &err), 0);
	assert_string_equal(m.main_func, "main");
	assert_int_equal(m.nufuncs, 1);
	KtapUFunc *u = &m.ufuncs[0];
	assert_string_equal(u->name, "main");
	assert_int_equal(u->ninsns, 7);
	assert_int_equal(u->nrelocs, 3);
	assert_int_equal(u->relocs[0].kind, UREL_MAP);
	assert_string_equal(u->relocs[0].target, "counts");
	assert_int_equal(u->relocs[1].kind, UREL_DATA);
	assert_string_equal(u->relocs[1].target, ".rodata");
	assert_int_equal(u->relocs[2].kind, UREL_CALL);
	assert_string_equal(u->relocs[2].target, "main");
	assert_memory_equal(u->insns, f->o.progs[3].insns, 7 * 8);
	ktapobj_free(&m);
	elf_end(e);
	close(fd);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	Buf b = {0};
	char buf[4096];
	size_t k;
	while ((k = fread(buf, 1, sizeof(buf), fp)) > 0)
		buf_add(&b, buf, k);
	fclose(fp);
	*n = b.len;
	return (char *)b.p;
}

/* "-" writes the same bytes to stdout. */
static void to_stdout(void **state)
{
	Fixture *f = *state;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	char *out = xasprintf("%s.stdout", f->path);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		_exit(obj_write_elf(&f->o, "-", f->d) ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	size_t n1, n2;
	char *a = slurp(f->path, &n1), *b = slurp(out, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	unlink(out);
	free(a);
	free(b);
	free(out);
}

/* A script with no probes: only user-context code, maps and data. */
static void user_only(void **state)
{
	Fixture *f = *state;
	f->o.progs[3].relocs[2].target = 3;
	for (int i = 0; i < 3; i++)
		f->mod->funcs[i]->ctx = IRF_USER;
	f->o.progs[0].relocs[1].target = 3;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	warnings = 0;
	libbpf_set_print(libbpf_quiet);
	struct bpf_object *obj = bpf_object__open_file(f->path, NULL);
	assert_int_equal(libbpf_get_error(obj), 0);
	assert_int_equal(bpf_object__load(obj), 0);
	assert_non_null(bpf_object__find_map_by_name(obj, "counts"));
	assert_int_equal(warnings, 0);
	bpf_object__close(obj);
}

/* The diagnostics since the last call, as one string. */
static const char *messages(Fixture *f)
{
	static size_t seen;
	fflush(f->err);
	const char *m = f->errbuf + (f->errlen >= seen ? seen : 0);
	seen = f->errlen;
	return m;
}

/* A malformed object is the code generator's bug, reported as such; the
 * file that was there (setup's empty one) stays as it was. */
static void errors(void **state)
{
	Fixture *f = *state;
	messages(f);
	/* a kernel program may only call .text subprograms */
	f->o.progs[0].relocs[1].target = 1;
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), -1);
	assert_string_equal(messages(f), "test.kp: error: internal compiler error: tp_getppid: calls a "
			    "function that is not a kernel subprogram\n");
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
	f->o.progs[0].relocs[1].target = 2;
	f->o.progs[0].relocs[0].insn = 3;	/* not a ld_imm64 */
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), -1);
	assert_string_equal(messages(f), "test.kp: error: internal compiler error: tp_getppid: map "
			    "relocation not on a ld_imm64\n");
	f->o.progs[0].relocs[0].insn = 4;
	f->o.progs[3].relocs[2].target = 0;	/* user code calling a kernel program */
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), -1);
	assert_string_equal(messages(f), "test.kp: error: internal compiler error: main: user-context "
			    "code calls kernel function tp_getppid\n");
	f->o.progs[3].relocs[2].target = 3;
	assert_int_equal(obj_write_elf(&f->o, "/nonexistent/dir/x.o", f->d), -1);
	assert_string_equal(messages(f), "test.kp: error: cannot write '/nonexistent/dir/x.o': "
			    "No such file or directory\n");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* The image in memory is the bytes the file gets. */
static void image(void **state)
{
	Fixture *f = *state;
	Buf img = {0};
	assert_int_equal(obj_elf_image(&f->o, f->d, &img), 0);
	assert_int_equal(obj_write_elf(&f->o, f->path, f->d), 0);
	size_t n;
	char *file = slurp(f->path, &n);
	assert_int_equal(n, img.len);
	assert_memory_equal(file, img.p, n);
	assert_memory_equal(img.p, ELFMAG, SELFMAG);
	free(file);
	buf_free(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(load_with_libbpf, setup, teardown),
		cmocka_unit_test_setup_teardown(tools_accept_it, setup, teardown),
		cmocka_unit_test_setup_teardown(ktap_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(to_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(user_only, setup, teardown),
		cmocka_unit_test_setup_teardown(errors, setup, teardown),
		cmocka_unit_test_setup_teardown(image, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
