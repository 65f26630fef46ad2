/* Between the event reader (events.c) and snapshots of its input
 * (events_snap.c). */
#ifndef KTAP_EVENTS_INT_H
#define KTAP_EVENTS_INT_H

#include <stddef.h>

/* One event's format file as tracefs had it. */
typedef struct SnapEvent {
	char *system, *name;
	char *format;
	size_t len;
} SnapEvent;

/* The snapshot in use, sorted by system then name; NULL when events come
 * from tracefs. n may be NULL. */
const SnapEvent *events_snapshot(int *n);

/* qsort and bsearch of SnapEvent: by system, then name. */
int snapshot_cmp(const void *a, const void *b);

typedef void (*EventTextFn)(void *arg, const char *sys, const char *name, const char *text, size_t len);
/* Calls fn on every tracepoint a script may trace, in order, with its
 * format's text. The number of events, or -1 when there is no source
 * (*why says why). */
int events_each_format(EventTextFn fn, void *arg, const char **why);

#endif
