/* Loading: read ktap's sections, let libbpf load the object (the kernel
 * verifies every program), find the maps and map the global data. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "interp.h"
#include "../common/util.h"

/* libbpf's messages. Its print callback has no user pointer, so the
 * messages of one load are collected here and shown or explained after. */
static struct {
	int verbose;
	int loaded;		/* after the load, warnings are ours to explain: shown with -v */
	Buf warnings;		/* warnings of the current load, in order */
	char *verifier_log;	/* the last program's log, if a load failed */
} lb;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !lb.verbose))
		return 0;
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		return 0;
	const char *log = strstr(s, "-- BEGIN PROG LOAD LOG --\n");
	if (log) {
		free(lb.verifier_log);
		lb.verifier_log = xstrdup(log + strlen("-- BEGIN PROG LOAD LOG --\n"));
		char *end = strstr(lb.verifier_log, "-- END PROG LOAD LOG --");
		if (end)
			*end = 0;
	}
	if (lb.loaded) {
		if (lb.verbose)
			fputs(s, stderr);
	} else if (level == LIBBPF_INFO) {
		fputs(s, stderr);
	} else if (!log || lb.verbose)
		buf_add(&lb.warnings, s, strlen(s));
	free(s);
	return 0;
}

static void flush_warnings(void)
{
	if (lb.warnings.len)
		fwrite(lb.warnings.p, 1, lb.warnings.len, stderr);
	buf_free(&lb.warnings);
}

/* The .ktap* sections of the ELF image e, copied out. */
static int read_sections(Elf *e, KtapSection **secs, int *n)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx))
		return -1;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strncmp(name, ".ktap", 5) || sh.sh_type != SHT_PROGBITS)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			return -1;
		*secs = xrealloc(*secs, (*n + 1) * sizeof(**secs));
		KtapSection *s = &(*secs)[(*n)++];
		s->name = xstrdup(name);
		s->size = d->d_size;
		s->data = xmalloc(d->d_size + 1);
		if (d->d_buf)
			memcpy(s->data, d->d_buf, d->d_size);
	}
	return 0;
}

static void free_sections(KtapSection *secs, int n)
{
	for (int i = 0; i < n; i++) {
		free((char *)secs[i].name);
		free(secs[i].data);
	}
	free(secs);
}

static int has_section(const KtapSection *secs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(secs[i].name, name))
			return 1;
	return 0;
}

int rt_read_object(KtapMeta *m, void *buf, size_t size, const char **err)
{
	static char msg[256];
	KtapSection *secs = NULL;
	int n = 0, rc = -1;
	const char *why;
	elf_version(EV_CURRENT);
	Elf *e = elf_memory(buf, size);
	GElf_Ehdr eh;
	memset(m, 0, sizeof(*m));
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_machine != EM_BPF)
		*err = " is not an eBPF object file";
	else if (read_sections(e, &secs, &n) < 0)
		*err = ": bad object: its section headers cannot be read";
	else if (ktapobj_read(m, secs, n, &why) < 0) {
		snprintf(msg, sizeof msg, "%s: %s", has_section(secs, n, ".ktap.meta") ? ": bad object" :
			 " is not a ktap object", why);
		*err = msg;
	} else
		rc = 0;
	free_sections(secs, n);
	elf_end(e);
	return rc;
}

/* The whole file: libelf may convert an image in place, so it is a copy. */
static void *read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ktap: error: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	Buf b = { 0 };
	char chunk[65536];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, r);
	if (r < 0)
		fprintf(stderr, "ktap: error: cannot read '%s': %s\n", path, strerror(errno));
	close(fd);
	if (r < 0) {
		buf_free(&b);
		return NULL;
	}
	buf_add(&b, "", 1);	/* never empty */
	*size = b.len - 1;
	return b.p;
}

static int read_meta(Rt *rt, const char *path)
{
	size_t size;
	const char *err;
	void *buf = read_file(path, &size);
	if (!buf)
		return -1;
	int rc = rt_read_object(&rt->meta, buf, size, &err);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "ktap: error: '%s'%s\n", path, err);
	return rc;
}

void rt_mount_tracefs(void)
{
	struct stat st;
	if (stat("/sys/kernel/tracing/events", &st) < 0 && stat("/sys/kernel/debug/tracing/events", &st) < 0)
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);	/* fails harmlessly if we may not */
}

/* libbpf names the global data maps after the object: a short, clean name. */
static char *object_name(const char *source)
{
	const char *b = strrchr(source, '/');
	b = b ? b + 1 : source;
	char *s = xstrndup(b, 8);
	for (char *p = s; *p; p++)
		if (*p == '.') {
			*p = 0;
			break;
		} else if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			*p = '_';
	if (!*s) {
		free(s);
		s = xstrdup("ktap");
	}
	return s;
}

/* The script line of the last "; SOURCE @ FILE:LINE" annotation. */
static int log_line(const char *log)
{
	int line = 0;
	for (const char *p = log; (p = strstr(p, "\n; ")); p++) {
		const char *eol = strchrnul(p + 1, '\n');
		const char *at = NULL;
		for (const char *q = p + 1; q + 2 < eol; q++)
			if (q[0] == ' ' && q[1] == '@' && q[2] == ' ')
				at = q;
		if (!at)
			continue;
		const char *colon = NULL;
		for (const char *q = at; q < eol; q++)
			if (*q == ':')
				colon = q;
		if (colon)
			line = atoi(colon + 1);
	}
	return line;
}

static int boring(const char *s, size_t n)
{
	return n == 0 || !strncmp(s, "processed ", 10) || !strncmp(s, "verification time", 17) ||
	       !strncmp(s, "stack depth", 11);
}

/* A line of the verifier's walk rather than its verdict: an instruction
 * ("12: (79) r0 = ..."), register state, a source annotation, a call edge. */
static int walk_line(const char *s)
{
	static const char *const prefixes[] = { " ", "\t", ";", "frame", "from ", "to caller at",
						"returning from callee", "caller:", "callee:", "last_idx",
						"regs=", "parent " };
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p > s && *p == ':')
		return 1;
	if (s[0] == 'R' && s[1] >= '0' && s[1] <= '9' && strchr(s, '=') && strchr(s, '=') < strchrnul(s, ' '))
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(s, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* The verifier's reason: its last lines that are neither statistics nor
 * part of the walk (some reasons take two lines). */
static char *log_reason(const char *log)
{
	char *copy = xstrdup(log), *lines[256], *save;
	int n = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (n == 256) {
			memmove(lines, lines + 128, 128 * sizeof(*lines));
			n = 128;
		}
		lines[n++] = l;
	}
	while (n > 0 && boring(lines[n - 1], strlen(lines[n - 1])))
		n--;
	int first = n;
	while (first > 0 && n - first < 2 && !walk_line(lines[first - 1]) &&
	       !boring(lines[first - 1], strlen(lines[first - 1])))
		first--;
	if (first == n && n > 0)	/* nothing but the walk: its last line */
		first = n - 1;
	Buf b = { 0 };
	for (int i = first; i < n; i++) {
		if (b.len)
			buf_add(&b, ": ", 2);
		buf_add(&b, lines[i], strlen(lines[i]));
	}
	free(copy);
	if (!b.len)
		return xstrdup("(no reason given)");
	buf_add(&b, "", 1);
	return (char *)b.p;
}

static void report_load_error(Rt *rt, const char *path, int err)
{
	if (err == -EPERM || (lb.verifier_log == NULL && err == -EACCES)) {
		buf_free(&lb.warnings);
		fputs("ktap: error: ktap needs root (or the capabilities CAP_BPF and CAP_PERFMON) "
		      "to load BPF programs\n", stderr);
		return;
	}
	if (!lb.verifier_log) {
		flush_warnings();
		fprintf(stderr, "ktap: error: cannot load '%s': %s\n", path, strerror(-err));
		return;
	}
	if (lb.verbose) {
		flush_warnings();
		fprintf(stderr, "%s", lb.verifier_log);
	}
	buf_free(&lb.warnings);
	char *reason = log_reason(lb.verifier_log);
	int line = log_line(lb.verifier_log);
	const char *src = rt->meta.source_name ? rt->meta.source_name : path;
	if (line)
		fprintf(stderr, "%s:%d: error: the kernel's verifier rejected this: %s\n", src, line, reason);
	else
		fprintf(stderr, "%s: error: the kernel's verifier rejected this: %s\n", src, reason);
	if (!lb.verbose)
		fprintf(stderr, "%s: note: ktap -v shows the verifier's whole log\n", src);
	free(reason);
}

/* Which data section a map is (RT_BSS...), or -1: libbpf names it after
 * the object, "<obj>.rodata", so the name's end tells. */
static int data_map_index(const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < RT_NDATA; i++) {
		size_t sl = strlen(data_sec_names[i]);
		if (len >= sl && !strcmp(name + len - sl, data_sec_names[i]))
			return i;
	}
	return -1;
}

static int map_data(Rt *rt, RtMap *m)
{
	int i = data_map_index(m->name);
	if (i < 0)
		return 0;
	size_t size = m->value_size;
	int prot = i == RT_RODATA ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p = mmap(NULL, size, prot, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "ktap: error: cannot map %s: %s\n", data_sec_names[i], strerror(errno));
		return -1;
	}
	rt->data[i] = p;
	rt->data_size[i] = size;
	return 0;
}

static int find_maps(Rt *rt)
{
	struct bpf_map *bm;
	bpf_object__for_each_map(bm, rt->obj) {
		rt->maps = xrealloc(rt->maps, (rt->nmaps + 1) * sizeof(*rt->maps));
		RtMap *m = &rt->maps[rt->nmaps++];
		*m = (RtMap){ .name = xstrdup(bpf_map__name(bm)), .map = bm, .fd = bpf_map__fd(bm),
			      .type = bpf_map__type(bm), .key_size = bpf_map__key_size(bm),
			      .value_size = bpf_map__value_size(bm), .max_entries = bpf_map__max_entries(bm) };
		for (uint32_t i = 0; i < rt->meta.ntables; i++)
			if (!strcmp(rt->meta.tables[i].map, m->name))
				m->table = &rt->meta.tables[i];
		if (bpf_map__is_internal(bm) && map_data(rt, m) < 0)
			return -1;
	}
	return 0;
}

static void set_word(Rt *rt, int off, uint64_t v)
{
	if (rt->data[RT_BSS] && rt->data_size[RT_BSS] >= BSS_RESERVED)
		memcpy(rt->data[RT_BSS] + off, &v, 8);
}

static void set_bss_words(Rt *rt)
{
	struct timespec real, mono;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t off = (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	set_word(rt, BSS_WALL_OFFSET, off);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	set_word(rt, BSS_NUM_CPUS, cpus > 0 ? cpus : 1);
}

/* -p PID goes into .rodata's image before the load: after it the map is
 * frozen, and the verifier has taken the value as a constant. */
static void set_pid_filter(Rt *rt)
{
	struct bpf_map *bm;
	bpf_object__for_each_map(bm, rt->obj) {
		size_t size = 0;
		if (!bpf_map__is_internal(bm) || data_map_index(bpf_map__name(bm)) != RT_RODATA)
			continue;
		const void *img = bpf_map__initial_value(bm, &size);
		if (!img || size < RODATA_PID_FILTER + 8)
			continue;
		uint8_t *copy = xmalloc(size);
		uint64_t pid = rt->opt.pid;
		memcpy(copy, img, size);
		memcpy(copy + RODATA_PID_FILTER, &pid, 8);
		bpf_map__set_initial_value(bm, copy, size);
		free(copy);
	}
}

int rt_open(Rt *rt, const char *path)
{
	rt->end_handler = -1;
	if (read_meta(rt, path) < 0)
		return -1;
	rt->attached = xcalloc(rt->meta.nhandlers + 1, sizeof(*rt->attached));
	lb.verbose = rt->opt.verbose;
	libbpf_set_print(libbpf_print);
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
	setrlimit(RLIMIT_MEMLOCK, &r);	/* only kernels without memcg accounting need it */
	rt_mount_tracefs();

	char *name = object_name(rt->meta.source_name ? rt->meta.source_name : path);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = name);
	rt->obj = bpf_object__open_file(path, &oo);
	free(name);
	long err = libbpf_get_error(rt->obj);
	if (err) {
		rt->obj = NULL;
		flush_warnings();
		fprintf(stderr, "ktap: error: libbpf cannot open '%s': %s\n", path, strerror(-err));
		return -1;
	}
	set_pid_filter(rt);
	err = bpf_object__load(rt->obj);
	if (err) {
		report_load_error(rt, path, err);
		free(lb.verifier_log);
		lb.verifier_log = NULL;
		return -1;
	}
	flush_warnings();
	lb.loaded = 1;
	if (find_maps(rt) < 0)
		return -1;
	set_bss_words(rt);
	const char *why;
	if (rt_interp_prepare(rt, &why) < 0) {
		fprintf(stderr, "ktap: error: '%s': bad object: %s\n", path, why);
		return -1;
	}
	if (rt->opt.verbose) {
		int n = 0;
		struct bpf_program *p;
		bpf_object__for_each_program(p, rt->obj)
			n++;
		fprintf(stderr, "ktap: loaded %s: %d kernel programs, %d maps\n", rt->meta.source_name, n,
			rt->nmaps);
	}
	return 0;
}

RtMap *rt_map(Rt *rt, const char *name)
{
	for (int i = 0; i < rt->nmaps; i++)
		if (!strcmp(rt->maps[i].name, name))
			return &rt->maps[i];
	return NULL;
}

void rt_close(Rt *rt)
{
	rt_detach(rt);
	rt_output_free(rt);
	rt_argstr_free(rt);
	rt_usyms_free(rt);
	if (rt->interp)
		rt_interp_free(rt);
	for (int i = 0; i < RT_NDATA; i++)
		if (rt->data[i])
			munmap(rt->data[i], rt->data_size[i]);
	for (int i = 0; i < rt->nmaps; i++)
		free(rt->maps[i].name);
	free(rt->maps);
	free(rt->attached);
	bpf_object__close(rt->obj);
	ktapobj_free(&rt->meta);
	memset(rt, 0, sizeof(*rt));
}
