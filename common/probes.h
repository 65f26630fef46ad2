/* `probe:` specs: kprobes and uprobes as Events (docs/probes.md). */
#ifndef KTAP_PROBES_H
#define KTAP_PROBES_H

#include "events.h"

/* Whether spec is a probe spec (it starts with "probe:"). */
int probes_is_spec(const char *spec);

/* The probes of spec ("probe:vfs_read%return", "probe:libc:malloc a=%di",
 * "probe:/bin/x:f*"): one Event per uprobe, one per kprobe symbol or glob.
 * Returns their number, or 0 with *why set (a static message). */
int probes_resolve(const char *spec, Event ***out, const char **why);

/* What spec names, one probe spec each ("probe:vfs_read",
 * "probe:/bin/x:main%return"), kernel globs expanded against kallsyms: what
 * `ktap -l` prints. Returns their number, or 0 with *why set. */
int probes_list(const char *spec, char ***out, const char **why);

#endif
