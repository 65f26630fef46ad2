/* loader OBJ: load a benchmark's clang-built BPF object with libbpf,
 * attach every program by its section name, print "ready" once all are
 * attached, then hold them until SIGINT or SIGTERM. A ring buffer map named
 * "events" is consumed (records dropped) as ktap consumes its own, so the
 * programs do not run against a full buffer. Built by codegen.sh. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int drop(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *events;
	struct ring_buffer *rb = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: loader OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj))
		return 1;
	bpf_object__for_each_program(prog, obj)
		if (!bpf_program__attach(prog))
			return 1;
	events = bpf_object__find_map_by_name(obj, "events");
	if (events && !(rb = ring_buffer__new(bpf_map__fd(events), drop, NULL, NULL)))
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		if (rb)
			ring_buffer__poll(rb, 100);
		else
			pause();
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
