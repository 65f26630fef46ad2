/* The helpers on real BPF maps: lookups return copies, updates and deletes
 * return the kernel's errors, clear/len/iterators (sorted with ties broken
 * by key, limited, unsorted), per-CPU sums, bpf_snprintf, printf and the
 * machine facts. Arguments live in the test's .data section. */
#include <errno.h>
#include <sys/utsname.h>
#include "test_rt.h"

#define D(i) ((uint64_t)(uintptr_t)&T.data[i])	/* the address of .data word i */

static KtapTable tbl;

static int setup(void **state)
{
	t_reset();
	t_map("t", BPF_MAP_TYPE_HASH, 8, 8, 64);
	assert_int_equal(rt_interp_init(&T.rt), 0);
	return 0;
}

static uint64_t h(int id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t a[5] = { a1, a2, a3, a4, a5 }, r = 0xdead;
	assert_int_equal(rt_helper(&T.rt, id, a, &r), 0);
	return r;
}

/* A helper call expected to fail; its message in errtext. */
static void h_fails(int id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t a[5] = { a1, a2, a3, a4, a5 }, r;
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	assert_int_equal(rt_helper(&T.rt, id, a, &r), -1);
	cap_end(saved, tf);
	assert_true(T.rt.error);
	T.rt.error = 0;
	((Interp *)T.rt.interp)->failed = 0;
}

static uint64_t map0(void)
{
	return (uintptr_t)&T.maps[0];
}

static void put(int64_t k, int64_t v)
{
	T.data[0] = k;
	T.data[1] = v;
	assert_int_equal(h(BPF_FUNC_map_update_elem, map0(), D(0), D(1), BPF_ANY, 0), 0);
}

static void test_lookup_update_delete(void **state)
{
	put(5, 50);
	T.data[0] = 5;
	assert_int_equal((int64_t)h(BPF_FUNC_map_update_elem, map0(), D(0), D(1), BPF_NOEXIST, 0), -EEXIST);
	uint64_t *p = (uint64_t *)(uintptr_t)h(BPF_FUNC_map_lookup_elem, map0(), D(0), 0, 0, 0);
	assert_non_null(p);
	assert_int_equal(*p, 50);
	*p = 1;		/* a copy: the table keeps 50 */
	uint64_t *q = (uint64_t *)(uintptr_t)h(BPF_FUNC_map_lookup_elem, map0(), D(0), 0, 0, 0);
	assert_true(p != q);
	assert_int_equal(*q, 50);
	assert_int_equal(*p, 1);	/* earlier copies stay valid */
	T.data[0] = 6;
	assert_int_equal(h(BPF_FUNC_map_lookup_elem, map0(), D(0), 0, 0, 0), 0);
	T.data[0] = 5;
	assert_int_equal(h(BPF_FUNC_map_delete_elem, map0(), D(0), 0, 0, 0), 0);
	assert_int_equal((int64_t)h(BPF_FUNC_map_delete_elem, map0(), D(0), 0, 0, 0), -ENOENT);
	/* bad arguments are run-time errors */
	h_fails(BPF_FUNC_map_lookup_elem, map0() + 8, D(0), 0, 0, 0);
	assert_non_null(strstr(errtext, "is not a table"));
	h_fails(BPF_FUNC_map_lookup_elem, map0(), 12, 0, 0, 0);
	assert_non_null(strstr(errtext, "invalid memory access: read of 8 bytes at 0xc"));
	h_fails(BPF_FUNC_map_update_elem, map0(), D(0), D(511) + 4, 0, 0);
	h_fails(999, 0, 0, 0, 0, 0);
	assert_non_null(strstr(errtext, "unknown helper 999"));
}

static void test_clear_len(void **state)
{
	for (int i = 0; i < 10; i++)
		put(i, i * i);
	assert_int_equal(h(KH_MAP_LEN, map0(), 0, 0, 0, 0), 10);
	h(KH_MAP_CLEAR, map0(), 0, 0, 0, 0);
	assert_int_equal(h(KH_MAP_LEN, map0(), 0, 0, 0, 0), 0);
	h(KH_MAP_CLEAR, map0(), 0, 0, 0, 0);	/* clearing an empty table */
	/* an array's "clear" zeroes its values */
	RtMap *a = t_map("a", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	uint32_t k = 2;
	uint64_t v = 9;
	bpf_map_update_elem(a->fd, &k, &v, BPF_ANY);
	h(KH_MAP_CLEAR, (uintptr_t)a, 0, 0, 0, 0);
	bpf_map_lookup_elem(a->fd, &k, &v);
	assert_int_equal(v, 0);
}

/* The keys an iterator gives, as a string "k1 k2 ...". */
static const char *iterate(int64_t n, int sorted)
{
	static char out[256];
	uint64_t it = h(KH_ITER_OPEN, map0(), n, sorted, 0, 0);
	out[0] = 0;
	while (h(KH_ITER_NEXT, it, D(10), 0, 0, 0) == 0)
		sprintf(out + strlen(out), "%s%lld", out[0] ? " " : "", (long long)T.data[10]);
	assert_int_equal(h(KH_ITER_NEXT, it, D(10), 0, 0, 0), (uint64_t)-1);
	return out;
}

static void test_iterators(void **state)
{
	int64_t vals[] = { 0, 30, 10, 30, 5, 20, 30, -1 };
	for (int k = 7; k >= 1; k--)
		put(k, vals[k]);
	assert_string_equal(iterate(-1, 1), "1 3 6 5 2 4 7");
	assert_string_equal(iterate(2, 1), "1 3");
	assert_string_equal(iterate(0, 1), "");
	/* unsorted: every key once, in the kernel's order */
	const char *all = iterate(-1, 0);
	int seen = 0;
	for (const char *p = all; *p; p++)
		if (*p >= '1' && *p <= '7')
			seen |= 1 << (*p - '0');
	assert_int_equal(seen, 0xfe);
	assert_int_equal(strlen(all), 13);
	assert_int_equal(strlen(iterate(3, 0)), 5);
	h_fails(KH_ITER_NEXT, 42, D(10), 0, 0, 0);
	assert_non_null(strstr(errtext, "42 is not an open iterator"));
	/* iterators end with the call */
	rt_iters_free(T.rt.interp);
	h_fails(KH_ITER_NEXT, 1, D(10), 0, 0, 0);
}

/* String keys: ties in value are ordered by the string. */
static void test_iterators_string_keys(void **state)
{
	RtMap *m = t_map("s", BPF_MAP_TYPE_HASH, 16, 8, 16);
	tbl = (KtapTable){ .map = "s", .name = "s", .nkeys = 1, .keys = { { V_STR, 0, 16, NULL } }, .value = { V_NUM, 0, 8, NULL } };
	m->table = &tbl;
	const char *names[] = { "zeta", "alpha", "mid", "beta" };
	int64_t counts[] = { 4, 4, 9, 1 };
	for (int i = 0; i < 4; i++) {
		char key[16] = { 0 };
		strcpy(key, names[i]);
		bpf_map_update_elem(m->fd, key, &counts[i], BPF_ANY);
	}
	uint64_t it = h(KH_ITER_OPEN, (uintptr_t)m, -1, 1, 0, 0);
	char got[64] = "";
	while (h(KH_ITER_NEXT, it, D(20), 0, 0, 0) == 0)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%.15s ", (char *)&T.data[20]);
	assert_string_equal(got, "mid alpha zeta beta ");
}

static void test_percpu(void **state)
{
	RtMap *m = t_map("p", BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 8);
	int n = libbpf_num_possible_cpus();
	uint64_t key = 1, *vals = calloc(n, 8), sum = 0;
	for (int i = 0; i < n; i++)
		sum += vals[i] = i + 1;
	assert_int_equal(bpf_map_update_elem(m->fd, &key, vals, BPF_ANY), 0);
	free(vals);
	T.data[0] = 1;
	uint64_t *p = (uint64_t *)(uintptr_t)h(BPF_FUNC_map_lookup_elem, (uintptr_t)m, D(0), 0, 0, 0);
	assert_non_null(p);
	assert_int_equal(*p, sum);
	T.data[0] = 2;
	T.data[1] = 77;
	assert_int_equal(h(BPF_FUNC_map_update_elem, (uintptr_t)m, D(0), D(1), BPF_ANY, 0), 0);
	p = (uint64_t *)(uintptr_t)h(BPF_FUNC_map_lookup_elem, (uintptr_t)m, D(0), 0, 0, 0);
	assert_int_equal(*p, 77);
}

/* bpf_snprintf: format and strings in .rodata, arguments in .data */
static int64_t snp(const char *fmt, uint32_t size, int nargs)
{
	strcpy((char *)T.rodata, fmt);
	return h(BPF_FUNC_snprintf, D(100), size, (uintptr_t)T.rodata, D(0), nargs * 8);
}

static void test_snprintf(void **state)
{
	char *out = (char *)&T.data[100];
	strcpy((char *)&T.rodata[64], "ab");
	uint64_t args[] = { (uintptr_t)&T.rodata[64], -3, 7, 255, 'Z', 123456789012ll, 0x1f };
	memcpy(T.data, args, sizeof args);
	const char *want = "ab--3|    7|ff  |Z|%|123456789012|0X1F";
	assert_int_equal(snp("%s-%d|%5u|%-4x|%c|%%|%lld|%#lX", 64, 7), strlen(want) + 1);
	assert_string_equal(out, want);
	assert_int_equal(snp("%s-%d|%5u|%-4x|%c|%%|%lld|%#lX", 5, 7), strlen(want) + 1);
	assert_string_equal(out, "ab--");
	assert_int_equal(snp("%s%s", 64, 1), -EINVAL);	/* too few arguments */
	assert_int_equal(snp("%q", 64, 1), -EINVAL);
	assert_int_equal(snp("plain", 64, 0), 6);
	assert_string_equal(out, "plain");
	/* arguments at an address that is not a multiple of 8 (found by fuzz_object) */
	memcpy((char *)T.data + 4, args + 1, 8);
	strcpy((char *)T.rodata, "%d");
	assert_int_equal(h(BPF_FUNC_snprintf, D(100), 64, (uintptr_t)T.rodata, (uintptr_t)T.data + 4, 8), 3);
	assert_string_equal(out, "-3");
	T.data[0] = 16;	/* %s of a bad pointer */
	strcpy((char *)T.rodata, "%s");
	h_fails(BPF_FUNC_snprintf, D(100), 64, (uintptr_t)T.rodata, D(0), 8);
	assert_non_null(strstr(errtext, "invalid memory access: a string at 0x10"));
}

static void test_printf_and_error(void **state)
{
	KtapArg args[] = { { V_NUM, 0, 8, NULL }, { V_STR, 8, 16, NULL } };
	KtapFormat f[] = { { FMT_PRINTF, "n=%d s=%s\n", 2, args, 24, 1 } };
	T.rt.meta.formats = f;
	T.rt.meta.nformats = 1;
	char *text = NULL;
	size_t len = 0;
	T.rt.opt.out = open_memstream(&text, &len);
	T.data[0] = 42;
	strcpy((char *)&T.data[1], "abc");
	h(KH_PRINTF, 0, D(0), 0, 0, 0);
	fclose(T.rt.opt.out);
	T.rt.opt.out = NULL;
	assert_string_equal(text, "n=42 s=abc\n");
	free(text);
	h_fails(KH_PRINTF, 1, D(0), 0, 0, 0);
	assert_non_null(strstr(errtext, "format 1 is not in the object"));
	h_fails(KH_PRINTF, 0, D(510), 0, 0, 0);	/* the payload runs past .data */
	h_fails(KH_ERROR, 0, D(0), 0, 0, 0);
	assert_string_equal(errtext, "error: n=42 s=abc\n");
}

static void test_machine(void **state)
{
	struct utsname u;
	uname(&u);
	h(KH_ARCH, D(0), 64, 0, 0, 0);
	assert_string_equal((char *)T.data, u.machine);
	h(KH_KERNEL_V, D(0), 4, 0, 0, 0);	/* truncated, NUL-terminated */
	assert_int_equal(strlen((char *)T.data), 3);
	assert_memory_equal(T.data, u.release, 3);
	assert_true(h(KH_NUM_CPUS, 0, 0, 0, 0, 0) >= 1);
	assert_true(h(KH_WALLTIME_NS, 0, 0, 0, 0, 0) > 1600000000ull * 1000000000ull);
	assert_true(h(BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0) > 0);
	assert_int_equal(h(BPF_FUNC_get_current_pid_tgid, 0, 0, 0, 0, 0) >> 32, getpid());
	h(KH_EXIT, 0, 0, 0, 0, 0);	/* outside a call: at once */
	assert_true(T.rt.stop);
}

static void test_probe_read(void **state)
{
	strcpy((char *)&T.rodata[8], "kernel!");
	assert_int_equal(h(BPF_FUNC_probe_read_kernel_str, D(0), 5, (uintptr_t)&T.rodata[8], 0, 0), 5);
	assert_string_equal((char *)T.data, "kern");
	assert_int_equal(h(BPF_FUNC_probe_read_user_str, D(0), 64, (uintptr_t)&T.rodata[8], 0, 0), 8);
	assert_string_equal((char *)T.data, "kernel!");
	assert_int_equal(h(BPF_FUNC_probe_read_kernel, D(4), 8, (uintptr_t)&T.rodata[8], 0, 0), 0);
	assert_memory_equal(&T.data[4], "kernel!", 8);
	/* memory the interpreter does not know: -EFAULT and zeroes, no error */
	assert_int_equal((int64_t)h(BPF_FUNC_probe_read_kernel_str, D(0), 16, 0xffffffff81000000ull, 0, 0), -EFAULT);
	assert_int_equal(T.data[0], 0);
	assert_false(T.rt.error);
	h_fails(BPF_FUNC_probe_read_kernel, 64, 8, D(0), 0, 0);	/* bad destination */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_update_delete, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_clear_len, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iterators, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iterators_string_keys, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_percpu, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_snprintf, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_printf_and_error, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_machine, setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_probe_read, setup, t_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
