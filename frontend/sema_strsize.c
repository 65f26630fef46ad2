/* How many bytes each string variable, string key and string table value
 * takes: the most that any string flowing into it needs (str_bytes), found
 * once every flow is known, since `var b = a` may come before a's last
 * assignment. Sizes only grow and are bounded by --strlen, so repeating
 * until nothing grows ends. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

static void flow(Sema *S, Symbol *sym, Type *table, int key, Node *src)
{
	if (src && src->kind != N_NIL)	/* nil leaves "": any buffer holds it */
		VEC_PUSH(S->flows, ((Flow){ sym, table, key, src }));
}

void flow_var(Sema *S, Symbol *s, Node *src)
{
	flow(S, s, NULL, 0, src);
}

/* Every use of a key counts, lookups too: a longer string must not match a
 * key cut short. */
void flow_key(Sema *S, Type *table, int key, Node *src)
{
	flow(S, NULL, table, key, src);
}

void flow_value(Sema *S, Type *table, Node *src)
{
	flow(S, NULL, table, -1, src);
}

/* What flow f sizes; NULL when its table did not type-check. */
static int *target(Flow *f)
{
	if (f->sym)
		return &f->sym->strbytes;
	Type *t = type_repr(f->table);
	if (t->kind != TY_TABLE)
		return NULL;
	return f->key < 0 ? &t->table->valstr : &t->table->keystr[f->key];
}

void size_strings(Sema *S)
{
	for (int grew = 1; grew;) {
		grew = 0;
		for (int i = 0; i < S->flows.n; i++) {
			Flow *f = &S->flows.v[i];
			int *size = target(f), n = str_bytes(f->src, S->opt.strlen);
			if (size && n > *size) {
				*size = n;
				grew = 1;
			}
		}
	}
	free(S->flows.v);
	memset(&S->flows, 0, sizeof S->flows);
}
