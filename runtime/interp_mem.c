/* The memory user-context code may touch: the live frames, the global data
 * maps (.rodata read-only) and the buffers helpers handed out. Anything
 * else is a run-time error, so a bad object cannot crash the runtime. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

#define CHUNK_MIN ((size_t)64 << 10)

typedef struct Region {
	uint8_t *p;
	size_t size;
	int writable;
} Region;

/* The region holding addr, or 0. */
static int find(Rt *rt, uint64_t addr, Region *r)
{
	Interp *I = rt->interp;
	Region cand[RT_NDATA + 1];
	int n = 0;
	cand[n++] = (Region){ I->sp, I->stack + I->stack_size - I->sp, 1 };
	for (int i = 0; i < RT_NDATA; i++)
		if (rt->data[i])
			cand[n++] = (Region){ rt->data[i], rt->data_size[i], i != RT_RODATA };
	for (int i = 0; i < n; i++)
		if (addr >= (uintptr_t)cand[i].p && addr - (uintptr_t)cand[i].p < cand[i].size) {
			*r = cand[i];
			return 1;
		}
	for (Chunk *c = I->arena; c; c = c->next)
		if (addr >= (uintptr_t)c->data && addr - (uintptr_t)c->data < c->used) {
			*r = (Region){ c->data, c->used, 1 };
			return 1;
		}
	return 0;
}

uint8_t *rt_mem(Rt *rt, uint64_t addr, uint64_t n, int write)
{
	Region r;
	if (!find(rt, addr, &r) || n > r.size - (addr - (uintptr_t)r.p)) {
		rt_error(rt, "invalid memory access: %s of %" PRIu64 " bytes at 0x%" PRIx64,
			 write ? "write" : "read", n, addr);
		return NULL;
	}
	if (write && !r.writable) {
		rt_error(rt, "write to read-only data at 0x%" PRIx64, addr);
		return NULL;
	}
	return (uint8_t *)(uintptr_t)addr;
}

uint8_t *rt_mem_avail(Rt *rt, uint64_t addr, size_t *avail)
{
	Region r;
	if (!find(rt, addr, &r))
		return NULL;
	*avail = r.size - (addr - (uintptr_t)r.p);
	return (uint8_t *)(uintptr_t)addr;
}

const char *rt_mem_str(Rt *rt, uint64_t addr, size_t *len)
{
	size_t avail;
	const char *s = (const char *)rt_mem_avail(rt, addr, &avail);
	if (!s) {
		rt_error(rt, "invalid memory access: a string at 0x%" PRIx64, addr);
		return NULL;
	}
	*len = strnlen(s, avail);
	if (*len == avail) {
		rt_error(rt, "a string at 0x%" PRIx64 " has no NUL", addr);
		return NULL;
	}
	return s;
}

void *rt_scratch(Rt *rt, size_t n)
{
	Interp *I = rt->interp;
	Chunk *c = I->arena;
	n = (n + 7) & ~(size_t)7;
	if (n > ARENA_MAX || I->arena_total > ARENA_MAX - n) {
		rt_error(rt, "user-context code holds over %zu MiB of table value copies: too many lookups before the handler returns",
			 ARENA_MAX >> 20);
		return NULL;
	}
	if (!c || c->size - c->used < n) {
		/* Chunks double, so a handler's lookups need few of them. */
		size_t size = I->arena_total > CHUNK_MIN ? I->arena_total : CHUNK_MIN;
		c = xcalloc(1, sizeof *c);
		c->size = size > n ? size : n;
		c->data = xcalloc(1, c->size);
		c->next = I->arena;
		I->arena = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	I->arena_total += n;
	memset(p, 0, n);
	return p;
}

void rt_scratch_reset(Interp *I)
{
	while (I->arena) {
		Chunk *c = I->arena;
		I->arena = c->next;
		free(c->data);
		free(c);
	}
	I->arena_total = 0;
}

RtMap *rt_map_arg(Rt *rt, uint64_t p)
{
	uint64_t base = (uintptr_t)rt->maps;
	if (rt->maps && p >= base && p - base < rt->nmaps * sizeof *rt->maps && (p - base) % sizeof *rt->maps == 0)
		return (RtMap *)(uintptr_t)p;
	rt_error(rt, "0x%" PRIx64 " is not a table", p);
	return NULL;
}
