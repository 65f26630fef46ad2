/* Kernel events: resolving specs against tracefs and describing their fields. */
#ifndef KTAP_EVENTS_H
#define KTAP_EVENTS_H

#include <stdint.h>

typedef enum {
	EF_INT,		/* an integer field: size 1, 2, 4 or 8 */
	EF_CHARS,	/* char NAME[N]: a fixed string */
	EF_DATALOC,	/* __data_loc char[] NAME: u32 (len << 16 | offset) */
	EF_MEM,		/* probes: an integer read from memory at the value of
			   the register at `offset` in pt_regs, plus disp */
	EF_CONST,	/* USDT: the constant disp */
	EF_UNREADABLE,	/* USDT: an argument spec ktap cannot read, in ctype */
	EF_ARRAY,	/* TYPE NAME[N], TYPE an integer: count elements of
			   size / count bytes each (usable when 1, 2, 4 or 8) */
} EventFieldKind;

typedef struct EventField {
	char *name;
	char *ctype;		/* as tracefs writes it: "unsigned int", "char *" */
	EventFieldKind kind;
	int offset, size;	/* the bytes holding the value: for an integer, as
				   wide as its C type, which may be narrower than
				   the format's slot (see ctype.c) */
	int is_signed;		/* EF_ARRAY: of its elements */
	int count;		/* EF_ARRAY: how many elements */
	int64_t disp;		/* EF_MEM, EF_CONST */
	uint32_t pointee;	/* EV_BTF: a pointer argument's pointee in the
				   kernel's BTF (a typed pointer); 0: a number */
} EventField;

/* EV_BTF: tp_btf:EVENT or raw_tp:EVENT, its arguments typed by BTF (see
 * frontend/sema_tpbtf.c) */
typedef enum { EV_TRACEPOINT, EV_KPROBE, EV_UPROBE, EV_BTF } EventKind;

typedef struct Event {
	EventKind kind;
	char *system, *name;	/* "syscalls", "sys_enter_read"; probes (see
				   common/probes.c): "probe" or "probe:PATH",
				   and the symbol (or the offset as written) */
	int id;			/* tracefs ID */
	EventField *fields;	/* event-specific fields in order; common_* left
				   out. Probes: the named fetch-args */
	int nfields;
	/* probes: their argN (arg0 the probe address) and where they go */
	EventField *args;
	int nargs;
	char *path;		/* EV_UPROBE: the binary */
	uint64_t offset;	/* EV_UPROBE: the file offset probed */
	int retprobe;		/* %return */
	int multi;		/* EV_KPROBE: name is a glob (kprobe.multi) */
	int unchecked;		/* -fsyntax-only without events to read: the
				   spec as written, its fields unknown */
	uint64_t ref_ctr;	/* USDT: the file offset of the semaphore, 0: none */
} Event;

/* The tracefs directory, mounting it if needed and allowed. NULL when there
 * is none; *why then says why in one sentence. KTAP_TRACEFS overrides the
 * path (tests use a fake tree). */
const char *events_tracefs(const char **why);

/* Read events from the snapshot file at path from now on, not tracefs
 * (--events FILE). 0, or -1 with *why. */
int events_use_snapshot(const char *path, const char **why);
/* Write every event's format to path as a snapshot (--save-events FILE):
 * the number of events, or -1 with *why. */
int events_save_snapshot(const char *path, const char **why);

/* All events matching spec ("sched:sched_switch", "syscalls:sys_enter_*").
 * Returns the number found (0: *why says why), events in *out; -1 when
 * events cannot be read at all (no snapshot, tracefs not readable). */
int events_resolve(const char *spec, Event ***out, const char **why);

/* Field `name` of ev, or NULL. */
const EventField *event_field(const Event *ev, const char *name);
/* Field for argN: syscall events count __syscall_nr as arg0; others start at
 * the first event-specific field; probes have args. NULL when the event has
 * fewer. */
const EventField *event_arg(const Event *ev, int n);

/* Whether sema can type the field: integers of size 1, 2, 4 or 8, arrays
 * of them and the two string kinds (other __data_loc kinds are not). */
int event_field_usable(const EventField *f);
void event_free(Event *ev);
void events_free(Event **evs, int n);	/* each, and the array */

/* ctype.c: the width in bytes and signedness of an integer or pointer C type
 * as tracefs formats spell it ("const clockid_t", "struct stat *"). 0 when
 * the type is not known; then the format's size and signed: flag stand. */
int ctype_int(const char *ctype, int *width, int *is_signed);

#endif
