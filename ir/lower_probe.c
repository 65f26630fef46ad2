/* Probes (common/probes.c): the program a kprobe or uprobe event gets, the
 * handler that tells the runtime where to attach it, and their memory
 * fetch-args. Their context is the struct pt_regs the kernel saved, which
 * a program reads directly: registers are fields at fixed offsets. */
#include <linux/bpf.h>
#include "lower_impl.h"
#include "../common/usdt.h"
#include "../common/util.h"

/* The section libbpf knows the program type by (and would attach by), the
 * handler kind, and what the handler names: the binary (and offset) or the
 * kernel symbol or glob. A USDT probe is a plain uprobe at its note's
 * offset: its arguments are compiled in, so libbpf's usdt/ programs (which
 * read them through BPF-side helpers and a spec map) are not needed. */
char *probe_section(const Event *ev, KtapHandlerKind *kind, const char **target, uint64_t *offset)
{
	*offset = 0;
	if (ev->kind == EV_UPROBE) {
		*kind = ev->retprobe ? H_URETPROBE : H_UPROBE;
		*target = ev->path;
		*offset = ev->offset;
		if (usdt_is_spec(ev->system))
			return xasprintf("uprobe/%s:0x%llx", ev->path, (unsigned long long)ev->offset);
		return xasprintf("%s/%s:%s", ev->retprobe ? "uretprobe" : "uprobe", ev->path, ev->name);
	}
	*target = ev->name;
	if (ev->kind == EV_BTF) {	/* ctx: the arguments as u64s; see frontend/sema_tpbtf.c */
		*kind = H_RAW_TRACEPOINT;
		return xasprintf("%s/%s", ev->system, ev->name);
	}
	if (ev->multi) {
		*kind = ev->retprobe ? H_KRETPROBE_MULTI : H_KPROBE_MULTI;
		return xasprintf("%s/%s", ev->retprobe ? "kretprobe.multi" : "kprobe.multi", ev->name);
	}
	*kind = ev->retprobe ? H_KRETPROBE : H_KPROBE;
	return xasprintf("%s/%s", ev->retprobe ? "kretprobe" : "kprobe", ev->name);
}

/* An EF_MEM fetch-arg: size bytes at a register's value plus disp, from
 * the probed process's memory or the kernel's. A fault reads 0. */
IrOpnd probe_mem(Lower *L, const EventField *fl)
{
	int base = emit_load(L, ir_r(L->fn->ctxreg), fl->offset, 8);
	int addr = emit_op(L, IR_ADD, ir_r(base), ir_imm(fl->disp));
	int dst = emit_addr(L, temp_slot(L, 8));
	emit_call(L, L->fn->ev->kind == EV_UPROBE ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, 3,
		  ir_r(dst), ir_imm(fl->size), ir_r(addr));
	EventField at = *fl;
	at.offset = 0;
	return field_int(L, ir_r(dst), &at);
}
