/* `probe:` specs: kprobes and uprobes as Events (docs/probes.md). */
#ifndef KTAP_PROBES_H
#define KTAP_PROBES_H

#include <stddef.h>
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

/* The binary `file` names: itself when it has a '/', else the library
 * of that name (elfsyms_library). NULL with *why set when there is none. */
char *probes_binary(const char *file, const char **why);

/* The struct pt_regs offset of an x86_64 register by its AT&T name without
 * the '%' ("rax", "edx", "r8w", "dil"), and in *size the bytes it names;
 * -1 when there is no such register. */
int probes_reg(const char *name, int *size);

/* The nearest of n names to want, or NULL: the names are char * members
 * `stride` bytes apart (an array of strings, or of structs). */
const char *probes_nearest(const char *want, const char *const *names, size_t stride, int n);

#endif
