/* ktap -l: the tracepoints a script can name, and their fields. */
#ifndef KTAP_LIST_H
#define KTAP_LIST_H

/* Print the events matching glob ("sched:*"), one per line; verbose: each
 * with its fields. Returns the exit status: 0, or 1 after saying why. */
int list_events(const char *glob, int verbose);

#endif
