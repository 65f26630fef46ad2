/* Kernel output: one ring buffer consumer formatting the records handlers
 * send ({u32 format id; u32 pad; payload}), and the report, at the end, of
 * what could not be delivered or stored. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rt.h"
#include "../common/util.h"

typedef struct Output {
	struct ring_buffer *rb;
	int bad_records;	/* records that made no sense, reported once each kind */
} Output;

static void timestamp(FILE *out)
{
	struct timespec ts;
	struct tm tm;
	char s[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%H:%M:%S", &tm);
	fprintf(out, "%s.%06ld ", s, ts.tv_nsec / 1000);
}

static int on_record(void *ctx, void *data, size_t size)
{
	Rt *rt = ctx;
	Output *o = rt->out;
	uint32_t id;
	if (size < 8) {
		if (!o->bad_records++)
			fprintf(stderr, "ktap: error: a kernel record of %zu bytes, too short for a header\n", size);
		return 0;
	}
	memcpy(&id, data, 4);
	if (id == KTAP_REC_EXIT) {
		rt->stop = 1;
		return 0;
	}
	if (id >= rt->meta.nformats || size - 8 < rt->meta.formats[id].size) {
		if (!o->bad_records++)
			fprintf(stderr, "ktap: error: a kernel record with unknown format %u (%zu bytes)\n", id, size);
		return 0;
	}
	FILE *out = rt->opt.out ? rt->opt.out : stdout;
	if (rt->opt.timestamps)
		timestamp(out);
	rt_format(rt, out, &rt->meta.formats[id], (const uint8_t *)data + 8);
	return 0;
}

int rt_output_init(Rt *rt)
{
	RtMap *m = rt_map(rt, "ktap_events");
	Output *o = xcalloc(1, sizeof(*o));
	rt->out = o;
	if (!m)	/* no kernel handler prints */
		return 0;
	o->rb = ring_buffer__new(m->fd, on_record, rt, NULL);
	if (!o->rb) {
		fprintf(stderr, "ktap: error: cannot read the ring buffer: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The ring buffer's epoll fd, for the run loop, or -1. */
int rt_output_fd(Rt *rt)
{
	Output *o = rt->out;
	return o && o->rb ? ring_buffer__epoll_fd(o->rb) : -1;
}

int rt_output_poll(Rt *rt, int timeout_ms)
{
	Output *o = rt->out;
	if (!o || !o->rb)
		return 0;
	int n = timeout_ms ? ring_buffer__poll(o->rb, timeout_ms) : ring_buffer__consume(o->rb);
	if (n > 0)	/* a pipe or file sees each batch as it comes */
		fflush(rt->opt.out ? rt->opt.out : stdout);
	return n < 0 && n != -EINTR ? -1 : n;
}

static uint64_t bss_word(Rt *rt, uint32_t off)
{
	uint64_t v = 0;
	if (rt->data[RT_BSS] && off + 8 <= rt->data_size[RT_BSS])
		memcpy(&v, rt->data[RT_BSS] + off, 8);
	return v;
}

void rt_output_report(Rt *rt)
{
	uint64_t n = bss_word(rt, BSS_RB_DROPS);
	if (n)
		fprintf(stderr, "warning: %llu output records were lost: the ring buffer was full\n",
			(unsigned long long)n);
	for (uint32_t i = 0; i < rt->meta.ntables; i++) {
		const KtapTable *t = &rt->meta.tables[i];
		RtMap *m = rt_map(rt, t->map);
		if (t->drops_off < BSS_RESERVED || !(n = bss_word(rt, t->drops_off)))
			continue;
		fprintf(stderr, "warning: %llu updates to table '%s' (line %u) were dropped: table full (%u entries)\n",
			(unsigned long long)n, t->name ? t->name : t->map, t->line, m ? m->max_entries : 0);
	}
	if ((n = bss_word(rt, BSS_LOOP_CAPS)))
		fprintf(stderr, "warning: %llu loops in kernel handlers were stopped at the iteration cap (100000)\n",
			(unsigned long long)n);
}

void rt_output_free(Rt *rt)
{
	Output *o = rt->out;
	if (!o)
		return;
	ring_buffer__free(o->rb);
	free(o);
	rt->out = NULL;
}
