/* Kernel symbols for %p, from /proc/kallsyms, read once on first use.
 * Without permission the addresses read as zero: then there are none, and
 * addresses print in hex. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

static int by_addr(const void *a, const void *b)
{
	const Ksym *x = a, *y = b;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

static void load(Interp *I)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char *line = NULL;
	size_t cap = 0, n = 0, max = 0;
	I->ksyms_loaded = 1;
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *end, *name;
		uint64_t addr = strtoull(line, &end, 16);
		/* "ADDR TYPE NAME [module]" */
		if (!addr || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		name[strcspn(name, " \t\n")] = 0;
		if (n == max) {
			max = max ? 2 * max : 4096;
			I->ksyms = xrealloc(I->ksyms, max * sizeof *I->ksyms);
		}
		I->ksyms[n++] = (Ksym){ addr, xstrdup(name) };
	}
	free(line);
	fclose(f);
	qsort(I->ksyms, n, sizeof *I->ksyms, by_addr);
	I->nksyms = n;
}

const char *rt_ksym(Rt *rt, uint64_t addr, uint64_t *off)
{
	Interp *I = rt->interp;
	if (!I)
		return NULL;
	if (!I->ksyms_loaded)
		load(I);
	size_t lo = 0, hi = I->nksyms;	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (I->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	*off = addr - I->ksyms[lo - 1].addr;
	return I->ksyms[lo - 1].name;
}

void rt_ksyms_free(Interp *I)
{
	for (size_t i = 0; i < I->nksyms; i++)
		free(I->ksyms[i].name);
	free(I->ksyms);
	I->ksyms = NULL;
	I->nksyms = 0;
	I->ksyms_loaded = 0;
}
