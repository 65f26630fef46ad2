/* A stack value (common/ktapobj.h) printed as LANGUAGE.md §9 says: a line
 * "<stack trace>", then " => symbol+0xoff" per frame, innermost first. The
 * frames are read from the value's stack-trace map when it is printed. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "common/util.h"
#include "interp.h"

static void kernel_frame(Rt *rt, FILE *out, uint64_t ip)
{
	char buf[256];
	rt_ptr_text(rt, ip, buf, sizeof buf);
	fprintf(out, "\n => %s", buf);
}

static void user_frame(Rt *rt, FILE *out, int pid, const struct bpf_stack_build_id *f)
{
	char buf[512];
	if (f->status == BPF_STACK_BUILD_ID_VALID)
		rt_usym_build_id(rt, pid, f->build_id, f->offset, buf, sizeof buf);
	else
		rt_usym_ip(rt, pid, f->ip, buf, sizeof buf);
	fprintf(out, "\n => %s", buf);
}

void rt_print_stack(Rt *rt, FILE *out, uint64_t v)
{
	int user = KTAP_STACK_USER(v), depth = KTAP_STACK_DEPTH(v), pid = KTAP_STACK_PID(v);
	int32_t id = KTAP_STACK_ID(v);
	char name[32];
	snprintf(name, sizeof name, "ktap_%cstack%d", user ? 'u' : 'k', depth);
	RtMap *m = rt_map(rt, name);
	size_t frame = user ? sizeof(struct bpf_stack_build_id) : sizeof(uint64_t);
	fputs("<stack trace>", out);
	if (id == -EFAULT)
		return;		/* no frames */
	if (id < 0 || !m || m->value_size != depth * frame) {
		fputs("\n => [lost]", out);
		return;
	}
	uint8_t *frames = xcalloc(depth, frame);
	if (bpf_map_lookup_elem(m->fd, &id, frames)) {
		fputs("\n => [lost]", out);
	} else if (user) {
		const struct bpf_stack_build_id *f = (const void *)frames;
		for (int i = 0; i < depth && f[i].status != BPF_STACK_BUILD_ID_EMPTY; i++)
			user_frame(rt, out, pid, &f[i]);
	} else {
		const uint64_t *ip = (const void *)frames;
		for (int i = 0; i < depth && ip[i]; i++)
			kernel_frame(rt, out, ip[i]);
	}
	free(frames);
}
