/* Safe limits: what a script may ask of the machine it runs on without
 * --unsafe-limits. Each is a rule of the language, so sema checks it; the
 * numbers and their reasons are in docs/limits.md. */
#include <stdio.h>
#include <unistd.h>
#include "sema_int.h"

/* profile-N: a BPF program on every CPU at every sample. Faster than 10 kHz
 * (perf record's default is 4 kHz) the interrupts leave user space, ktap's
 * own run loop included, too little time: profile-10us on 2 CPUs kept a
 * `-t 3` run alive for 138 s. */
enum { MAX_PROFILE_HZ = 10000 };
/* tick-N: a handler in ktap's interpreter, run between ring-buffer polls;
 * faster than 1 kHz it crowds out the delivery of kernel events. */
enum { MAX_TICK_HZ = 1000 };
/* Hash maps are preallocated and count against locked kernel memory. */
static const int64_t MAX_TABLE_BYTES = 256 << 20;
/* Per entry besides key and value: the kernel's element header (48 bytes)
 * and its share of the buckets (16 bytes each, a power of two of them). */
enum { ENTRY_OVERHEAD = 80 };

static const char *const lift = "--unsafe-limits lifts it";

void check_rate(Sema *S, Node *at, const char *text, int profile, int64_t ns)
{
	int64_t max = profile ? MAX_PROFILE_HZ : MAX_TICK_HZ;
	if (S->opt.unsafe_limits || ns >= 1000000000 / max)
		return;
	if (profile)
		diag_error(S->d, DC_RATE_LIMIT, at->loc, "profile-%s samples each CPU %lld times a second; the limit "
			   "is %lld (profile-%lldus); %s", text, (long long)(1000000000 / ns),
			   (long long)max, (long long)(1000000 / max), lift);
	else
		diag_error(S->d, DC_RATE_LIMIT, at->loc, "tick-%s runs %lld times a second; the limit is %lld "
			   "(tick-%lldms); %s", text, (long long)(1000000000 / ns), (long long)max,
			   (long long)(1000 / max), lift);
}

/* A counter table's entry (sema_counter.c) holds a pointer to a value on
 * every possible CPU of the machine compiling it, the best guess at the one
 * running it. */
static int64_t percpu_value_bytes(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return 8 + 8 * (n > 0 ? n : 1);
}

/* Bytes of the kernel's copy of table t, preallocated when it is loaded. */
static int64_t table_bytes(Sema *S, const TableInfo *t, int64_t *entry)
{
	*entry = ENTRY_OVERHEAD;
	for (int i = 0; i < t->nkeys; i++)
		*entry += type_repr(t->keys[i])->kind == TY_STR ? table_key_bytes(t, i, S->opt.strlen) : 8;
	*entry += t->counter ? percpu_value_bytes() : type_repr(t->val)->kind == TY_STR ? table_val_bytes(t, S->opt.strlen) : 8;
	return t->capacity * *entry;
}

static void mib(char *buf, size_t n, int64_t bytes)
{
	snprintf(buf, n, "%lld MiB", (long long)((bytes + (1 << 20) - 1) >> 20));
}

void check_table_memory(Sema *S)
{
	int64_t total = 0, most = -1, entry = 0;
	const TableInfo *big = NULL;
	for (int i = 0; i < S->prog.ntables; i++) {
		int64_t e, b = table_bytes(S, S->prog.tables[i], &e);
		total += b;
		if (b > most)
			most = b, big = S->prog.tables[i], entry = e;
	}
	if (S->opt.unsafe_limits || total <= MAX_TABLE_BYTES)
		return;
	char all[32], one[32], max[32];
	mib(all, sizeof all, total);
	mib(one, sizeof one, most);
	mib(max, sizeof max, MAX_TABLE_BYTES);
	diag_error(S->d, DC_MEMORY_LIMIT, big->loc, "the tables need %s of locked kernel memory, %s of it for "
		   "'%s' (%lld entries of %lld bytes); the limit is %s; make them smaller "
		   "(table.new(N), --table-size N) or use --unsafe-limits", all, one,
		   big->name ? big->name : "table", (long long)big->capacity, (long long)entry, max);
}
