/* ktap -l [GLOB] and ktap -lv [GLOB]: the tracepoints a script can name.
 *
 * The events come from the compiler's own reader (events_resolve), so the
 * listing accepts exactly the specs `trace` accepts, and shows each field as
 * sema types it: a number read as so many bytes, signed or not, a string,
 * or an array of such numbers.
 * `probe:` specs list the kernel functions or a binary's functions they
 * name (common/probes.c), `sdt:` specs a binary's USDT probes (common/usdt.c),
 * `tp_btf:` and `raw_tp:` specs the tracepoints of the kernel's BTF with
 * their typed arguments (frontend/sema_tpbtf.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/list.h"
#include "frontend/ast.h"
#include "common/events.h"
#include "common/probes.h"
#include "common/usdt.h"
#include "frontend/tpbtf.h"

#define NARGS (B_ARG9 - B_ARG0 + 1)	/* the builtins arg0..arg9 */

/* The field's ktap type as a script sees it. */
void list_field_type(const EventField *f, char *out, size_t cap)
{
	if (!event_field_usable(f))
		snprintf(out, cap, "unsupported");
	else if (f->kind == EF_ARRAY)
		snprintf(out, cap, "array (%c%d[%d])", f->is_signed ? 's' : 'u', f->size / f->count * 8,
			 f->count);
	else if (f->kind != EF_INT)
		snprintf(out, cap, "string");
	else if (f->pointee)
		snprintf(out, cap, "typed pointer");
	else
		snprintf(out, cap, "number (%c%d)", f->is_signed ? 's' : 'u', f->size * 8);
}

/* One line per field, columns aligned within the event:
 *	arg1  args.dfd  number (s32)  int */
static void print_fields(const Event *ev)
{
	int wname = 0, wtype = 0;
	char type[32];
	for (int i = 0; i < ev->nfields; i++) {
		list_field_type(&ev->fields[i], type, sizeof type);
		int n = strlen(ev->fields[i].name), t = strlen(type);
		wname = n > wname ? n : wname;
		wtype = t > wtype ? t : wtype;
	}
	if (!ev->nfields)
		printf("    (no fields)\n");
	for (int i = 0; i < ev->nfields; i++) {
		const EventField *f = &ev->fields[i];
		char pos[16] = "-";
		if (i < NARGS)
			snprintf(pos, sizeof pos, "arg%d", i);
		list_field_type(f, type, sizeof type);
		printf("    %-4s  args.%-*s  %-*s  %s\n", pos, wname, f->name, wtype, type, f->ctype);
	}
}

/* A probe spec's functions, one per line (-v changes nothing: their
 * arguments are registers, docs/probes.md), or a USDT spec's probes (-v:
 * with their notes' argument specs). */
static int list_probes(const char *spec, int verbose)
{
	char **names;
	const char *why = "";
	int n = usdt_is_spec(spec) ? usdt_list(spec, verbose, &names, &why) : probes_list(spec, &names, &why);
	if (!n) {
		fprintf(stderr, "ktap: error: %s\n", why);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

static int flushed(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "ktap: error: writing the listing: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int list_events(const char *glob, int verbose)
{
	if (probes_is_spec(glob) || usdt_is_spec(glob))
		return list_probes(glob, verbose) || flushed();
	Event **evs;
	const char *why = "";
	int n = tpbtf_is_spec(glob) ? tpbtf_resolve(glob, &evs, &why) : events_resolve(glob, &evs, &why);
	if (n <= 0) {
		fprintf(stderr, "ktap: error: %s\n", why);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (verbose && i)
			putchar('\n');
		printf("%s:%s\n", evs[i]->system, evs[i]->name);
		if (verbose)
			print_fields(evs[i]);
		event_free(evs[i]);
	}
	free(evs);
	return flushed();
}
