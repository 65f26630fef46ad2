/* tp_btf:EVENT and raw_tp:EVENT specs (docs/language.md §13): the kernel's
 * tracepoints as its BTF types them. Shared by sema and `ktap -l`. */
#ifndef KTAP_TPBTF_H
#define KTAP_TPBTF_H

#include "common/events.h"

int tpbtf_is_spec(const char *s);
/* The events of tp_btf:EVENT or raw_tp:EVENT (EVENT may be a glob) in
 * *out, in name order: how many, or 0 with *why. */
int tpbtf_resolve(const char *s, Event ***out, const char **why);
#endif
