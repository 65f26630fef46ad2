/* argstr: a raw tracepoint record rendered as ftrace prints it, by
 * libtraceevent from the event's own format file. The record names its
 * event by its first field (common_type, the tracefs ID), so one function
 * renders any event's record; the formats are read when first needed. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <traceevent/event-parse.h>
#include "interp.h"
#include "common/util.h"
#include "common/events.h"

/* The events the handlers name, by ID: where their format files are. */
typedef struct ArgEvent {
	int id;
	char *system, *name;
} ArgEvent;

typedef struct ArgStr {
	struct tep_handle *tep;
	const char *tracefs;	/* NULL: none readable */
	ArgEvent *evs;		/* id -1 once its format was tried */
	int nevs;
} ArgStr;

/* Kernel functions for %ps and %pS, from the symbols %p uses: the name and,
 * in *addrp, where it starts. */
static char *ksym_of(void *rt, unsigned long long *addrp, char **modp)
{
	uint64_t off;
	const char *name = rt_ksym(rt, *addrp, &off);
	if (!name)
		return NULL;
	*addrp -= off;
	*modp = NULL;
	return (char *)name;
}

/* The events whose records a handler may hand to argstr, as a spec for
 * events_resolve: a syscall dispatch's are its direction's syscall events
 * (the object does not say which of them its glob took). */
static char *handler_events(const KtapHandler *h)
{
	if (h->kind == H_TRACEPOINT)
		return xstrdup(h->target);
	if (h->kind == H_RAW_TRACEPOINT && (!strcmp(h->target, "sys_enter") || !strcmp(h->target, "sys_exit")))
		return xasprintf("syscalls:%s_*", h->target);
	return NULL;
}

static ArgStr *argstr_state(Rt *rt)
{
	ArgStr *A = rt->argstr;
	if (A)
		return A;
	A = rt->argstr = xcalloc(1, sizeof *A);
	A->tep = tep_alloc();
	if (!A->tep)
		return A;	/* no memory: every record renders as having no format */
	tep_set_long_size(A->tep, sizeof(long));
	tep_set_page_size(A->tep, getpagesize());
	enum tep_endian e = BYTE_ORDER == BIG_ENDIAN ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN;
	tep_set_file_bigendian(A->tep, e);
	tep_set_local_bigendian(A->tep, e);
	tep_set_function_resolver(A->tep, ksym_of, rt);
	tep_set_loglevel(TEP_LOG_NONE);	/* what it cannot parse it prints as such */
	A->tracefs = events_tracefs(&(const char *){ NULL });
	for (uint32_t i = 0; i < rt->meta.nhandlers; i++) {
		char *spec = handler_events(&rt->meta.handlers[i]);
		Event **evs;
		const char *why;
		int n = spec ? events_resolve(spec, &evs, &why) : 0;
		free(spec);
		if (n <= 0)
			continue;
		A->evs = xrealloc(A->evs, (A->nevs + n) * sizeof *A->evs);
		for (int j = 0; j < n; j++) {	/* the names taken, not copied */
			A->evs[A->nevs++] = (ArgEvent){ evs[j]->id, evs[j]->system, evs[j]->name };
			evs[j]->system = evs[j]->name = NULL;
			event_free(evs[j]);
		}
		free(evs);
	}
	return A;
}

/* The event with this ID, its format read and parsed on first use, once
 * (records come by the thousand); NULL when no handler's event has it or
 * its format cannot be read. */
static struct tep_event *event_by_id(Rt *rt, ArgStr *A, int id)
{
	if (!A->tep)
		return NULL;
	struct tep_event *ev = tep_find_event(A->tep, id);
	for (int i = 0; !ev && A->tracefs && i < A->nevs; i++) {
		if (A->evs[i].id != id)
			continue;
		A->evs[i].id = -1;
		char *path = xasprintf("%s/events/%s/%s/format", A->tracefs, A->evs[i].system, A->evs[i].name);
		size_t len;
		char *text = read_whole_file(path, &len);
		free(path);
		if (text && tep_parse_event(A->tep, text, len, A->evs[i].system) == TEP_ERRNO__SUCCESS)
			ev = tep_find_event(A->tep, id);
		free(text);
	}
	return ev;
}

/* __data_loc and __rel_loc fields the copy cut short: how many. Their
 * lengths are clipped to what was copied, so the renderer never reads past
 * the copy (rec has a NUL after it, ending a cut string). */
static int clip_dynamic(struct tep_event *ev, uint8_t *rec, uint32_t size)
{
	int cut = 0;
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next) {
		if (!(f->flags & TEP_FIELD_IS_DYNAMIC) || f->offset + 4 > size)
			continue;
		uint32_t loc;
		memcpy(&loc, rec + f->offset, 4);
		uint32_t off = loc & 0xffff, len = loc >> 16;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
		if (off + len <= size)
			continue;
		cut++;
		uint32_t keep = off < size ? size - off : 0;
		loc = (loc & 0xffff) | keep << 16;
		memcpy(rec + f->offset, &loc, 4);
	}
	return cut;
}

/* Syscall events: ftrace prints them with its own code, not with their
 * print fmt (kernel/trace/trace_syscalls.c): "sys_NAME(arg: V, ...)", each
 * value in decimal below 10 and in hex from 10, and "sys_NAME -> 0xRET".
 * 0 when ev is not one. */
static int syscall_text(struct tep_event *ev, const uint8_t *rec, uint32_t size, struct trace_seq *s)
{
	int enter = !strncmp(ev->name, "sys_enter_", 10);
	if (strcmp(ev->system, "syscalls") || (!enter && strncmp(ev->name, "sys_exit_", 9)))
		return 0;
	trace_seq_printf(s, "sys_%s%s", ev->name + (enter ? 10 : 9), enter ? "(" : "");
	const char *sep = "";
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next) {
		if (!strcmp(f->name, "__syscall_nr") || f->offset + f->size > size)
			continue;
		unsigned long long v = tep_read_number(ev->tep, rec + f->offset, f->size);
		if (!enter)
			trace_seq_printf(s, " -> 0x%llx", v);
		else
			trace_seq_printf(s, v < 10 ? "%s%s: %llu" : "%s%s: 0x%llx", sep, f->name, v);
		sep = ", ";
	}
	if (enter)
		trace_seq_puts(s, ")");
	return 1;
}

char *rt_argstr(Rt *rt, const uint8_t *rec, uint32_t size)
{
	ArgStr *A = argstr_state(rt);
	uint16_t id = 0;
	if (size >= 2)
		memcpy(&id, rec, 2);
	struct tep_event *ev = size >= 8 ? event_by_id(rt, A, id) : NULL;
	if (!ev)
		return xasprintf("(event %u: no format)", id);
	/* zeros past the copy: fields an object's short copy lacks, a cut
	   string's NUL */
	uint32_t room = size;
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		if ((uint32_t)f->offset + f->size > room)
			room = f->offset + f->size;
	uint8_t *copy = xcalloc(1, room + 1);
	memcpy(copy, rec, size);
	int cut = clip_dynamic(ev, copy, size);
	struct tep_record r = { .size = room, .data = copy };
	struct trace_seq s;
	trace_seq_init(&s);
	if (!syscall_text(ev, copy, size, &s))
		tep_print_event(A->tep, &s, &r, "%s", TEP_PRINT_INFO);
	if (cut)
		trace_seq_printf(&s, " [cut: %u bytes copied]", size);
	trace_seq_terminate(&s);
	char *text = xstrndup(s.buffer, s.len);
	trace_seq_destroy(&s);
	free(copy);
	return text;
}

void rt_argstr_free(Rt *rt)
{
	ArgStr *A = rt->argstr;
	if (!A)
		return;
	for (int i = 0; i < A->nevs; i++) {
		free(A->evs[i].system);
		free(A->evs[i].name);
	}
	free(A->evs);
	tep_free(A->tep);
	free(A);
	rt->argstr = NULL;
}
