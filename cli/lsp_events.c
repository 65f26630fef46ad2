/* Events for the language server: the names of the events (completion
 * after `trace`), and the fields of a handler's events (`args.`
 * completion and hover), typed as `ktap -lv` shows them. */
#include <stdlib.h>
#include <string.h>
#include "cli/lsp.h"
#include "cli/list.h"
#include "common/events.h"
#include "common/util.h"
#include "frontend/tpbtf.h"

static char **names;
static int listed;

static char **no_events(const char *why)
{
	char *msg = xasprintf("ktapc: no event names to complete: %s", why);
	lsp_log(2, msg);
	free(msg);
	return NULL;
}

/* Every event as SYSTEM:NAME, sorted: from the compiler's own reader, so
 * a snapshot given by --events serves as tracefs does. */
char **lsp_event_names(void)
{
	if (listed)
		return names;
	listed = 1;
	const char *why = "";
	Event **evs;
	int n = events_resolve("*:*", &evs, &why);
	if (n <= 0)
		return no_events(why);
	names = xcalloc(n + 1, sizeof *names);
	for (int i = 0; i < n; i++) {
		names[i] = xasprintf("%s:%s", evs[i]->system, evs[i]->name);
		event_free(evs[i]);
	}
	free(evs);
	return names;
}

static void add_fields(json_t *out, const Event *ev)
{
	for (int i = 0; i < ev->nfields; i++) {
		const EventField *f = &ev->fields[i];
		size_t k;
		json_t *have;
		int seen = 0;
		json_array_foreach(out, k, have)
			seen |= !strcmp(json_string_value(json_object_get(have, "name")), f->name);
		if (seen)
			continue;
		char type[48];
		list_field_type(f, type, sizeof type);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name", f->name, "type", type,
						     "ctype", f->ctype ? f->ctype : ""));
	}
}

json_t *lsp_event_fields(const Node *trace)
{
	json_t *out = json_array();
	for (int i = 0; trace && i < trace->list.n; i++) {
		const Node *spec = trace->list.v[i];
		Event **evs;
		const char *why;
		if (!spec || !spec->str)
			continue;
		int n = tpbtf_is_spec(spec->str) ? tpbtf_resolve(spec->str, &evs, &why)
						 : events_resolve(spec->str, &evs, &why);
		for (int k = 0; k < n; k++)
			add_fields(out, evs[k]);
		if (n > 0)
			events_free(evs, n);
	}
	return out;
}
