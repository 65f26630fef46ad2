/* fieldtypes SPEC: every distinct C type of the integer fields of the events
 * SPEC matches ("syscalls:*"), read with ktap's own format parser, one per
 * line: "known TYPE" when ktap's type table (common/ctype.c) knows how
 * wide and how signed it is, "unknown TYPE" when not. Exit status 1 when
 * nothing matches. A test over a real kernel's formats notices a new type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/events.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: fieldtypes SPEC\n", stderr);
		return 2;
	}
	Event **evs;
	const char *why = "";
	int n = events_resolve(argv[1], &evs, &why);
	if (n <= 0) {
		fprintf(stderr, "fieldtypes: %s\n", why);
		return 1;
	}
	const char **types = NULL;
	int ntypes = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < evs[i]->nfields; j++)
			if (evs[i]->fields[j].kind == EF_INT && !strchr(evs[i]->fields[j].ctype, '[')) {
				types = realloc(types, (ntypes + 1) * sizeof *types);
				types[ntypes++] = evs[i]->fields[j].ctype;
			}
	qsort(types, ntypes, sizeof *types, cmp);
	for (int i = 0; i < ntypes; i++) {
		int width, is_signed;
		if (i && !strcmp(types[i], types[i - 1]))
			continue;
		printf("%s %s\n", ctype_int(types[i], &width, &is_signed) ? "known" : "unknown", types[i]);
	}
	free(types);
	for (int i = 0; i < n; i++)
		event_free(evs[i]);
	free(evs);
	return 0;
}
