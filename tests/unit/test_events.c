/* Event resolution against the fake tracefs tree in tests/lit/Inputs/tracefs
 * (run from the top of the source tree, as make does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/events.h"

static int setup(void **state)
{
	setenv("KTAP_TRACEFS", "tests/lit/Inputs/tracefs", 1);
	return 0;
}

static void free_events(Event **v, int n)
{
	for (int i = 0; i < n; i++)
		event_free(v[i]);
	free(v);
}

static void test_tracefs_override(void **state)
{
	const char *why = NULL;
	assert_string_equal(events_tracefs(&why), "tests/lit/Inputs/tracefs");
	setenv("KTAP_TRACEFS", "/nonexistent", 1);
	assert_null(events_tracefs(&why));
	assert_non_null(strstr(why, "/nonexistent"));
	setup(state);
}

static void test_sched_switch(void **state)
{
	Event **v;
	const char *why;
	int n = events_resolve("sched:sched_switch", &v, &why);
	assert_int_equal(n, 1);
	Event *ev = v[0];
	assert_string_equal(ev->system, "sched");
	assert_string_equal(ev->name, "sched_switch");
	assert_int_equal(ev->nfields, 7);
	const EventField *f = event_field(ev, "prev_comm");
	assert_non_null(f);
	assert_int_equal(f->kind, EF_CHARS);
	assert_int_equal(f->offset, 8);
	assert_int_equal(f->size, 16);
	assert_string_equal(f->ctype, "char[16]");
	f = event_field(ev, "prev_pid");
	assert_int_equal(f->kind, EF_INT);
	assert_int_equal(f->size, 4);
	assert_true(f->is_signed);
	assert_string_equal(f->ctype, "pid_t");
	assert_null(event_field(ev, "common_pid"));
	assert_ptr_equal(event_arg(ev, 0), event_field(ev, "prev_comm"));
	assert_ptr_equal(event_arg(ev, 6), event_field(ev, "next_prio"));
	assert_null(event_arg(ev, 7));
	free_events(v, n);
}

static void test_syscall_args(void **state)
{
	Event **v;
	const char *why;
	int n = events_resolve("syscalls:sys_enter_read", &v, &why);
	assert_int_equal(n, 1);
	assert_string_equal(event_arg(v[0], 0)->name, "__syscall_nr");
	assert_string_equal(event_arg(v[0], 1)->name, "fd");
	assert_false(event_arg(v[0], 1)->is_signed);
	assert_int_equal(event_arg(v[0], 1)->size, 4);	/* unsigned int in an 8-byte slot */
	assert_int_equal(event_arg(v[0], 1)->offset, 16);
	assert_int_equal(event_arg(v[0], 2)->size, 8);
	assert_string_equal(event_arg(v[0], 2)->ctype, "char *");
	assert_string_equal(event_arg(v[0], 2)->name, "buf");
	assert_string_equal(event_arg(v[0], 3)->name, "count");
	assert_null(event_arg(v[0], 4));
	free_events(v, n);
}

/* The format says signed:0 and size:8 for every syscall argument; the C
 * type says how much of the slot is the value and whether it is signed. */
static void test_syscall_signedness(void **state)
{
	Event **v;
	const char *why;
	int n = events_resolve("syscalls:sys_enter_openat", &v, &why);
	assert_int_equal(n, 1);
	const EventField *f = event_field(v[0], "dfd");
	assert_int_equal(f->size, 4);
	assert_true(f->is_signed);
	f = event_field(v[0], "mode");	/* umode_t */
	assert_int_equal(f->size, 2);
	assert_false(f->is_signed);
	f = event_field(v[0], "filename");	/* const char * */
	assert_int_equal(f->size, 8);
	assert_false(f->is_signed);
	free_events(v, n);

	n = events_resolve("syscalls:sys_exit_read", &v, &why);
	assert_int_equal(n, 1);
	f = event_field(v[0], "ret");	/* long, signed:1 */
	assert_int_equal(f->size, 8);
	assert_true(f->is_signed);
	free_events(v, n);
}

static void ctype_is(const char *ctype, int width, int is_signed)
{
	int w = -1, s = -1;
	if (!ctype_int(ctype, &w, &s))
		fail_msg("'%s' is not known", ctype);
	if (w != width || s != is_signed)
		fail_msg("'%s': width %d signed %d, want %d %d", ctype, w, s, width, is_signed);
}

static void test_ctypes(void **state)
{
	ctype_is("int", 4, 1);
	ctype_is("const int", 4, 1);
	ctype_is("unsigned int", 4, 0);
	ctype_is("unsigned", 4, 0);
	ctype_is("long", 8, 1);
	ctype_is("unsigned long", 8, 0);
	ctype_is("char", 1, 0);
	ctype_is("pid_t", 4, 1);
	ctype_is("uid_t", 4, 0);
	ctype_is("gid_t", 4, 0);
	ctype_is("qid_t", 4, 0);
	ctype_is("umode_t", 2, 0);
	ctype_is("size_t", 8, 0);
	ctype_is("const size_t", 8, 0);
	ctype_is("off_t", 8, 1);
	ctype_is("loff_t", 8, 1);
	ctype_is("key_t", 4, 1);
	ctype_is("timer_t", 4, 1);
	ctype_is("const clockid_t", 4, 1);
	ctype_is("rwf_t", 4, 1);
	ctype_is("key_serial_t", 4, 1);
	ctype_is("aio_context_t", 8, 0);
	ctype_is("mqd_t", 4, 1);
	ctype_is("__s32", 4, 1);
	ctype_is("u32", 4, 0);
	ctype_is("const __u32", 4, 0);
	ctype_is("__u64", 8, 0);
	ctype_is("const enum landlock_rule_type", 4, 0);
	/* pointers, however spelled, are whole unsigned words */
	ctype_is("char *", 8, 0);
	ctype_is("const char *const *", 8, 0);
	ctype_is("struct robust_list_head * *", 8, 0);
	ctype_is("const void *const", 8, 0);
	ctype_is("cap_user_data_t", 8, 0);
	int w, s;
	assert_false(ctype_int("sector_t", &w, &s));
	assert_false(ctype_int("struct foo", &w, &s));
}

static void test_dataloc_and_arrays(void **state)
{
	Event **v;
	const char *why;
	int n = events_resolve("sched:sched_process_exec", &v, &why);
	assert_int_equal(n, 1);
	const EventField *f = event_field(v[0], "filename");
	assert_int_equal(f->kind, EF_DATALOC);
	assert_int_equal(f->size, 4);
	assert_true(event_field_usable(f));
	free_events(v, n);

	n = events_resolve("raw_syscalls:sys_enter", &v, &why);
	assert_int_equal(n, 1);
	f = event_field(v[0], "args");
	assert_int_equal(f->kind, EF_ARRAY);
	assert_int_equal(f->size, 48);
	assert_int_equal(f->count, 6);
	assert_true(event_field_usable(f));
	assert_true(event_field_usable(event_field(v[0], "id")));
	free_events(v, n);
}

static void test_globs(void **state)
{
	Event **v;
	const char *why;
	int n = events_resolve("syscalls:sys_enter_*", &v, &why);
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->name, "sys_enter_openat");
	assert_string_equal(v[1]->name, "sys_enter_read");
	assert_string_equal(v[2]->name, "sys_enter_write");
	free_events(v, n);

	n = events_resolve("*:sys_e[nx]*_read", &v, &why);
	assert_int_equal(n, 2);
	free_events(v, n);

	n = events_resolve("*:*", &v, &why);
	assert_int_equal(n, 10);	/* not ftrace:function */
	free_events(v, n);

	n = events_resolve("s*:*", &v, &why);
	assert_int_equal(n, 9);
	assert_string_equal(v[0]->system, "sched");
	assert_string_equal(v[3]->system, "sock");
	assert_string_equal(v[4]->system, "syscalls");
	free_events(v, n);
}

static void test_unknown(void **state)
{
	Event **v;
	const char *why;
	assert_int_equal(events_resolve("sched:nosuch", &v, &why), 0);
	assert_string_equal(why, "unknown event 'sched:nosuch'");
	assert_int_equal(events_resolve("sched:sched_swich", &v, &why), 0);
	assert_string_equal(why, "unknown event 'sched:sched_swich'; did you mean 'sched:sched_switch'?");
	assert_int_equal(events_resolve("shced:sched_switch", &v, &why), 0);
	assert_string_equal(why, "unknown event 'shced:sched_switch'; did you mean 'sched:sched_switch'?");
	assert_int_equal(events_resolve("sched:nope_*", &v, &why), 0);
	assert_string_equal(why, "no event matches 'sched:nope_*'");
	assert_int_equal(events_resolve("sched_switch", &v, &why), 0);
	assert_non_null(strstr(why, "system:name"));
	assert_int_equal(events_resolve("ftrace:function", &v, &why), 0);
	assert_non_null(strstr(why, "not tracepoints"));
	assert_int_equal(events_resolve("a:b:c", &v, &why), 0);
	assert_int_equal(events_resolve(":x", &v, &why), 0);
	assert_int_equal(events_resolve("../..:x", &v, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracefs_override),
		cmocka_unit_test(test_sched_switch),
		cmocka_unit_test(test_syscall_args),
		cmocka_unit_test(test_syscall_signedness),
		cmocka_unit_test(test_ctypes),
		cmocka_unit_test(test_dataloc_and_arrays),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
