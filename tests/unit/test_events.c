/* Event resolution against the fake tracefs tree in tests/lit/Inputs/tracefs
 * (run from the top of the source tree, as make does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frontend/events.h"

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
	assert_string_equal(event_arg(v[0], 2)->ctype, "char *");
	assert_string_equal(event_arg(v[0], 2)->name, "buf");
	assert_string_equal(event_arg(v[0], 3)->name, "count");
	assert_null(event_arg(v[0], 4));
	free_events(v, n);
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
	assert_int_equal(f->kind, EF_INT);
	assert_int_equal(f->size, 48);
	assert_false(event_field_usable(f));
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
	assert_int_equal(n, 9);	/* not ftrace:function */
	free_events(v, n);

	n = events_resolve("s*:*", &v, &why);
	assert_int_equal(n, 8);
	assert_string_equal(v[0]->system, "sched");
	assert_string_equal(v[3]->system, "syscalls");
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
		cmocka_unit_test(test_dataloc_and_arrays),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
