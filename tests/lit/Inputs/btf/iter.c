/* A kernel whose BTF has the open-coded numeric iterators (Linux 6.4+):
 * kernel loops compile to them (tests/lit/codegen/iter-*.kp). Only the
 * functions' names matter to ktapc. */
struct bpf_iter_num {
	unsigned long long opaque;
};

int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)
{
	it->opaque = (unsigned long long)start << 32 | (unsigned int)end;
	return 0;
}

int *bpf_iter_num_next(struct bpf_iter_num *it)
{
	return (int *)it;
}

void bpf_iter_num_destroy(struct bpf_iter_num *it)
{
	it->opaque = 0;
}
