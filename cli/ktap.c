/* ktap: run a ktap script. A script (FILE.kp or -e) is compiled in this
 * process into an anonymous memory file and run from there; an object
 * compiled by ktapc runs as it is. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include "cli/compile.h"
#include "cli/list.h"
#include "common/events.h"
#include "common/util.h"
#include "runtime/rt.h"

#define KTAP_VERSION "0.1"

typedef struct Options {
	const char *file;	/* the script or object, or NULL with -e */
	const char *text;	/* -e TEXT */
	const char *output;	/* -o FILE */
	int error_limit;	/* -ferror-limit=N */
	int list;		/* -l [GLOB]: list events (the glob in file) */
	const char *events;	/* -l --events FILE: list a snapshot's events */
	CompileOptions c;
	RtOptions rt;
} Options;

static void usage(FILE *out)
{
	fputs("usage: ktap [options] FILE.kp [ARGS...] [-- CMD [CMD-ARGS...]]\n"
	      "       ktap [options] FILE.o [ARGS...] [-- CMD...]\n"
	      "       ktap [options] -e 'SCRIPT' [ARGS...] [-- CMD...]\n"
	      "       ktap -l [GLOB] | -lv [GLOB]\n"
	      "Compile a ktap script, load it into the kernel and run it until Ctrl-C.\n"
	      "ARGS are the script's arg table (arg[0] is the script, arg[1] the first).\n"
	      "options:\n"
	      "  -e SCRIPT        run SCRIPT instead of a file ('-' as FILE: standard input)\n"
	      "  -o FILE          write the script's output to FILE instead of standard output\n"
	      "  -f FORMAT        output format: text (default) or json (one JSON object per line,\n"
	      "                   docs/json.md; compile errors as JSON diagnostics on stderr)\n"
	      "  -q               quiet: no \"Tracing...\" banner\n"
	      "  -v               verbose: say what is loaded and attached; libbpf's messages and\n"
	      "                   the verifier's whole log when it rejects a program\n"
	      "  -p PID           only events of process PID\n"
	      "  -T               a timestamp (time of delivery) before each line from the kernel\n"
	      "  -d               dry run: compile, load and verify, attach and run nothing\n"
	      "  -t SECONDS       stop after SECONDS (may be fractional)\n"
	      "  -- CMD ARGS      start CMD once the probes are attached; the run ends when it exits\n"
	      "                   (a CMD still running at the end gets SIGTERM, SIGKILL 2 s later)\n"
	      "  --strlen N       bytes in a string buffer (default 64, multiple of 8)\n"
	      "  --table-size N   default table capacity (default 2048)\n"
	      "  --unsafe-limits  lift the safe limits on sampling rates and table memory\n"
	      "  -ferror-limit=N  stop compiling after N errors (default 20; 0: no limit)\n"
	      "  -l [GLOB]        list the tracepoints a script can trace (all, or those GLOB matches,\n"
	      "                   as in 'trace GLOB'); -lv: each with its fields, types and argN\n"
	      "  --events FILE    with -l: list the events of a snapshot (ktapc --save-events)\n"
	      "  -V, --version    print the version\n"
	      "  -h, --help       print this help\n"
	      "The script runs until Ctrl-C, SIGTERM, exit(), the end of CMD or -t; a second\n"
	      "Ctrl-C ends ktap at once. Exit status: 1 after a compile, load, run-time or\n"
	      "output error; else CMD's status when CMD ended the run (128+N: killed by signal\n"
	      "N); else 0. Loading needs root (or the capabilities CAP_BPF and CAP_PERFMON).\n", out);
}

/* An error of the driver, as text or, after -f json, as a JSON document of
 * one diagnostic (docs/diagnostics.md). Returns 1, the exit status. */
static int driver_error(const Options *o, DiagCode code, const char *fmt, ...)
{
	Source src = { .name = "ktap" };
	Diag *d = diag_new(&src, stderr, o->rt.json ? DIAG_JSON : DIAG_TEXT);
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(d, DIAG_ERROR, code, (Loc){0}, fmt, ap);
	va_end(ap);
	diag_free(d);
	return 1;
}

static int need(const Options *o, int argc, char **argv, int i)
{
	if (i + 1 < argc)
		return 0;
	return driver_error(o, DC_DRIVER_ARGUMENT, "'%s' needs an argument", argv[i]);
}

static int number(const Options *o, const char *opt, const char *s, double lo, double hi, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= lo && *v <= hi)) {
		const char *sep = opt[strlen(opt) - 1] == '=' ? "" : " ";	/* -ferror-limit=N */
		return driver_error(o, DC_DRIVER_ARGUMENT, "'%s%s%s': expected a number from %.15g to %.15g",
				    opt, sep, s, lo, hi);
	}
	return 0;
}

static int output_format(const char *name, Options *o)
{
	if (strcmp(name, "text") && strcmp(name, "json")) {
		return driver_error(o, DC_DRIVER_ARGUMENT, "'-f %s': expected text or json", name);
	}
	o->rt.json = !strcmp(name, "json");
	return 0;
}

/* Options come first; the first other word is the script, the words after
 * it its arguments, up to "--". Returns 0, or the exit status. */
static int parse_args(int argc, char **argv, Options *o)
{
	int i;
	double v;
	for (i = 1; i < argc && !o->file; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("ktap %s (libbpf %s)\n", KTAP_VERSION, libbpf_version_string());
			exit(0);
		} else if (!strcmp(a, "-e") || !strcmp(a, "-o")) {
			if (need(o, argc, argv, i))
				return 1;
			*(a[1] == 'e' ? &o->text : &o->output) = argv[++i];
			if (a[1] == 'e') {
				i++;
				break;	/* the rest are the script's arguments */
			}
		} else if (!strcmp(a, "-f")) {
			if (need(o, argc, argv, i) || output_format(argv[++i], o))
				return 1;
		} else if (!strcmp(a, "--events")) {
			if (need(o, argc, argv, i))
				return 1;
			o->events = argv[++i];
		} else if (!strcmp(a, "-l") || !strcmp(a, "-lv")) {
			o->list = 1;
			o->rt.verbose |= a[2] == 'v';
		} else if (!strcmp(a, "-q")) {
			o->rt.quiet = 1;
		} else if (!strcmp(a, "-v")) {
			o->rt.verbose = 1;
		} else if (!strcmp(a, "-T")) {
			o->rt.timestamps = 1;
		} else if (!strcmp(a, "-d")) {
			o->rt.dry_run = 1;
		} else if (!strcmp(a, "--unsafe-limits")) {
			o->c.unsafe_limits = 1;
		} else if (!strncmp(a, "-ferror-limit=", 14)) {
			if (number(o, "-ferror-limit=", a + 14, 0, 1000000, &v))
				return 1;
			o->error_limit = v;
		} else if (!strcmp(a, "-p") || !strcmp(a, "-t") || !strcmp(a, "--strlen") ||
			   !strcmp(a, "--table-size")) {
			if (need(o, argc, argv, i))
				return 1;
			const char *s = argv[++i];
			if (a[1] == 'p') {
				if (number(o, a, s, 1, 4194304, &v) || (kill(v, 0) < 0 && errno == ESRCH)) {
					if (errno == ESRCH)
						driver_error(o, DC_DRIVER_ARGUMENT, "-p %s: no such process", s);
					return 1;
				}
				o->rt.pid = v;
			} else if (a[1] == 't') {
				if (number(o, a, s, 0.001, 1e9, &v))
					return 1;
				o->rt.seconds = v;
			} else if (a[2] == 's') {
				if (number(o, a, s, 8, 4096, &v))
					return 1;
				o->c.strlen = ((int)v + 7) & ~7;
			} else {
				if (number(o, a, s, 1, 1 << 28, &v))
					return 1;
				o->c.table_size = v;
			}
		} else if (a[0] == '-' && a[1]) {	/* "-" alone is standard input */
			return driver_error(o, DC_DRIVER_OPTION, "unknown option '%s' (see ktap --help)", a);
		} else {
			o->file = a;
		}
	}
	if (o->list && (o->text || i < argc))
		return driver_error(o, DC_DRIVER_USAGE, "-l takes at most one GLOB (see ktap --help)");
	if (o->list)
		return 0;
	if (o->events)	/* a run's object must carry this kernel's event IDs */
		return driver_error(o, DC_DRIVER_USAGE, "--events is for -l: a run reads the running "
				    "kernel's events");
	if (o->rt.json && o->rt.timestamps) {	/* a time would belong in the object, not before it */
		return driver_error(o, DC_DRIVER_USAGE, "-T cannot be used with -f json");
	}
	if (!o->file && !o->text) {
		return driver_error(o, DC_DRIVER_USAGE, "no script given (see ktap --help)");
	}
	/* arg[0] is the script, then the words up to "--" */
	o->rt.args = xcalloc(argc + 1, sizeof(char *));
	o->rt.args[o->rt.nargs++] = (char *)(o->file ? o->file : "-e");
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		/* "ktap -e '...' -t 1" would otherwise run for ever */
		if (argv[i][0] == '-' && isalpha((unsigned char)argv[i][argv[i][1] == '-' ? 2 : 1]))
			fprintf(stderr, "ktap: warning: '%s' after the script is the script's "
				"arg[%d], not an option of ktap (options go before the script)\n",
				argv[i], o->rt.nargs);
		o->rt.args[o->rt.nargs++] = argv[i];
	}
	if (i < argc) {
		if (i + 1 == argc) {
			return driver_error(o, DC_DRIVER_USAGE, "'--' needs a command after it");
		}
		o->rt.cmd = argv + i + 1;
	}
	return 0;
}

/* Compile the script into a memory file; its /proc path in *path. Returns
 * the memory file's fd, or -1 after the compiler reported the errors. */
static int compile(Options *o, char **path)
{
	Source src = { .name = o->file ? o->file : "<command line>" };
	char *text = NULL;
	if (o->file) {
		if (!(text = read_whole_file(o->file, &src.len))) {
			driver_error(o, DC_DRIVER_READ, "cannot read '%s': %s", o->file, strerror(errno));
			return -1;
		}
		src.text = text;
	} else {
		src.text = o->text;
		src.len = strlen(o->text);
	}
	int fd = memfd_create("ktap-object", MFD_CLOEXEC);
	if (fd < 0) {
		driver_error(o, DC_DRIVER_SYSTEM, "memfd_create: %s", strerror(errno));
		free(text);
		return -1;
	}
	*path = xasprintf("/proc/self/fd/%d", fd);
	o->c.output = *path;
	o->c.emit = EMIT_OBJ;
	o->c.no_pid_filter = o->rt.pid == 0;
	Diag *d = diag_new(&src, stderr, o->rt.json ? DIAG_JSON : DIAG_TEXT);
	diag_set_error_limit(d, o->error_limit);
	int rc = compile_source(&src, &o->c, d, stdout);
	diag_free(d);
	free(text);
	if (rc) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An object file (ELF, or named *.o) runs as it is; anything else is a script. */
static int is_object(const char *path)
{
	size_t len = strlen(path);
	if (len > 2 && !strcmp(path + len - 2, ".o"))
		return 1;
	char magic[4] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(magic, 1, 4, f);
	fclose(f);
	return n == 4 && !memcmp(magic, "\177ELF", 4);
}

/* Root, or the capabilities to load and attach BPF programs. Checked first,
 * so that a user gets one sentence and not the compiler's complaint about
 * tracefs or libbpf's about the bpf() system call. */
static int privileged(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	if (syscall(SYS_capget, &h, d) < 0)
		return 1;	/* let the kernel decide */
#define HAS(cap) (d[(cap) / 32].effective & (1u << ((cap) % 32)))
	return HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON));
#undef HAS
}

/* The script's arguments into its arg table: number key -> string. */
static int fill_args(Rt *rt)
{
	RtMap *m = rt_map(rt, "arg");
	if (!m)
		return 0;
	if ((uint32_t)rt->opt.nargs > m->max_entries) {
		fprintf(stderr, "ktap: error: %d script arguments: at most %u\n", rt->opt.nargs - 1,
			m->max_entries - 1);
		return -1;
	}
	char *val = xcalloc(1, m->value_size);
	for (int i = 0; i < rt->opt.nargs; i++) {
		int64_t key = i;
		memset(val, 0, m->value_size);
		strncpy(val, rt->opt.args[i], m->value_size - 1);
		if (bpf_map_update_elem(m->fd, &key, val, BPF_ANY) < 0) {
			fprintf(stderr, "ktap: error: cannot store arg[%d]: %s\n", i, strerror(errno));
			free(val);
			return -1;
		}
	}
	free(val);
	return 0;
}

int main(int argc, char **argv)
{
	Options o = { .error_limit = DIAG_ERROR_LIMIT };
	int status = parse_args(argc, argv, &o);
	if (status) {
		free(o.rt.args);
		return status;
	}
	const char *why;
	if (o.events && events_use_snapshot(o.events, &why) < 0) {
		fprintf(stderr, "ktap: error: %s\n", why);
		return 1;
	}
	if (o.list)	/* needs no privileges: reading tracefs may be allowed */
		return list_events(o.file ? o.file : "*:*", o.rt.verbose);
	if (!privileged()) {
		fputs("ktap: error: ktap needs root (or the capabilities CAP_BPF and CAP_PERFMON) "
		      "to load BPF programs\n", stderr);
		free(o.rt.args);
		return 1;
	}
	char *path = NULL;
	int fd = -1;
	rt_mount_tracefs();
	if (o.file && is_object(o.file))
		path = xstrdup(o.file);
	else if ((fd = compile(&o, &path)) < 0) {
		free(path);
		free(o.rt.args);
		return 1;
	}
	RtSink sink;
	if (rt_sink_open(&sink, o.output) < 0) {
		status = 1;
	} else {
		o.rt.sink = &sink;
		o.rt.out = sink.f;
		Rt rt = { .opt = o.rt };
		status = rt_open(&rt, path) < 0 || fill_args(&rt) < 0 ? 1 : rt_run(&rt);
		rt_close(&rt);
		int out_status = rt_sink_close(&sink);	/* an output error decides */
		status = out_status ? out_status : status;
	}
	if (fflush(stderr) || ferror(stderr))	/* no one to tell, but not a success */
		status = status ? status : 1;
	if (fd >= 0)
		close(fd);
	free(path);
	free(o.rt.args);
	return status;
}
