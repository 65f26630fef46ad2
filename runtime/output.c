/* The script's output: the sink (standard output or -o FILE) both contexts
 * write to, one ring buffer consumer formatting the records kernel handlers
 * send ({u32 format id; u32 pad; payload}), and the report, at the end, of
 * what could not be delivered or stored. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "json.h"
#include "../common/outfile.h"
#include "../common/util.h"

typedef struct Output {
	struct ring_buffer *rb;
	int bad_records;	/* records that made no sense, reported once each kind */
	int consuming;		/* formatting records: not user context */
	int exit_seen;		/* the exit record, for the run loop */
	int midline;		/* user context left a line open */
	int batch;		/* records formatted by this consume */
} Output;

/* Records formatted per consume. A flood that never lets the ring buffer
 * run dry (a handler printing on ktap's own writes) must not keep the run
 * loop from -t, signals and timers. */
#define BATCH 1024

static void sink_failed(RtSink *s, int err)
{
	s->err = err;
	if (s->stop)
		*s->stop = 1;
	if (err == EPIPE)	/* the reader is gone, like head(1): no one to tell */
		return;
	if (s->path)
		fprintf(stderr, "ktap: error: writing output to '%s': %s\n", s->path, strerror(err));
	else
		fprintf(stderr, "ktap: error: writing output to standard output: %s\n", strerror(err));
}

/* stdio's write function for the sink: all of buf, or the first error,
 * which ends the run. After it the output is dropped: the run is ending
 * and nothing more can be delivered. */
static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	RtSink *s = cookie;
	if (!s->err && write_all(s->fd, buf, size) < 0)
		sink_failed(s, errno);
	return size;
}

static int sink_close(void *cookie)
{
	RtSink *s = cookie;
	return s->path ? close(s->fd) : 0;
}

/* -o FILE is opened without O_TRUNC and truncated only if it is a regular
 * file: a device or a fifo stays what it is. */
int rt_sink_open(RtSink *s, const char *path)
{
	*s = (RtSink){ .path = path, .fd = STDOUT_FILENO };
	if (path) {
		struct stat st;
		s->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
		if (s->fd < 0 || fstat(s->fd, &st) < 0 || (S_ISREG(st.st_mode) && ftruncate(s->fd, 0) < 0)) {
			fprintf(stderr, "ktap: error: cannot write '%s': %s\n", path, strerror(errno));
			if (s->fd >= 0)
				close(s->fd);
			return -1;
		}
	}
	cookie_io_functions_t io = { .write = sink_write, .close = sink_close };
	s->f = fopencookie(s, "w", io);
	if (!s->f) {
		fprintf(stderr, "ktap: error: cannot write output: %s\n", strerror(errno));
		sink_close(s);
		return -1;
	}
	setvbuf(s->f, NULL, _IOLBF, BUFSIZ);	/* a pipe or a file sees each line as it is made */
	return 0;
}

/* The exit status the output decides: 0, 1 after a write error (reported
 * already), 141 (128 + SIGPIPE) when the reader went away. */
int rt_sink_close(RtSink *s)
{
	fflush(s->f);
	fclose(s->f);
	return !s->err ? 0 : s->err == EPIPE ? 128 + SIGPIPE : 1;
}

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

static void record(Rt *rt, void *data, size_t size)
{
	Output *o = rt->out;
	uint32_t id;
	if (size < 8) {
		if (!o->bad_records++)
			fprintf(stderr, "ktap: error: a kernel record of %zu bytes, too short for a header\n", size);
		return;
	}
	memcpy(&id, data, 4);
	if (id == KTAP_REC_EXIT) {	/* ends the run, not the user code that runs now */
		o->exit_seen = 1;
		return;
	}
	if (id >= rt->meta.nformats || size - 8 < rt->meta.formats[id].size) {
		if (!o->bad_records++)
			fprintf(stderr, "ktap: error: a kernel record with unknown format %u (%zu bytes)\n", id, size);
		return;
	}
	if (rt->opt.timestamps)
		timestamp(rt->opt.out);
	rt_format(rt, rt->opt.out, &rt->meta.formats[id], (const uint8_t *)data + 8);
}

/* libbpf stops consuming at a negative return, the record taken. */
static int on_record(void *ctx, void *data, size_t size)
{
	Rt *rt = ctx;
	Output *o = rt->out;
	record(rt, data, size);
	return ++o->batch < BATCH ? 0 : -EAGAIN;
}

/* The records formatted, at most BATCH (then more may wait), or < 0. */
static int consume(Rt *rt, int timeout_ms)
{
	Output *o = rt->out;
	o->consuming = 1;
	o->batch = 0;
	int n = timeout_ms ? ring_buffer__poll(o->rb, timeout_ms) : ring_buffer__consume(o->rb);
	o->consuming = 0;
	return n == -EAGAIN ? o->batch : n;
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
	int n = consume(rt, timeout_ms);
	if (o->exit_seen)
		rt->stop = 1;
	return n < 0 && n != -EINTR ? -1 : n;
}

void rt_output_drain(Rt *rt)
{
	while (rt_output_poll(rt, 0) == BATCH)
		;
}

/* User-context output comes after the records that are in the ring buffer
 * already, which were made before it; but not into a line that user
 * context left open (printf("%d ", x) in a loop). */
void rt_output_user(Rt *rt, int ends_line)
{
	Output *o = rt->out;
	if (!o || o->consuming)
		return;
	/* bounded: in a flood that feeds on this very output, order is kept
	 * for the first million records */
	for (int i = 0; o->rb && !o->midline && i < 1024 && consume(rt, 0) == BATCH; i++)
		;
	o->midline = !ends_line;
}

/* rt_verify has checked every offset; the 64-bit sum keeps this check
 * right on its own. */
static uint64_t bss_word(Rt *rt, uint32_t off)
{
	uint64_t v = 0;
	if (rt->data[RT_BSS] && (uint64_t)off + 8 <= rt->data_size[RT_BSS])
		memcpy(&v, rt->data[RT_BSS] + off, 8);
	return v;
}

/* A warning of the report: "warning: MESSAGE" on stderr, or with -f json
 * {"type":"warning","kind":KIND,"count":N,"message":MESSAGE} and the
 * fields of extra (taken) on the output. */
static void warn(Rt *rt, const char *kind, uint64_t n, json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void warn(Rt *rt, const char *kind, uint64_t n, json_t *extra, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!rt->opt.json) {
		fprintf(stderr, "warning: %s\n", msg ? msg : kind);
	} else {
		json_t *o = rt_json_new("warning");
		json_object_set_new(o, "kind", json_string(kind));
		json_object_set_new(o, "count", json_integer((json_int_t)n));
		if (extra)
			json_object_update(o, extra);
		json_object_set_new(o, "message", msg ? rt_json_text(msg, strlen(msg)) : json_null());
		rt_json_emit(rt, o);
	}
	json_decref(extra);
	free(msg);
}

void rt_output_report(Rt *rt)
{
	uint64_t n = bss_word(rt, BSS_RB_DROPS);
	if (n)
		warn(rt, "lost_records", n, NULL, "%llu output records were lost: the ring buffer was full",
		     (unsigned long long)n);
	for (uint32_t i = 0; i < rt->meta.ntables; i++) {
		const KtapTable *t = &rt->meta.tables[i];
		RtMap *m = rt_map(rt, t->map);
		if (t->drops_off < BSS_RESERVED || !(n = bss_word(rt, t->drops_off)))
			continue;
		const char *name = t->name ? t->name : t->map;
		uint32_t cap = m ? m->max_entries : 0;
		json_t *where = json_pack("{s:o,s:i,s:I}", "table", rt_json_text(name, strlen(name)),
					  "line", (int)t->line, "entries", (json_int_t)cap);
		warn(rt, "dropped_updates", n, where, "%llu updates to table '%s' (line %u) were dropped: table full (%u entries)",
		     (unsigned long long)n, name, t->line, cap);
	}
	if ((n = bss_word(rt, BSS_STACK_LOST)))
		warn(rt, "lost_stacks", n, NULL, "%llu stack traces were lost (they print as [lost])",
		     (unsigned long long)n);
	if ((n = bss_word(rt, BSS_LOOP_CAPS)))
		warn(rt, "loop_caps", n, NULL, "%llu loops in kernel handlers were stopped at the iteration cap (100000)",
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
