/* A stack value (common/ktapobj.h) printed as docs/language.md §9 says: a line
 * "<stack trace>", then " => symbol+0xoff" per frame, innermost first; or,
 * with -f json, as an object with the frames in an array. The frames are
 * read from the value's stack-trace map when it is printed. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "common/util.h"
#include "json.h"

/* Each frame's text to fn, innermost first. Returns 0, or -1 when the
 * frames are lost (the kernel's table of stacks was full). */
static int frames(Rt *rt, uint64_t v, void (*fn)(void *ctx, const char *frame), void *ctx)
{
	int user = KTAP_STACK_USER(v), depth = KTAP_STACK_DEPTH(v), pid = KTAP_STACK_PID(v);
	int32_t id = KTAP_STACK_ID(v);
	char name[32], buf[512];
	snprintf(name, sizeof name, "ktap_%cstack%d", user ? 'u' : 'k', depth);
	RtMap *m = rt_map(rt, name);
	size_t frame = user ? sizeof(struct bpf_stack_build_id) : sizeof(uint64_t);
	if (id == -EFAULT)
		return 0;	/* no frames */
	if (id < 0 || !m || m->value_size != depth * frame)
		return -1;
	uint8_t *all = xcalloc(depth, frame);
	int rc = bpf_map_lookup_elem(m->fd, &id, all) ? -1 : 0;
	const struct bpf_stack_build_id *uf = (const void *)all;
	const uint64_t *ip = (const void *)all;
	for (int i = 0; !rc && i < depth; i++) {
		if (user ? uf[i].status == BPF_STACK_BUILD_ID_EMPTY : !ip[i])
			break;
		if (!user)
			rt_ptr_text(rt, ip[i], buf, sizeof buf);
		else if (uf[i].status == BPF_STACK_BUILD_ID_VALID)
			rt_usym_build_id(rt, pid, uf[i].build_id, uf[i].offset, buf, sizeof buf);
		else
			rt_usym_ip(rt, pid, uf[i].ip, buf, sizeof buf);
		fn(ctx, buf);
	}
	free(all);
	return rc;
}

static void text_frame(void *out, const char *frame)
{
	fprintf(out, "\n => %s", frame);
}

void rt_print_stack(Rt *rt, FILE *out, uint64_t v)
{
	fputs("<stack trace>", out);
	if (frames(rt, v, text_frame, out) < 0)
		fputs("\n => [lost]", out);
}

static void json_frame(void *array, const char *frame)
{
	json_array_append_new(array, rt_json_text(frame, strlen(frame)));
}

json_t *rt_json_stack(Rt *rt, uint64_t v)
{
	json_t *o = json_object(), *a = json_array();
	json_object_set_new(o, "stack", json_string(KTAP_STACK_USER(v) ? "user" : "kernel"));
	int lost = frames(rt, v, json_frame, a) < 0;
	json_object_set_new(o, "frames", a);
	json_object_set_new(o, "lost", json_boolean(lost));
	return o;
}
