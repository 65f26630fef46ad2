/* `sdt:` specs: USDT probes (<sys/sdt.h> notes) as uprobe Events
 * (docs/probes.md). */
#ifndef KTAP_USDT_H
#define KTAP_USDT_H

#include "events.h"

enum { USDT_MAX_ARGS = 12 };	/* what <sys/sdt.h> can write */

/* Whether spec is a USDT spec (it starts with "sdt:"). */
int usdt_is_spec(const char *spec);

/* The probes of "sdt:PATH:PROVIDER:NAME" or "sdt:PATH:NAME" (globs in
 * PROVIDER and NAME; PATH a path or a library name): one EV_UPROBE Event
 * per note, system "sdt:PATH:PROVIDER", name NAME, arg1... its arguments.
 * Returns their number, or 0 with *why set (a static message). */
int usdt_resolve(const char *spec, Event ***out, const char **why);

/* One argument spec of a note ("-4@%eax", "8@-16(%rbp)", "1@$5") as the
 * field that reads it: EF_INT, EF_MEM, EF_CONST, or EF_UNREADABLE for a
 * form ktap does not read ("8@sym(%rip)"). The caller frees name and
 * ctype. */
EventField usdt_arg(const char *spec);

/* What spec names, one line each: "sdt:PATH:PROVIDER:NAME", and with
 * verbose its argument specs after two spaces. Returns their number, or 0 with
 * *why set. */
int usdt_list(const char *spec, int verbose, char ***out, const char **why);

#endif
