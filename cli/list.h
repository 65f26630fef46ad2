/* ktap -l: the tracepoints a script can name, and their fields. */
#ifndef KTAP_LIST_H
#define KTAP_LIST_H

/* Print the events matching glob ("sched:*"), one per line; verbose: each
 * with its fields. Returns the exit status: 0, or 1 after saying why. */
int list_events(const char *glob, int verbose);

/* A field's ktap type as -lv shows it: "number (s32)", "string", ...
 * (the language server's hover shows the same). */
struct EventField;
void list_field_type(const struct EventField *f, char *out, size_t cap);

#endif
