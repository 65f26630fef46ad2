/* Lowering table operations onto BPF hash maps. */
#include <errno.h>
#include <linux/bpf.h>
#include "lower_impl.h"
#include "../common/uhelpers.h"

static TableInfo *table_of(Node *prefix)
{
	return ty(prefix)->table;
}

/* Bytes key i takes in table t's map (sema sized its strings). */
int key_part_size(Lower *L, TableInfo *t, int i)
{
	Type *kt = type_repr(t->keys[i]);
	return kt->kind == TY_STR ? table_key_bytes(t, i, L->m->strlen) : val_size(L, kt);
}

int key_size(Lower *L, TableInfo *t)
{
	int size = 0;
	for (int i = 0; i < t->nkeys; i++)
		size += key_part_size(L, t, i);
	return size;
}

/* Part k of a key, at dst, size bytes: execname or a string read by a
 * helper goes straight into its place, p a string read's pointer. */
static void key_into(Lower *L, Node *k, IrOpnd dst, int size, IrOpnd p)
{
	if (is_execname(k))
		execname_into(L, dst, size);
	else
		emit_call(L, string_reader(k), 3, dst, ir_imm(size), p);
}

/* Whether writing the n parts of keys writes every byte of t's key, so
 * that its slot needs no zeroing: a string read stops at its NUL, and
 * execname in a part longer than a comm leaves the rest. */
static int key_filled(Lower *L, TableInfo *t, NodeList *keys, int n)
{
	for (int i = 0; i < n; i++)
		if (string_reader(keys->v[i]) ||
		    (is_execname(keys->v[i]) && key_part_size(L, t, i) > KTAP_COMM_LEN))
			return 0;
	return n == t->nkeys;
}

/* A pointer to the key. A single string key is its own buffer, zero-padded
 * already (the map reads only the key's bytes of it); other keys are built
 * in a slot, zeroed unless every byte is written (key_filled), since the map
 * compares bytes, padding included, and execname or a user_string/
 * kernel_string is written straight into its place there: no buffer of its
 * own. Such a read takes the part's size, which is
 * --strlen (sema sizes a key by the longest use), so nothing is cut. */
IrOpnd table_key(Lower *L, TableInfo *t, NodeList *keys)
{
	IrOpnd v[TABLE_MAX_KEYS];
	int n = keys->n < t->nkeys ? keys->n : t->nkeys;
	int whole = t->nkeys == 1 && is_str(type_repr(t->keys[0])) && !is_execname(keys->v[0]);
	for (int i = 0; i < n; i++) {
		Node *k = keys->v[i];
		if (string_reader(k) && !whole)	/* its pointer, in the keys' order */
			v[i] = lower_expr(L, k->list.v[0]);
		else if (!is_execname(k))
			v[i] = lower_str(L, k, key_part_size(L, t, i));
	}
	if (whole)
		return v[0];
	int s = temp_slot(L, key_size(L, t)), off = 0, a = -1;
	if (!key_filled(L, t, keys, n))
		emit_zero(L, s);
	for (int i = 0; i < n; i++) {
		Node *k = keys->v[i];
		Type *kt = type_repr(t->keys[i]);
		int size = key_part_size(L, t, i);
		if (is_execname(k) || string_reader(k)) {
			a = a < 0 ? emit_addr(L, s) : a;
			key_into(L, k, off ? ir_r(emit_op(L, IR_ADD, ir_r(a), ir_imm(off))) : ir_r(a), size, v[i]);
		} else if (size < val_size(L, kt)) {
			emit_copy(L, ir_slotop(s), off, v[i], 0, size);
		} else {
			store_value(L, kt, ir_slotop(s), off, v[i]);
		}
		off += size;
	}
	return ir_r(a < 0 ? emit_addr(L, s) : a);
}

int table_map(Lower *L, TableInfo *t)
{
	return emit_map(L, L->m->table_map[t->id]);
}

/* The value at key, or the zero value; *found (if asked) is the lookup
 * result, non-zero when the key is present. A string is copied into a
 * buffer of the statement's: a pointer to either the map value or "" would
 * be two kinds of pointer to the verifier, doubling its states at each read. */
IrOpnd table_get(Lower *L, TableInfo *t, IrOpnd key, IrOpnd *found)
{
	Type *vt = type_repr(t->val);
	IrOpnd str = is_str(vt) ? str_temp(L) : (IrOpnd){ O_NONE, 0 };
	int p = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(table_map(L, t)), key);
	int r = ir_vreg(L->fn->f);
	IrBlock *hit = new_block(L), *miss = new_block(L), *join = new_block(L);
	emit_br(L, C_EQ, ir_r(p), ir_imm(0), miss, hit);
	set_block(L, hit);
	if (str.kind != O_NONE) {
		emit_copy(L, str, 0, ir_r(p), 0, table_val_size(L, t));
	} else {
		IrIns *i = emit(L, IR_LOAD);
		i->dst = r;
		i->a = ir_r(p);
		i->size = 8;
	}
	emit_jmp(L, join);
	set_block(L, miss);
	if (str.kind == O_NONE)
		emit_set(L, r, ir_imm(0));
	set_block(L, join);
	if (found)
		*found = ir_r(p);
	return str.kind != O_NONE ? str : ir_r(r);
}

IrOpnd table_read(Lower *L, Node *x, IrOpnd *found)
{
	TableInfo *t = table_of(x->a);
	IrOpnd key = table_key(L, t, &x->list);
	at(L, x);
	return table_get(L, t, key, found);
}

/* Count a failed update (the table is full) unless it failed because a
 * concurrent insert got there first. */
void table_update_check(Lower *L, TableInfo *t, int r, IrBlock *done)
{
	IrBlock *bad = new_block(L), *drop = new_block(L);
	emit_br(L, C_LT, ir_r(r), ir_imm(0), bad, done);
	set_block(L, bad);
	emit_br(L, C_EQ, ir_r(r), ir_imm(-EEXIST), done, drop);
	set_block(L, drop);
	count_drop(L, L->m->table_drops[t->id]);
	set_block(L, done);
}

static void map_set(Lower *L, TableInfo *t, IrOpnd key, IrOpnd v)
{
	Type *vt = type_repr(t->val);
	IrOpnd val = v;
	if (!is_str(vt)) {
		int s = temp_slot(L, 8);
		emit_store(L, ir_slotop(s), 0, 8, v);
		val = ir_r(emit_addr(L, s));
	}
	int r = emit_call(L, BPF_FUNC_map_update_elem, 4, ir_r(table_map(L, t)), key, val,
			  ir_imm(BPF_ANY));
	table_update_check(L, t, r, new_block(L));
}

/* t[k] += n. In the kernel: find or insert zero, then an atomic add, so no
 * increment is lost on any number of CPUs. In user context the interpreter's
 * lookups return copies, so it reads, adds and writes back. */
static void map_add(Lower *L, TableInfo *t, IrOpnd key, IrOpnd n)
{
	if (!kernel(L)) {
		IrOpnd old = table_get(L, t, key, NULL);
		map_set(L, t, key, ir_r(emit_op(L, IR_ADD, old, n)));
		return;
	}
	IrBlock *have = new_block(L), *init = new_block(L), *retry = new_block(L);
	IrBlock *added = new_block(L), *done = new_block(L);
	int p = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(table_map(L, t)), key);
	emit_br(L, C_NE, ir_r(p), ir_imm(0), have, init);
	set_block(L, have);
	emit_xadd(L, ir_r(p), 0, n);
	emit_jmp(L, done);

	set_block(L, init);
	int z = temp_slot(L, 8);
	emit_store(L, ir_slotop(z), 0, 8, ir_imm(0));
	int r = emit_call(L, BPF_FUNC_map_update_elem, 4, ir_r(table_map(L, t)), key,
			  ir_r(emit_addr(L, z)), ir_imm(BPF_NOEXIST));
	table_update_check(L, t, r, retry);
	int p2 = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(table_map(L, t)), key);
	emit_br(L, C_NE, ir_r(p2), ir_imm(0), added, done);
	set_block(L, added);
	emit_xadd(L, ir_r(p2), 0, n);
	set_block(L, done);
}

static void map_put(Lower *L, TableInfo *t, IrOpnd key, Node *value, int op)
{
	if (value->kind == N_NIL && op == '=') {
		emit_call(L, BPF_FUNC_map_delete_elem, 2, ir_r(table_map(L, t)), key);
		return;
	}
	IrOpnd v = lower_str(L, value, table_val_size(L, t));
	if (op == TK_PLUSEQ)
		map_add(L, t, key, v);
	else
		map_set(L, t, key, v);
}

void table_write(Lower *L, Node *index, Node *value, int op)
{
	TableInfo *t = table_of(index->a);
	IrOpnd key = table_key(L, t, &index->list);
	at(L, index);
	if (op == TK_AGG)
		agg_record(L, t, key, value);
	else
		map_put(L, t, key, value, op);
}

/* {...} or table.new(): the table starts empty each time this runs. */
void table_ctor(Lower *L, TableInfo *t, Node *ctor)
{
	at(L, ctor);
	emit_call(L, KH_MAP_CLEAR, 1, ir_r(table_map(L, t)));
	if (ctor->kind != N_TABLE)
		return;
	int pos = 1;
	for (int i = 0; i < ctor->list.n; i++) {
		Node *fld = ctor->list.v[i];
		IrOpnd key;
		at(L, fld);
		if (fld->a) {
			NodeList keys = { &fld->a, 1, 1 };
			key = table_key(L, t, &keys);
		} else {
			int slot = temp_slot(L, 8);
			emit_store(L, ir_slotop(slot), 0, 8, ir_imm(pos++));
			key = ir_r(emit_addr(L, slot));
		}
		map_put(L, t, key, fld->b, '=');
	}
}
