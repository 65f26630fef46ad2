/* modbtf: a kernel module's BTF for the lit tests (there is no module BTF
 * on the machines that run them): split BTF on the kernel's, with
 *
 *   struct only_in_module { int id; struct task_struct *owner; };
 *   typedef void (*btf_trace_mod_event)(void *, struct only_in_module *);
 *
 *   modbtf KERNEL-BTF OUT     (KERNEL-BTF raw or ELF; OUT raw split BTF)
 */
#include <stdint.h>
#include <stdio.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: modbtf KERNEL-BTF OUT\n");
		return 2;
	}
	struct btf *base = btf__parse(argv[1], NULL);
	struct btf *m = base ? btf__new_empty_split(base) : NULL;
	int i32 = base ? btf__find_by_name_kind(base, "int", BTF_KIND_INT) : -1;
	int task = base ? btf__find_by_name_kind(base, "task_struct", BTF_KIND_STRUCT) : -1;
	if (!m || i32 <= 0 || task <= 0) {
		fprintf(stderr, "modbtf: %s: no kernel BTF with int and struct task_struct\n", argv[1]);
		return 1;
	}
	/* members and parameters follow their struct or prototype at once */
	int task_ptr = btf__add_ptr(m, task), void_ptr = btf__add_ptr(m, 0);
	int st = btf__add_struct(m, "only_in_module", 16);
	btf__add_field(m, "id", i32, 0, 0);
	btf__add_field(m, "owner", task_ptr, 64, 0);
	int st_ptr = btf__add_ptr(m, st);
	int proto = btf__add_func_proto(m, 0);
	btf__add_func_param(m, "", void_ptr);
	btf__add_func_param(m, "", st_ptr);
	btf__add_typedef(m, "btf_trace_mod_event", btf__add_ptr(m, proto));
	__u32 size;
	const void *raw = btf__raw_data(m, &size);
	FILE *f = fopen(argv[2], "wb");
	int bad = !raw || !f || fwrite(raw, 1, size, f) != size || fclose(f);
	if (bad)
		fprintf(stderr, "modbtf: cannot write %s\n", argv[2]);
	btf__free(m);
	btf__free(base);
	return bad;
}
