/* objcheck FILE.o...: open and load each object with libbpf on the running
 * kernel, as the runtime would, and unload it. Prints libbpf's warnings
 * (with the verifier's log, and nothing else) when a load fails. Exit status 1 on any failure. */
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* info: the .ktap* sections libbpf skips, which are fine */
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int check(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	long err = libbpf_get_error(obj);
	if (err) {
		fprintf(stderr, "objcheck: %s: open: %s\n", path, strerror(-err));
		return -1;
	}
	int rc = bpf_object__load(obj);
	if (rc) {
		fprintf(stderr, "objcheck: %s: load: %s\n", path, strerror(-rc));
	} else {
		int nprogs = 0, nmaps = 0;
		struct bpf_program *p;
		struct bpf_map *m;
		bpf_object__for_each_program(p, obj)
			nprogs++;
		bpf_object__for_each_map(m, obj)
			nmaps++;
		printf("ok %s (%d programs, %d maps)\n", path, nprogs, nmaps);
	}
	bpf_object__close(obj);
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: objcheck FILE.o...\n");
		return 2;
	}
	libbpf_set_print(print);
	int status = 0;
	for (int i = 1; i < argc; i++)
		if (check(argv[i]) < 0)
			status = 1;
	return status;
}
