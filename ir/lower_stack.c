/* stack() and ustack(): an id in a stack-trace map, made a value that says
 * which map and, for user stacks, which process (common/ktapobj.h). One map
 * per kind and depth, made on first use: the kernel hashes only the frames it
 * keeps, so stacks that differ below the depth are one key. User stacks are
 * recorded as build ids and file offsets, which still resolve after the
 * process has gone (docs/stacks.md). */
#include <errno.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include "common/util.h"
#include "lower_impl.h"

enum { FRAME_IP = 8, FRAME_BUILD_ID = 32 };	/* u64; struct bpf_stack_build_id */
/* Distinct stacks a map holds (a power of two: its buckets); one that
 * hashes to a taken bucket is lost. Build-id frames are 4 times larger. */
enum { KERNEL_ENTRIES = 4096, USER_ENTRIES = 1024 };

static int stack_map(Lower *L, int user, int depth)
{
	char *name = xasprintf("ktap_%cstack%d", user ? 'u' : 'k', depth);
	int map = map_find(L, name);
	if (map < 0) {
		IrMap m = { name, BPF_MAP_TYPE_STACK_TRACE, user ? USER_ENTRIES : KERNEL_ENTRIES,
			    user ? BPF_F_STACK_BUILD_ID : 0, NULL, NULL, 4,
			    depth * (user ? FRAME_BUILD_ID : FRAME_IP) };
		map = ir_map(L->m->mod, &m);
	}
	free(name);
	return map;
}

static int const_arg(const Node *call, int i, int dflt)
{
	return call->list.n > i && call->list.v[i] ? (int)call->list.v[i]->num : dflt;
}

IrOpnd lower_stack(Lower *L, Node *call)
{
	int user = call->num == F_USTACK;
	int depth = const_arg(call, 0, KTAP_STACK_DEFAULT_DEPTH), skip = const_arg(call, 1, 0);
	/* sema allows it only in a probe's body, which has the context */
	int id = emit_call(L, BPF_FUNC_get_stackid, 3, ir_r(L->fn->progctx),
			   ir_r(emit_map(L, stack_map(L, user, depth))),
			   ir_imm(skip | (user ? BPF_F_USER_STACK : 0)));
	/* EFAULT: no frames (a kernel stack sampled in user mode), not a loss */
	IrBlock *failed = new_block(L), *lost = new_block(L), *done = new_block(L);
	emit_br(L, C_LT, ir_r(id), ir_imm(0), failed, done);
	set_block(L, failed);
	emit_br(L, C_EQ, ir_r(id), ir_imm(-EFAULT), done, lost);
	set_block(L, lost);
	count_drop(L, BSS_STACK_LOST);
	emit_jmp(L, done);
	set_block(L, done);
	int v = emit_op(L, IR_AND, ir_r(id), ir_imm(0xffffffff));
	v = emit_op(L, IR_OR, ir_r(v), ir_imm((int64_t)(depth | user << 8) << 32));
	if (!user)
		return ir_r(v);
	int tgid = emit_op(L, IR_SHR, ir_r(emit_call(L, BPF_FUNC_get_current_pid_tgid, 0)), ir_imm(32));
	return ir_r(emit_op(L, IR_OR, ir_r(v), ir_r(emit_op(L, IR_SHL, ir_r(tgid), ir_imm(41)))));
}
