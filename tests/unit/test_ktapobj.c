/* The .ktap* sections: a full KtapMeta survives a round trip, and
 * truncated, garbled or foreign sections are rejected with a message that
 * names the section, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "common/ktapobj.h"
#include "common/util.h"
#include "runtime/rt.h"

static KtapMeta *full_meta(void)
{
	KtapMeta *m = xcalloc(1, sizeof(*m));
	m->source_name = xstrdup("script.kp");
	m->main_func = xstrdup("main");
	m->strlen = 64;
	m->nformats = 2;
	m->formats = xcalloc(2, sizeof(KtapFormat));
	m->formats[0] = (KtapFormat){ FMT_PRINTF, xstrdup("%d %s %s\n"), 3, NULL, 80, 3 };
	m->formats[0].args = xcalloc(3, sizeof(KtapArg));
	m->formats[0].args[0] = (KtapArg){ V_NUM, 0, 8, NULL };
	m->formats[0].args[1] = (KtapArg){ V_STR, 8, 64, NULL };
	m->formats[0].args[2] = (KtapArg){ V_TIME, 72, 8, xstrdup("%H:%M") };
	m->formats[1] = (KtapFormat){ FMT_PRINT, NULL, 1, NULL, 8, 9 };
	m->formats[1].args = xcalloc(1, sizeof(KtapArg));
	m->formats[1].args[0] = (KtapArg){ V_BOOL, 0, 8, NULL };
	m->nhandlers = 7;
	m->handlers = xcalloc(7, sizeof(KtapHandler));
	m->handlers[0] = (KtapHandler){ H_TRACEPOINT, 1, xstrdup("tp_0"), xstrdup("sched:sched_switch"), 0, 4, 0 };
	m->handlers[1] = (KtapHandler){ H_PROFILE, 1, xstrdup("prof_1"), NULL, 10000000, 5, 0 };
	m->handlers[2] = (KtapHandler){ H_TICK, 2, xstrdup("tick_2"), NULL, 1000000000ull * 5, 6, 0 };
	m->handlers[3] = (KtapHandler){ H_RAW_TRACEPOINT, 1, xstrdup("disp_3"), xstrdup("sys_enter"), 0, 7, 0 };
	m->handlers[4] = (KtapHandler){ .kind = H_RAW_EVENT, .group = 1, .prog = xstrdup("raw_4"),
					.target = xstrdup("sched:sched_wakeup"), .interval_ns = 11, .line = 8 };
	m->handlers[5] = (KtapHandler){ .kind = H_URETPROBE, .group = 3, .prog = xstrdup("up_5"),
					.target = xstrdup("/usr/bin/x"), .interval_ns = 0x1234, .line = 9,
					.ref_ctr = 0x404c };
	m->handlers[6] = (KtapHandler){ .kind = H_KRETPROBE_MULTI, .group = 3, .prog = xstrdup("kp_6"),
					.target = xstrdup("vfs_*"), .line = 10 };
	m->ntables = 1;
	m->tables = xcalloc(1, sizeof(KtapTable));
	KtapTable *t = &m->tables[0];
	t->map = xstrdup("t_counts");
	t->name = xstrdup("counts");
	t->line = 2;
	t->nkeys = 2;
	t->keys[0] = (KtapArg){ V_SYSCALL, 0, 8, NULL };
	t->keys[1] = (KtapArg){ V_STACK, 8, 8, NULL };
	t->value = (KtapArg){ V_ERRNO, 0, 8, NULL };
	t->drops_off = 24;
	m->nufuncs = 2;
	m->ufuncs = xcalloc(2, sizeof(KtapUFunc));
	for (int i = 0; i < 2; i++) {
		KtapUFunc *u = &m->ufuncs[i];
		u->name = xasprintf("ufunc%d", i);
		u->nparams = i;
		u->stack_size = 8 * i;
		u->ninsns = 3 + i;
		u->insns = xcalloc(u->ninsns, 8);
		for (uint32_t j = 0; j < u->ninsns; j++)
			u->insns[j] = 0x0123456789abcdefull * (j + 1) + i;
		u->nrelocs = 2;
		u->relocs = xcalloc(2, sizeof(KtapURel));
		u->relocs[0] = (KtapURel){ 0, UREL_MAP, xstrdup("t_counts") };
		u->relocs[1] = (KtapURel){ 2, i ? UREL_CALL : UREL_DATA, xstrdup(i ? "ufunc0" : ".bss") };
		u->nlines = 1;
		u->lines = xcalloc(1, sizeof(KtapULine));
		u->lines[0] = (KtapULine){ 1, 10 + i, 3 };
	}
	return m;
}

static void free_meta(KtapMeta *m)
{
	ktapobj_free(m);
	free(m);
}

static void free_secs(KtapSection *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i].data);
	free(s);
}

static void assert_arg(KtapArg a, KtapArg b)
{
	assert_int_equal(a.kind, b.kind);
	assert_int_equal(a.off, b.off);
	assert_int_equal(a.size, b.size);
	if (a.fmt || b.fmt)
		assert_string_equal(a.fmt, b.fmt);
}

static void round_trip(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	KtapMeta r;
	const char *err = NULL;
	assert_int_equal(ktapobj_read(&r, s, n, &err), 0);
	assert_string_equal(r.source_name, "script.kp");
	assert_string_equal(r.main_func, "main");
	assert_int_equal(r.strlen, 64);
	assert_int_equal(r.nformats, 2);
	for (int i = 0; i < 2; i++) {
		KtapFormat *a = &m->formats[i], *b = &r.formats[i];
		assert_int_equal(a->kind, b->kind);
		if (a->fmt)
			assert_string_equal(a->fmt, b->fmt);
		else
			assert_null(b->fmt);
		assert_int_equal(a->nargs, b->nargs);
		assert_int_equal(a->size, b->size);
		assert_int_equal(a->line, b->line);
		for (uint32_t j = 0; j < a->nargs; j++)
			assert_arg(a->args[j], b->args[j]);
	}
	assert_int_equal(r.nhandlers, 7);
	for (int i = 0; i < 7; i++) {
		KtapHandler *a = &m->handlers[i], *b = &r.handlers[i];
		assert_int_equal(a->kind, b->kind);
		assert_int_equal(a->group, b->group);
		assert_string_equal(a->prog, b->prog);
		if (a->target)
			assert_string_equal(a->target, b->target);
		else
			assert_null(b->target);
		assert_true(a->interval_ns == b->interval_ns);
		assert_int_equal(a->line, b->line);
		assert_int_equal(a->ref_ctr, b->ref_ctr);
	}
	assert_int_equal(r.ntables, 1);
	assert_string_equal(r.tables[0].map, "t_counts");
	assert_string_equal(r.tables[0].name, "counts");
	assert_int_equal(r.tables[0].nkeys, 2);
	assert_int_equal(r.tables[0].drops_off, 24);
	assert_int_equal(r.tables[0].line, 2);
	for (int j = 0; j < 2; j++)
		assert_arg(m->tables[0].keys[j], r.tables[0].keys[j]);
	assert_arg(m->tables[0].value, r.tables[0].value);
	assert_int_equal(r.nufuncs, 2);
	for (int i = 0; i < 2; i++) {
		KtapUFunc *a = &m->ufuncs[i], *b = &r.ufuncs[i];
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->nparams, b->nparams);
		assert_int_equal(a->stack_size, b->stack_size);
		assert_int_equal(a->ninsns, b->ninsns);
		assert_memory_equal(a->insns, b->insns, a->ninsns * 8);
		assert_int_equal(a->nrelocs, b->nrelocs);
		for (uint32_t j = 0; j < a->nrelocs; j++) {
			assert_int_equal(a->relocs[j].insn, b->relocs[j].insn);
			assert_int_equal(a->relocs[j].kind, b->relocs[j].kind);
			assert_string_equal(a->relocs[j].target, b->relocs[j].target);
		}
		assert_int_equal(a->nlines, b->nlines);
		assert_memory_equal(a->lines, b->lines, a->nlines * sizeof(KtapULine));
	}
	ktapobj_free(&r);
	free_secs(s, n);
	free_meta(m);
}

static void empty_meta(void **state)
{
	KtapMeta m = {0}, r;
	KtapSection *s;
	int n;
	ktapobj_write(&m, &s, &n);
	const char *err;
	assert_int_equal(ktapobj_read(&r, s, n, &err), 0);
	assert_null(r.source_name);
	assert_int_equal(r.nformats + r.nhandlers + r.ntables + r.nufuncs, 0);
	ktapobj_free(&r);
	free_secs(s, n);
}

/* Read a copy of the sections (so that ASan sees reads past the end). */
static int read_copy(const KtapSection *s, int n, const char **err)
{
	KtapSection *c = xcalloc(n, sizeof(*c));
	for (int i = 0; i < n; i++) {
		c[i] = s[i];
		c[i].data = s[i].size ? xmalloc(s[i].size) : NULL;
		if (s[i].size)
			memcpy(c[i].data, s[i].data, s[i].size);
	}
	KtapMeta r;
	int rc = ktapobj_read(&r, c, n, err);
	if (rc == 0)
		ktapobj_free(&r);
	free_secs(c, n);
	return rc;
}

static int sec_index(KtapSection *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return i;
	fail_msg("no section %s", name);
	return -1;
}

static void expect_error(KtapSection *s, int n, const char *section)
{
	const char *err = NULL;
	assert_int_equal(read_copy(s, n, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, section));
}

/* Every section cut short at every length is refused, naming it. */
static void truncated(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	for (int i = 0; i < n; i++) {
		size_t size = s[i].size;
		for (size_t len = 0; len < size; len++) {
			s[i].size = len;
			expect_error(s, n, s[i].name);
		}
		s[i].size = size;
	}
	const char *err;
	assert_int_equal(read_copy(s, n - 1, &err), -1);	/* .ktap.lines missing */
	assert_int_equal(read_copy(s + 1, n - 1, &err), -1);	/* .ktap.meta missing */
	assert_string_equal(err, "section .ktap.meta: missing");
	free_secs(s, n);
	free_meta(m);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Bad version, magic, kinds, indexes and string offsets, each named. */
static void garbled(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	struct { const char *sec; size_t off; uint32_t v; const char *msg; } cases[] = {
		{ ".ktap.meta", 0, 0x50415453, "not a ktap header" },
		{ ".ktap.meta", 4, KTAP_OBJ_VERSION + 1, "another version" },
		{ ".ktap.meta", 8, 1000000, "outside .ktap.str" },
		{ ".ktap.meta", 20, 3, ".ktap.formats: size" },
		{ ".ktap.formats", 0, 7, "bad format kind" },
		{ ".ktap.formats", 8, 0xfffffff0, "index out of range" },
		{ ".ktap.formats", 12, 0xfffffff0, "index out of range" },
		{ ".ktap.formats", 16, 8, "outside the record" },
		{ ".ktap.args", 0, 99, "bad value kind" },
		{ ".ktap.args", 64, V_ARGSTR, "bad value kind" },	/* a table key: formats only */
		{ ".ktap.args", 0, V_ARRAY + 1, "bad value kind" },
		{ ".ktap.args", 12, 1, "a time or an array needs a format" },	/* a number with one */
		{ ".ktap.args", 44, 0xffffffff, "a time or an array needs a format" },	/* a time without */
		{ ".ktap.handlers", 0, 99, "bad handler kind" },
		{ ".ktap.handlers", 0, H_KRETPROBE_MULTI + 1, "bad handler kind" },
		{ ".ktap.handlers", 8, 0xfffffffe, "outside .ktap.str" },
		{ ".ktap.handlers", 28, 0x404c, "semaphore on a handler that is no uprobe" },
		{ ".ktap.tables", 0, 0xffffffff, "a required string is missing" },
		{ ".ktap.tables", 12, 9, "more than 8 keys" },
		{ ".ktap.tables", 20, 5, "index out of range" },
		{ ".ktap.ufuncs", 12, 6, "index out of range" },
		{ ".ktap.ufuncs", 16, 0xffffffff, "index out of range" },
		{ ".ktap.ufuncs", 28, 2, "index out of range" },
		{ ".ktap.relocs", 0, 3, "instruction out of range" },
		{ ".ktap.relocs", 4, 3, "bad relocation kind" },
		{ ".ktap.lines", 0, 3, "instruction out of range" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int k = sec_index(s, n, cases[i].sec);
		uint32_t old;
		memcpy(&old, s[k].data + cases[i].off, 4);
		put32(s[k].data + cases[i].off, cases[i].v);
		const char *err = NULL;
		assert_int_equal(read_copy(s, n, &err), -1);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: %s", i, err);
		put32(s[k].data + cases[i].off, old);
	}
	/* the string table must end with its NUL */
	int k = sec_index(s, n, ".ktap.str");
	s[k].data[s[k].size - 1] = 'x';
	expect_error(s, n, ".ktap.str");
	s[k].data[s[k].size - 1] = 0;
	const char *err;
	assert_int_equal(read_copy(s, n, &err), 0);
	k = sec_index(s, n, ".ktap.args");	/* argstr in a format is fine */
	put32(s[k].data, V_ARGSTR);
	assert_int_equal(read_copy(s, n, &err), 0);
	free_secs(s, n);
	free_meta(m);
}

/* Random bytes in every section: any answer but a crash. */
static void random_bytes(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	uint32_t x = 12345;
	for (int round = 0; round < 2000; round++) {
		int k = round % n;
		size_t at = s[k].size ? (x = x * 1103515245 + 12345) % s[k].size : 0;
		if (!s[k].size)
			continue;
		uint8_t old = s[k].data[at];
		s[k].data[at] = x >> 16;
		const char *err;
		read_copy(s, n, &err);
		if (round % 3)
			s[k].data[at] = old;
	}
	free_secs(s, n);
	free_meta(m);
}

/* Section k of a fresh copy of full_meta's sections gets v at off; the
 * read must fail with exactly msg. */
static void expect_patch(const char *sec, size_t off, uint32_t v, const char *msg)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	put32(s[sec_index(s, n, sec)].data + off, v);
	const char *err = NULL;
	assert_int_equal(read_copy(s, n, &err), -1);
	assert_string_equal(err, msg);
	free_secs(s, n);
	free_meta(m);
}

/* Offsets and indexes just past the end of what they point into. */
static void offsets_past_end(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	uint32_t strsize = s[sec_index(s, n, ".ktap.str")].size;
	free_secs(s, n);
	free_meta(m);
	expect_patch(".ktap.meta", 8, strsize, "section .ktap.meta: string offset outside .ktap.str");
	expect_patch(".ktap.handlers", 12, strsize, "section .ktap.handlers: string offset outside .ktap.str");
	expect_patch(".ktap.ufuncs", 36 + 16, 5, "section .ktap.ufuncs: index out of range");	/* 3 + 5 > 7 insns */
	expect_patch(".ktap.ufuncs", 36 + 12, 2, "section .ktap.ufuncs: ranges overlap or leave a gap");
	expect_patch(".ktap.relocs", 0, 3, "section .ktap.relocs: instruction out of range");
	expect_patch(".ktap.lines", 0, 3, "section .ktap.lines: instruction out of range");
	expect_patch(".ktap.formats", 16, 71, "section .ktap.formats: argument outside the record");
}

/* Counts, indexes, offsets and sizes whose sums wrap at 2^32 are refused:
 * every sum is computed in 64 bits. */
static void sizes_overflow_32_bits(void **state)
{
	/* 0x20000000 records of 8 bytes: 2^32 bytes, 0 in 32 bits */
	expect_patch(".ktap.meta", 40, 0x20000000, "section .ktap.code: size does not match the header");
	expect_patch(".ktap.formats", 8, 0xffffffff, "section .ktap.formats: index out of range");
	expect_patch(".ktap.formats", 12, 0xffffffff, "section .ktap.formats: index out of range");
	expect_patch(".ktap.args", 4, 0xfffffff8, "section .ktap.formats: argument outside the record");
	expect_patch(".ktap.args", 8, 0xfffffff8, "section .ktap.formats: argument outside the record");
	expect_patch(".ktap.ufuncs", 16, 0xfffffffe, "section .ktap.ufuncs: index out of range");
	expect_patch(".ktap.ufuncs", 24, 0xffffffff, "section .ktap.ufuncs: index out of range");
}

/* Every string ends inside .ktap.str: its last byte is a NUL, and a
 * required string is there. */
static void unterminated_strings(void **state)
{
	KtapMeta *m = full_meta();
	KtapSection *s;
	int n;
	ktapobj_write(m, &s, &n);
	int k = sec_index(s, n, ".ktap.str");
	s[k].data[s[k].size - 1] = 'x';
	const char *err = NULL;
	assert_int_equal(read_copy(s, n, &err), -1);
	assert_string_equal(err, "section .ktap.str: missing or not NUL-terminated");
	s[k].size = 0;
	assert_int_equal(read_copy(s, n, &err), -1);
	assert_string_equal(err, "section .ktap.str: missing or not NUL-terminated");
	free_secs(s, n);
	free_meta(m);
	expect_patch(".ktap.handlers", 8, 0xffffffff, "section .ktap.handlers: a required string is missing");
	expect_patch(".ktap.handlers", 12, 0xffffffff, "section .ktap.handlers: a required string is missing");
	expect_patch(".ktap.ufuncs", 0, 0xffffffff, "section .ktap.ufuncs: a required string is missing");
	expect_patch(".ktap.relocs", 8, 0xffffffff, "section .ktap.relocs: a required string is missing");
}

/* Bytes that are no ELF file at all, through the loader's reader. */
static void not_an_object(void **state)
{
	static const char *const inputs[] = { "", "\177ELF", "#!/usr/bin/env ktap\n" };
	for (int i = 0; i < 3; i++) {
		char *buf = xstrdup(inputs[i]);
		KtapMeta m;
		const char *err;
		assert_int_equal(rt_read_object(&m, buf, strlen(buf), &err), -1);
		assert_string_equal(err, " is not an eBPF object file");
		ktapobj_free(&m);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(empty_meta),
		cmocka_unit_test(truncated),
		cmocka_unit_test(garbled),
		cmocka_unit_test(random_bytes),
		cmocka_unit_test(offsets_past_end),
		cmocka_unit_test(sizes_overflow_32_bits),
		cmocka_unit_test(unterminated_strings),
		cmocka_unit_test(not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
