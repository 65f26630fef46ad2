/* libFuzzer target: any bytes as an object file, through everything
 * `ktap x.o` does before it touches the kernel: the ELF file, the .ktap
 * sections, the verifier, and then the user-context code itself (main
 * chunk, ticks, trace_end) in the interpreter. The kernel is not asked for
 * anything: tables are maps in memory here (this file defines the libbpf
 * map calls the runtime makes), data sections are the file's own, attach
 * does nothing and %p finds no symbols. A runaway loop is stopped by a
 * timer, as a signal stops it in a real run. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <bpf/bpf.h>
#include "common/util.h"
#include "runtime/interp.h"

#define MAX_DATA ((size_t)1 << 20)	/* a data section larger is left out */
#define MAX_MAPS 16
#define MAX_ENTRIES 64

typedef struct FakeMap {
	uint32_t type, ks, vs, max, n;
	uint8_t *keys, *vals;
} FakeMap;

static FakeMap fmaps[MAX_MAPS];
static Rt rt;

/* The runtime's parts that need the kernel. */

int rt_attach(Rt *r, uint32_t group)
{
	return 0;
}

void rt_detach(Rt *r)
{
}

void rt_output_free(Rt *r)
{
}

void rt_output_user(Rt *r, int ends_line)	/* no ring buffer to drain first */
{
}

char *rt_argstr(Rt *r, const uint8_t *rec, uint32_t size)	/* no tracefs */
{
	return xstrdup("");
}

void rt_argstr_free(Rt *r)
{
}

const char *rt_ksym(Rt *r, uint64_t addr, uint64_t *off)
{
	return NULL;
}

void rt_ksyms_free(Interp *I)
{
}

int libbpf_num_possible_cpus(void)
{
	return 1;
}

/* Maps in memory, with the kernel's answers. An array has every key. */

static FakeMap *fmap(int fd)
{
	return fd >= 0 && fd < MAX_MAPS && fmaps[fd].keys ? &fmaps[fd] : NULL;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int is_array(const FakeMap *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static long slot(const FakeMap *m, const void *key)
{
	if (is_array(m)) {
		uint32_t i;
		memcpy(&i, key, 4);
		return i < m->max ? (long)i : -1;
	}
	for (uint32_t i = 0; i < m->n; i++)
		if (!memcmp(m->keys + (size_t)i * m->ks, key, m->ks))
			return i;
	return -1;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	FakeMap *m = fmap(fd);
	long i = m ? slot(m, key) : -1;
	if (!m)
		return fail(EBADF);
	if (i < 0)
		return fail(ENOENT);
	memcpy(value, m->vals + i * m->vs, m->vs);
	return 0;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	FakeMap *m = fmap(fd);
	if (!m)
		return fail(EBADF);
	long i = slot(m, key);
	if (i >= 0 && flags == BPF_NOEXIST)
		return fail(EEXIST);
	if (i < 0 && (is_array(m) || flags == BPF_EXIST))
		return fail(is_array(m) ? E2BIG : ENOENT);
	if (i < 0) {
		if (m->n == m->max)
			return fail(E2BIG);
		i = m->n++;
		memcpy(m->keys + i * m->ks, key, m->ks);
	}
	memcpy(m->vals + i * m->vs, value, m->vs);
	return 0;
}

int bpf_map_delete_elem(int fd, const void *key)
{
	FakeMap *m = fmap(fd);
	if (!m || is_array(m))
		return fail(m ? EINVAL : EBADF);
	long i = slot(m, key);
	if (i < 0)
		return fail(ENOENT);
	m->n--;
	memmove(m->keys + i * m->ks, m->keys + (size_t)m->n * m->ks, m->ks);
	memmove(m->vals + i * m->vs, m->vals + (size_t)m->n * m->vs, m->vs);
	return 0;
}

int bpf_map_get_next_key(int fd, const void *key, void *next)
{
	FakeMap *m = fmap(fd);
	if (!m)
		return fail(EBADF);
	long i = key ? slot(m, key) + 1 : 0;	/* a key not there: from the first */
	if ((uint32_t)i >= (is_array(m) ? m->max : m->n))
		return fail(ENOENT);
	if (is_array(m))
		memcpy(next, &(uint32_t){ i }, 4);
	else
		memcpy(next, m->keys + i * m->ks, m->ks);
	return 0;
}

static uint32_t extent(const KtapArg *a, uint32_t n)
{
	uint64_t end = 1;
	for (uint32_t i = 0; i < n; i++)
		if ((uint64_t)a[i].off + a[i].size > end)
			end = (uint64_t)a[i].off + a[i].size;
	return end > 4096 ? 4096 : end;
}

static void add_map(const char *name, uint32_t type, uint32_t ks, uint32_t vs)
{
	if (rt_map(&rt, name) || rt.nmaps == MAX_MAPS)
		return;
	int fd = rt.nmaps++;
	uint32_t stride = type == BPF_MAP_TYPE_HASH ? vs : (vs + 7) & ~7u;
	fmaps[fd] = (FakeMap){ type, ks, stride, MAX_ENTRIES, 0, calloc(MAX_ENTRIES, ks), calloc(MAX_ENTRIES, stride) };
	rt.maps[fd] = (RtMap){ (char *)name, NULL, fd, type, ks, vs, MAX_ENTRIES, NULL };
	for (uint32_t i = 0; i < rt.meta.ntables; i++)
		if (!strcmp(rt.meta.tables[i].map, name))
			rt.maps[fd].table = &rt.meta.tables[i];
}

/* Tables are hashes of the size their layout says; other maps the code
 * names are small arrays. */
static void fake_maps(void)
{
	rt.maps = calloc(MAX_MAPS, sizeof *rt.maps);
	for (uint32_t i = 0; i < rt.meta.ntables; i++) {
		const KtapTable *t = &rt.meta.tables[i];
		add_map(t->map, BPF_MAP_TYPE_HASH, t->nkeys ? extent(t->keys, t->nkeys) : 8, extent(&t->value, 1));
	}
	for (uint32_t i = 0; i < rt.meta.nufuncs; i++)
		for (uint32_t k = 0; k < rt.meta.ufuncs[i].nrelocs; k++)
			if (rt.meta.ufuncs[i].relocs[k].kind == UREL_MAP)
				add_map(rt.meta.ufuncs[i].relocs[k].target, BPF_MAP_TYPE_ARRAY, 4, 8);
}

/* .bss, .data and .rodata of the file, as libbpf would map them. */
static void fake_data(void *image, size_t size)
{
	Elf *e = elf_memory(image, size);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		elf_end(e);
		return;
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name;
		int d;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    (d = data_sec_index(name)) < 0 || rt.data[d] || !sh.sh_size || sh.sh_size > MAX_DATA)
			continue;
		Elf_Data *ed = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
		rt.data[d] = calloc(1, sh.sh_size);
		rt.data_size[d] = sh.sh_size;
		if (ed && ed->d_buf)
			memcpy(rt.data[d], ed->d_buf, ed->d_size < sh.sh_size ? ed->d_size : sh.sh_size);
	}
	elf_end(e);
}

static void on_alarm(int sig)
{
	rt.stop = 1;
}

/* One user function, stopped after 20 ms of CPU if it runs away. */
static void call(const char *name)
{
	struct itimerval t = { .it_value = { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &t, NULL);
	rt_call(&rt, name);
	setitimer(ITIMER_PROF, &off, NULL);
	rt.stop = 0;
	rt.error = 0;
}

static void run(void)
{
	const KtapMeta *m = &rt.meta;
	if (m->main_func)
		call(m->main_func);
	for (uint32_t i = 0; i < m->nhandlers; i++)
		if (m->handlers[i].kind == H_TICK || m->handlers[i].kind == H_END)
			call(m->handlers[i].prog);
}

static void reset(void)
{
	rt_interp_free(&rt);
	ktapobj_free(&rt.meta);
	for (int i = 0; i < rt.nmaps; i++) {
		free(fmaps[i].keys);
		free(fmaps[i].vals);
	}
	memset(fmaps, 0, sizeof fmaps);
	free(rt.maps);
	for (int i = 0; i < RT_NDATA; i++)
		free(rt.data[i]);
	FILE *out = rt.opt.out;
	memset(&rt, 0, sizeof rt);
	rt.opt.out = out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rt.opt.out) {
		rt.opt.out = fopen("/dev/null", "w");
		signal(SIGPROF, on_alarm);
	}
	void *image = malloc(size + 1);	/* libelf may convert it in place */
	memcpy(image, data, size);
	const char *err;
	if (rt_read_object(&rt.meta, image, size, &err) == 0) {
		fake_maps();
		fake_data(image, size);
		if (rt_interp_prepare(&rt, &err) == 0)
			run();
	}
	reset();
	free(image);
	return 0;
}
