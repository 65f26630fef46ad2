/* Output formatting: print of every kind, printf of every conversion and
 * flag, %p symbols, and print_hist's exact layout (docs/language.md §9). */
#include <sys/socket.h>
#include <time.h>
#include "test_rt.h"

static char *text;
static size_t len;

static FILE *open_out(void)
{
	free(text);
	text = NULL;
	return open_memstream(&text, &len);
}

static int setup(void **state)
{
	t_reset();
	assert_int_equal(rt_interp_init(&T.rt), 0);
	return 0;
}

static int teardown(void **state)
{
	free(text);
	text = NULL;
	return t_teardown(state);
}

static void test_print(void **state)
{
	KtapArg args[] = { { V_NUM, 0, 8, NULL }, { V_STR, 8, 16, NULL }, { V_BOOL, 24, 8, NULL },
			   { V_BOOL, 32, 8, NULL }, { V_NIL, 40, 8, NULL },
			   { V_STR, 48, 8, NULL } };
	KtapFormat f = { FMT_PRINT, NULL, 6, args, 56, 1 };
	uint8_t payload[56] = { 0 };
	int64_t n = -5, t = 1;
	memcpy(payload, &n, 8);
	strcpy((char *)payload + 8, "hi");
	memcpy(payload + 24, &t, 8);
	memcpy(payload + 48, "12345678", 8);	/* a full buffer without NUL */
	FILE *out = open_out();
	rt_format(&T.rt, out, &f, payload);
	KtapFormat empty = { FMT_PRINT, NULL, 0, NULL, 0, 1 };
	rt_format(&T.rt, out, &empty, payload);
	fclose(out);
	assert_string_equal(text, "-5\thi\ttrue\tfalse\tnil\t12345678\n\n");
}

/* Names and times (§14): the kernel's numbers printed as text, unknown
 * numbers as the number; times in the local zone (TZ). */
static void test_text(void **state)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	KtapArg args[] = { { V_SYSCALL, 0, 8, NULL }, { V_ERRNO, 8, 8, NULL }, { V_ERRNO, 16, 8, NULL },
			   { V_SYSCALL, 24, 8, NULL }, { V_TIME, 32, 8, "%Y-%m-%d %H:%M" } };
	KtapFormat f = { FMT_PRINT, NULL, 5, args, 40, 1 };
	int64_t v[5] = { 257, 2, 9999, -1, 3600000000000 - 1 };
	FILE *out = open_out();
	rt_format(&T.rt, out, &f, (uint8_t *)v);
	KtapFormat g = { FMT_PRINTF, "%-8s|%d|%s\n", 3, args, 40, 1 };
	rt_format(&T.rt, out, &g, (uint8_t *)v);
	fclose(out);
	assert_string_equal(text, "openat\tENOENT\t9999\t-1\t1970-01-01 00:59\nopenat  |2|9999\n");
}

/* Addresses and arrays (docs/object-format.md): as print and printf %s
 * show them; one that is not what its kind says, or whose shape does not
 * fit its slot, prints "?" without reading past it. */
static void test_bytes(void **state)
{
	uint8_t p[96] = { 0 };
	uint64_t v4 = AF_INET, v6 = AF_INET6, bad = 99;
	memcpy(p, &v4, 8);
	memcpy(p + 8, "\x7f\0\0\x01", 4);
	memcpy(p + 24, &v6, 8);
	p[24 + 8 + 15] = 1;
	memcpy(p + 48, &bad, 8);
	int16_t s[3] = { -1, 2, 300 };
	memcpy(p + 72, s, sizeof(s));
	KtapArg args[] = { { V_ADDR, 0, 24, NULL }, { V_ADDR, 24, 24, NULL }, { V_ADDR, 48, 24, NULL },
			   { V_ADDR, 0, 16, NULL }, { V_ARRAY, 72, 24, "s2x3" }, { V_ARRAY, 8, 8, "u1x4" },
			   { V_ARRAY, 72, 8, "s2x5" }, { V_ARRAY, 72, 8, "u3x1" } };
	KtapFormat f = { FMT_PRINT, NULL, 8, args, 96, 1 };
	FILE *out = open_out();
	rt_format(&T.rt, out, &f, p);
	KtapFormat g = { FMT_PRINTF, "[%12s] [%-6s]\n", 2, args + 1, 96, 1 };
	rt_format(&T.rt, out, &g, p);
	fclose(out);
	assert_string_equal(text, "127.0.0.1\t::1\t?\t?\t[-1,2,300]\t[127,0,0,1]\t?\t?\n"
			    "[         ::1] [?     ]\n");
}

/* printf with one argument of kind k holding v (a number) or s (a string). */
static const char *pf(const char *fmt, KtapVKind k, int64_t v, const char *s)
{
	KtapArg arg = { k, 0, 16, NULL };
	KtapFormat f = { FMT_PRINTF, (char *)fmt, 1, &arg, 16, 1 };
	uint8_t payload[16] = { 0 };
	if (k == V_STR)
		memcpy(payload, s, strnlen(s, 16));
	else
		memcpy(payload, &v, 8);
	FILE *out = open_out();
	rt_format(&T.rt, out, &f, payload);
	fclose(out);
	return text;
}

static void test_printf(void **state)
{
	struct { const char *fmt; KtapVKind k; int64_t v; const char *s, *want; } cases[] = {
		{ "%d", V_NUM, -42, NULL, "-42" },
		{ "[%5d]", V_NUM, 42, NULL, "[   42]" },
		{ "[%-5d]", V_NUM, 42, NULL, "[42   ]" },
		{ "%+d", V_NUM, 5, NULL, "+5" },
		{ "% d", V_NUM, 5, NULL, " 5" },
		{ "%05d", V_NUM, -42, NULL, "-0042" },
		{ "%.4d", V_NUM, 7, NULL, "0007" },
		{ "%i", V_NUM, 7, NULL, "7" },
		{ "%ld %lld", V_NUM, 7, NULL, NULL },	/* two conversions, one argument: refused */
		{ "%lld", V_NUM, -9000000000ll, NULL, "-9000000000" },
		{ "%u", V_NUM, -1, NULL, "18446744073709551615" },
		{ "%lu", V_NUM, 3, NULL, "3" },
		{ "%x", V_NUM, 255, NULL, "ff" },
		{ "%#X", V_NUM, 255, NULL, "0XFF" },
		{ "%08x", V_NUM, 0xbeef, NULL, "0000beef" },
		{ "%#o", V_NUM, 8, NULL, "010" },
		{ "%c%c", V_NUM, 'A', NULL, NULL },
		{ "<%c>", V_NUM, 'A', NULL, "<A>" },
		{ "[%3c]", V_NUM, 'A', NULL, "[  A]" },
		{ "%s", V_STR, 0, "hello", "hello" },
		{ "[%10s]", V_STR, 0, "hello", "[     hello]" },
		{ "[%-7s]", V_STR, 0, "hello", "[hello  ]" },
		{ "%.3s", V_STR, 0, "hello", "hel" },
		{ "%s", V_STR, 0, "0123456789abcdefXYZ", "0123456789abcdef" },	/* no NUL: the buffer */
		{ "%s", V_NUM, 12, NULL, "12" },
		{ "%s", V_BOOL, 1, NULL, "true" },
		{ "%s", V_NIL, 0, NULL, "nil" },
		{ "%d", V_BOOL, 1, NULL, "1" },
		{ "100%% %d", V_NUM, 1, NULL, "100% 1" },
		{ "%p", V_NUM, 0, NULL, "0x0" },
		{ "[%-5p]", V_NUM, 16, NULL, "[0x10 ]" },
	};
	for (int i = 0; i < N(cases); i++) {
		int saved;
		FILE *tf;
		cap_begin(&saved, &tf);
		const char *got = pf(cases[i].fmt, cases[i].k, cases[i].v, cases[i].s);
		cap_end(saved, tf);
		if (!cases[i].want) {
			assert_string_equal(got, "");
			assert_non_null(strstr(errtext, "error: bad format"));
			assert_true(T.rt.error);
			T.rt.error = 0;
			continue;
		}
		if (strcmp(got, cases[i].want))
			fail_msg("printf(\"%s\"): got \"%s\", want \"%s\"", cases[i].fmt, got, cases[i].want);
	}
}

/* A kernel address prints as sym+0xoff when /proc/kallsyms tells. */
static void test_printf_symbol(void **state)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256] = "";
	unsigned long long addr = 0;
	char type;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 && addr && !strcmp(name, "schedule"))
			break;
	if (f)
		fclose(f);
	if (!addr || strcmp(name, "schedule"))
		skip();
	const char *got = pf("%p", V_NUM, addr + 4, NULL);
	assert_non_null(strstr(got, "+0x4"));
	assert_true(strncmp(got, "0x", 2));
}

/* A format used many times is parsed once; a bad one reports once. */
static void test_format_cache(void **state)
{
	KtapArg arg = { V_NUM, 0, 8, NULL };
	KtapFormat f[2] = { { FMT_PRINTF, "<%d>", 1, &arg, 8, 1 }, { FMT_PRINTF, "%d %d", 1, &arg, 8, 2 } };
	T.rt.meta.formats = f;
	T.rt.meta.nformats = 2;
	int64_t v = 3;
	FILE *out = open_out();
	rt_format(&T.rt, out, &f[0], (uint8_t *)&v);
	rt_format(&T.rt, out, &f[0], (uint8_t *)&v);
	int saved;
	FILE *tf;
	cap_begin(&saved, &tf);
	rt_format(&T.rt, out, &f[1], (uint8_t *)&v);
	rt_format(&T.rt, out, &f[1], (uint8_t *)&v);
	cap_end(saved, tf);
	fclose(out);
	assert_string_equal(text, "<3><3>");
	assert_non_null(strstr(errtext, "bad format \"%d %d\""));
	assert_null(strstr(strstr(errtext, "bad format") + 1, "bad format"));
}

static const char header[] = "                         value ------------- Distribution ------------- count\n";

static void hist_rows(RtMap *m, const char *const *keys, const int64_t *vals, int n)
{
	for (int i = 0; i < n; i++) {
		char key[16] = { 0 };
		strcpy(key, keys[i]);
		assert_int_equal(bpf_map_update_elem(m->fd, key, &vals[i], BPF_ANY), 0);
	}
}

static void test_print_hist(void **state)
{
	static KtapTable tbl = { .map = "h", .name = "h", .nkeys = 1, .keys = { { V_STR, 0, 16, NULL } }, .value = { V_NUM, 0, 8, NULL } };
	RtMap *m = t_map("h", BPF_MAP_TYPE_HASH, 16, 8, 16);
	m->table = &tbl;
	const char *keys[] = { "open", "close", "stat", "read" };
	int64_t vals[] = { 10, 236, 10, 287 };
	hist_rows(m, keys, vals, 4);
	FILE *out = open_out();
	rt_print_hist(&T.rt, out, m, 3);
	fclose(out);
	const char *want3 =
		"                           read |@@@@@@@@@@@@@@@@@@@@                  287    \n"
		"                          close |@@@@@@@@@@@@@@@@                      236    \n"
		"                           open |                                      10     \n"
		"                            ... |\n";
	assert_memory_equal(text, header, strlen(header));
	assert_string_equal(text + strlen(header), want3);
	out = open_out();
	rt_print_hist(&T.rt, out, m, 20);
	fclose(out);
	assert_null(strstr(text, "..."));
	assert_non_null(strstr(text, "                           stat |                                      10     \n"));
	/* values whose sum passes 2^63: the total saturates (found by fuzz_object) */
	int64_t big[] = { 0x7000000000000000, 0x7000000000000000 };
	RtMap *b = t_map("b", BPF_MAP_TYPE_HASH, 16, 8, 16);
	b->table = &tbl;
	hist_rows(b, keys, big, 2);
	out = open_out();
	rt_print_hist(&T.rt, out, b, 20);
	fclose(out);
	assert_non_null(strstr(text, "                           open |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@     8070450532247928832\n"));
	/* an empty table: the header only */
	RtMap *e = t_map("e", BPF_MAP_TYPE_HASH, 8, 8, 4);
	out = open_out();
	rt_print_hist(&T.rt, out, e, 20);
	fclose(out);
	assert_string_equal(text, header);
}

/* Tuple keys join with ", "; a table without a KtapTable prints 8-byte
 * keys as numbers. */
static void test_print_hist_keys(void **state)
{
	static KtapTable tbl = { .map = "t", .name = "t", .nkeys = 2, .keys = { { V_STR, 0, 8, NULL }, { V_NUM, 8, 8, NULL } },
				 .value = { V_NUM, 0, 8, NULL } };
	RtMap *m = t_map("t", BPF_MAP_TYPE_HASH, 16, 8, 4);
	m->table = &tbl;
	uint8_t key[16] = "ab";
	int64_t n = -7, v = 1;
	memcpy(key + 8, &n, 8);
	bpf_map_update_elem(m->fd, key, &v, BPF_ANY);
	FILE *out = open_out();
	rt_print_hist(&T.rt, out, m, 20);
	fclose(out);
	assert_string_equal(text + strlen(header),
			    "                         ab, -7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@1      \n");
	RtMap *u = t_map("u", BPF_MAP_TYPE_HASH, 8, 8, 4);
	int64_t k = 123456, c = 2;
	bpf_map_update_elem(u->fd, &k, &c, BPF_ANY);
	out = open_out();
	rt_print_hist(&T.rt, out, u, -1);
	fclose(out);
	assert_string_equal(text + strlen(header),
			    "                         123456 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@2      \n");
}

/* argstr from raw records of the fake tracefs's formats: libtraceevent's
 * rendering with a __data_loc string, whole and cut; a syscall entry and exit
 * as ftrace's syscall printer writes them; a record of no handler's event. */
static const char *argstr_of(const uint8_t *rec, uint32_t size)
{
	KtapArg arg = { V_ARGSTR, 0, size, NULL };
	KtapFormat f = { FMT_PRINTF, (char *)"[%s]", 1, &arg, size, 1 };
	FILE *out = open_out();
	rt_format(&T.rt, out, &f, rec);
	fclose(out);
	return text;
}

static void test_argstr(void **state)
{
	KtapHandler h[] = { { H_TRACEPOINT, 0, (char *)"p", (char *)"sched:sched_process_exec", 0, 1 },
			    { H_TRACEPOINT, 0, (char *)"p", (char *)"syscalls:sys_e*_*", 0, 1 } };
	T.rt.meta.handlers = h;
	T.rt.meta.nhandlers = 2;
	setenv("KTAP_TRACEFS", "tests/lit/Inputs/tracefs", 1);
	uint8_t exec[40] = { 0x6d, 0x01 };	/* ID 365 */
	uint32_t loc = 10u << 16 | 24, pid = 7;
	memcpy(exec + 8, &loc, 4);
	memcpy(exec + 12, &pid, 4);
	memcpy(exec + 16, &pid, 4);
	memcpy(exec + 24, "/bin/true", 10);
	assert_string_equal(argstr_of(exec, 40), "[filename=/bin/true pid=7 old_pid=7]");
	assert_string_equal(argstr_of(exec, 28), "[filename=/bin pid=7 old_pid=7 [cut: 28 bytes copied]]");
	uint8_t open[48] = { 0x0e, 0x03 };	/* ID 782 */
	uint64_t args[4] = { 0xffffff9c, 0x7ffd1234, 9, 10 };
	memcpy(open + 16, args, sizeof args);
	assert_string_equal(argstr_of(open, 48),
			    "[sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1234, flags: 9, mode: 0xa)]");
	uint8_t exit_read[24] = { 0x49, 0x03 };	/* ID 841 */
	int64_t ret = -2;
	memcpy(exit_read + 16, &ret, 8);
	assert_string_equal(argstr_of(exit_read, 24), "[sys_read -> 0xfffffffffffffffe]");
	uint8_t other[8] = { 1 };
	assert_string_equal(argstr_of(other, 8), "[(event 1: no format)]");
	rt_argstr_free(&T.rt);
	unsetenv("KTAP_TRACEFS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf_symbol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_hist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_hist_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argstr, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
