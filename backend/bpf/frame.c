/* Stack layout: the IR's slots first, just below r10, then the 8-byte spill
 * slots. Slot sizes are multiples of 8, so every offset is 8-aligned, as
 * the verifier wants for spilled pointers. */
#include "bpf_internal.h"
#include "../../common/util.h"

int bpf_frame(Fn *c)
{
	int off = 0;
	c->slot_off = xmalloc((c->f->nslots + 1) * sizeof(int));
	for (int i = 0; i < c->f->nslots; i++) {
		off += c->f->slots[i].size;
		c->slot_off[i] = -off;
	}
	c->spill_base = -(off + 8);
	return off + 8 * c->ra.nspills;
}
