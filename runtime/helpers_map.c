/* Tables from user context: the kernel's maps through their fds. Lookups
 * return copies (per-CPU values summed), iteration works on a snapshot of
 * the keys, sorted by value when asked, ties broken by key so that output
 * is deterministic. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "common/util.h"
#include "common/uhelpers.h"
#include "interp.h"

static int percpu(const RtMap *m)
{
	return m->type == BPF_MAP_TYPE_PERCPU_HASH || m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int is_array(const RtMap *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

/* A per-CPU map's value is one per CPU, each padded to 8 bytes. */
static size_t percpu_stride(const RtMap *m)
{
	return (m->value_size + 7) & ~(size_t)7;
}

/* An aggregation's table (§12): its values are common/agg.h's, not numbers. */
static int is_agg(const RtMap *m)
{
	return m->table && m->table->value.kind == V_AGG;
}

int rt_map_read(Rt *rt, RtMap *m, const void *key, void *val)
{
	if (!percpu(m))
		return bpf_map_lookup_elem(m->fd, key, val) ? -errno : 0;
	int n = ncpus();
	size_t stride = percpu_stride(m);
	uint8_t *all = xcalloc(n, stride);
	int err = bpf_map_lookup_elem(m->fd, key, all) ? -errno : 0;
	if (!err && is_agg(m)) {
		agg_merge(val, all, n, stride, m->value_size);
	} else if (!err && m->value_size % 8 == 0) {
		/* ktap values are 64-bit numbers: the total is the sum */
		for (uint32_t w = 0; w < m->value_size / 8; w++) {
			uint64_t sum = 0, v;
			for (int c = 0; c < n; c++) {
				memcpy(&v, all + c * stride + 8 * w, 8);
				sum += v;
			}
			memcpy((uint8_t *)val + 8 * w, &sum, 8);
		}
	} else if (!err) {
		memcpy(val, all, m->value_size);
	}
	free(all);
	return err;
}

static int map_write(RtMap *m, const void *key, const void *val, uint64_t flags)
{
	if (!percpu(m))
		return bpf_map_update_elem(m->fd, key, val, flags) ? -errno : 0;
	/* the value on the first CPU, zero elsewhere: the sum is the value */
	uint8_t *all = xcalloc(ncpus(), percpu_stride(m));
	memcpy(all, val, m->value_size);
	int err = bpf_map_update_elem(m->fd, key, all, flags) ? -errno : 0;
	free(all);
	return err;
}

/* Every key, at most max_entries of them (keys deleted meanwhile can make
 * the kernel restart its walk). */
static size_t map_keys(RtMap *m, uint8_t **out)
{
	size_t ks = m->key_size ? m->key_size : 1, n = 0, cap = 16;
	uint8_t *keys = xmalloc(cap * ks);
	while (n < m->max_entries) {
		if (n == cap) {
			cap *= 2;
			keys = xrealloc(keys, cap * ks);
		}
		if (bpf_map_get_next_key(m->fd, n ? keys + (n - 1) * ks : NULL, keys + n * ks))
			break;
		n++;
	}
	*out = keys;
	return n;
}

static int64_t s64_at(const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* How to order keys and values: by the table's kinds when it has a
 * KtapTable, else as numbers when 8 bytes. */
static int cmp_part(const KtapArg *a, const uint8_t *x, const uint8_t *y)
{
	if (a->kind == V_STR)
		return strncmp((const char *)x + a->off, (const char *)y + a->off, a->size);
	if (a->size == 8) {
		int64_t u = s64_at(x + a->off), v = s64_at(y + a->off);
		return (u > v) - (u < v);
	}
	return memcmp(x + a->off, y + a->off, a->size);
}

static int cmp_by(const KtapArg *parts, uint32_t n, uint32_t size, const uint8_t *x, const uint8_t *y)
{
	KtapArg whole = { size == 8 ? V_NUM : V_STR, 0, size, NULL };
	if (!n) {
		parts = &whole;
		n = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!rt_arg_fits(&parts[i], size))
			continue;
		int c = cmp_part(&parts[i], x, y);
		if (c)
			return c;
	}
	return memcmp(x, y, size);
}

typedef struct SortCtx {
	const Snap *s;
	const KtapTable *t;
} SortCtx;

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const SortCtx *c = ctx;
	const Snap *s = c->s;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const KtapTable *t = c->t;
	/* largest value first; an aggregation by its count alone */
	uint32_t vsize = t && t->value.kind == V_AGG ? 8 : s->val_size;
	int r = cmp_by(t ? &t->value : NULL, t ? 1 : 0, vsize, s->vals + j * s->val_size,
		       s->vals + i * s->val_size);
	if (!r)
		r = cmp_by(t ? t->keys : NULL, t ? t->nkeys : 0, s->key_size, s->keys + i * s->key_size,
			   s->keys + j * s->key_size);
	return r;
}

/* Reorder the rows of s by value, largest first. */
static void sort_snap(const RtMap *m, Snap *s)
{
	size_t *idx = xmalloc((s->n ? s->n : 1) * sizeof *idx);
	for (size_t i = 0; i < s->n; i++)
		idx[i] = i;
	SortCtx ctx = { s, m->table };
	qsort_r(idx, s->n, sizeof *idx, cmp_rows, &ctx);
	uint8_t *keys = xmalloc(s->n * s->key_size + 1), *vals = xmalloc(s->n * s->val_size + 1);
	for (size_t i = 0; i < s->n; i++) {
		memcpy(keys + i * s->key_size, s->keys + idx[i] * s->key_size, s->key_size);
		memcpy(vals + i * s->val_size, s->vals + idx[i] * s->val_size, s->val_size);
	}
	free(idx);
	free(s->keys);
	free(s->vals);
	s->keys = keys;
	s->vals = vals;
}

int rt_snap(Rt *rt, RtMap *m, int sorted, int64_t limit, Snap *s)
{
	memset(s, 0, sizeof *s);
	s->key_size = m->key_size;
	s->val_size = m->value_size;
	s->n = map_keys(m, &s->keys);
	if (sorted) {
		size_t kept = 0;
		s->vals = xmalloc(s->n * s->val_size + 1);
		for (size_t i = 0; i < s->n; i++) {
			uint8_t *k = s->keys + i * s->key_size;
			int err = rt_map_read(rt, m, k, s->vals + kept * s->val_size);
			if (err == -ENOENT)
				continue;	/* deleted since the walk */
			if (err) {
				rt_error(rt, "reading table %s: %s", m->name, strerror(-err));
				rt_snap_free(s);
				return -1;
			}
			memmove(s->keys + kept * s->key_size, k, s->key_size);
			kept++;
		}
		s->n = kept;
		sort_snap(m, s);
	}
	if (limit >= 0 && (uint64_t)limit < s->n)
		s->n = limit;
	return 0;
}

void rt_snap_free(Snap *s)
{
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof *s);
}

void rt_iters_free(Interp *I)
{
	for (int i = 0; i < I->niters; i++)
		rt_snap_free(&I->iters[i].s);
	free(I->iters);
	I->iters = NULL;
	I->niters = 0;
}

int rt_map_clear(Rt *rt, RtMap *m)
{
	uint8_t *keys;
	size_t n = map_keys(m, &keys);
	uint8_t *zero = is_array(m) ? xcalloc(1, m->value_size + 1) : NULL;
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		uint8_t *k = keys + i * m->key_size;
		err = zero ? map_write(m, k, zero, BPF_ANY) : bpf_map_delete_elem(m->fd, k) ? -errno : 0;
		if (err == -ENOENT)
			err = 0;
	}
	free(keys);
	free(zero);
	if (err)
		rt_error(rt, "clearing table %s: %s", m->name, strerror(-err));
	return err ? -1 : 0;
}

/* The helpers */

static int h_lookup(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	RtMap *m = rt_map_arg(rt, a[0]);
	const uint8_t *key = m ? rt_mem(rt, a[1], m->key_size, 0) : NULL;
	if (!key)
		return -1;
	uint8_t *val = xmalloc(m->value_size + 1);
	int err = rt_map_read(rt, m, key, val);
	uint8_t *copy = NULL;
	if (!err && (copy = rt_scratch(rt, m->value_size)))
		memcpy(copy, val, m->value_size);
	free(val);
	if (err && err != -ENOENT)
		rt_error(rt, "reading table %s: %s", m->name, strerror(-err));
	*ret = (uintptr_t)copy;
	return (err && err != -ENOENT) || (!err && !copy) ? -1 : 0;
}

static int h_update(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	RtMap *m = rt_map_arg(rt, a[0]);
	const uint8_t *key = m ? rt_mem(rt, a[1], m->key_size, 0) : NULL;
	const uint8_t *val = key ? rt_mem(rt, a[2], m->value_size, 0) : NULL;
	if (!val)
		return -1;
	*ret = (uint64_t)(int64_t)map_write(m, key, val, a[3]);
	return 0;
}

static int h_delete(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	RtMap *m = rt_map_arg(rt, a[0]);
	const uint8_t *key = m ? rt_mem(rt, a[1], m->key_size, 0) : NULL;
	if (!key)
		return -1;
	*ret = (uint64_t)(int64_t)(bpf_map_delete_elem(m->fd, key) ? -errno : 0);
	return 0;
}

static int h_clear(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	RtMap *m = rt_map_arg(rt, a[0]);
	return m ? rt_map_clear(rt, m) : -1;
}

static int h_len(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	RtMap *m = rt_map_arg(rt, a[0]);
	if (!m)
		return -1;
	uint8_t *keys;
	*ret = map_keys(m, &keys);
	free(keys);
	return 0;
}

static int h_iter_open(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	Interp *I = rt->interp;
	RtMap *m = rt_map_arg(rt, a[0]);
	Snap s;
	if (!m || rt_snap(rt, m, a[2] != 0, (int64_t)a[1], &s))
		return -1;
	free(s.vals);
	s.vals = NULL;
	/* snapshots count against the same bound as value copies */
	size_t bytes = s.n * s.key_size + sizeof(Iter);
	if (I->arena_total > ARENA_MAX - bytes) {
		rt_snap_free(&s);
		rt_error(rt, "user-context code holds over %zu MiB of table snapshots: too many iterations before the handler returns",
			 ARENA_MAX >> 20);
		return -1;
	}
	I->arena_total += bytes;
	I->iters = xrealloc(I->iters, (I->niters + 1) * sizeof *I->iters);
	I->iters[I->niters++] = (Iter){ s, 0 };
	*ret = I->niters;
	return 0;
}

static int h_iter_next(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	Interp *I = rt->interp;
	if (a[0] < 1 || a[0] > (uint64_t)I->niters) {
		rt_error(rt, "%llu is not an open iterator", (unsigned long long)a[0]);
		return -1;
	}
	Iter *it = &I->iters[a[0] - 1];
	if (it->next >= it->s.n) {
		*ret = (uint64_t)-1;
		return 0;
	}
	uint8_t *key = rt_mem(rt, a[1], it->s.key_size, 1);
	if (!key)
		return -1;
	memcpy(key, it->s.keys + it->next++ * it->s.key_size, it->s.key_size);
	*ret = 0;
	return 0;
}

/* print_hist, print_lhist, print_stats */
static int h_print(Rt *rt, int id, const uint64_t a[5])
{
	RtMap *m = rt_map_arg(rt, a[0]);
	if (!m)
		return -1;
	FILE *out = rt->opt.out ? rt->opt.out : stdout;
	int64_t lin[3] = { (int64_t)a[1], (int64_t)a[2], (int64_t)a[3] };
	if (id == KH_PRINT_HIST && !is_agg(m))
		rt_print_hist(rt, out, m, (int64_t)a[1]);
	else if (id == KH_PRINT_LHIST && (lin[2] <= 0 || lin[1] <= lin[0]))
		rt_error(rt, "print_lhist: bad bounds");
	else if (is_agg(m))
		rt_print_agg(rt, out, m, id == KH_PRINT_HIST ? AGG_LOG2_HIST :
			     id == KH_PRINT_LHIST ? AGG_LIN_HIST : AGG_STATS, lin);
	else
		rt_error(rt, "table %s is not an aggregation", m->name);
	return ((Interp *)rt->interp)->failed ? -1 : 0;
}

int rt_map_helper(Rt *rt, int id, const uint64_t a[5], uint64_t *ret)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem: return h_lookup(rt, a, ret);
	case BPF_FUNC_map_update_elem: return h_update(rt, a, ret);
	case BPF_FUNC_map_delete_elem: return h_delete(rt, a, ret);
	case KH_MAP_CLEAR: return h_clear(rt, a, ret);
	case KH_MAP_LEN: return h_len(rt, a, ret);
	case KH_ITER_OPEN: return h_iter_open(rt, a, ret);
	case KH_ITER_NEXT: return h_iter_next(rt, a, ret);
	case KH_PRINT_HIST:
	case KH_PRINT_LHIST:
	case KH_PRINT_STATS: return h_print(rt, id, a);
	}
	return 1;
}
