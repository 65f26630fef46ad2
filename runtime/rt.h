/* The runtime: the contract between its parts (loader, interpreter, user
 * helpers, output, attach, the run loop) and the ktap command. The runtime
 * depends on the object format (common/ktapobj.h, common/uhelpers.h), never
 * on the compiler. */
#ifndef KTAP_RT_H
#define KTAP_RT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "../common/datasec.h"
#include "../common/ktapobj.h"

/* The data maps, in the order of common/datasec.h. */
enum { RT_BSS = DATA_BSS, RT_DATA = DATA_DATA, RT_RODATA = DATA_RODATA, RT_NDATA = DATA_NSEC };

typedef struct RtMap {
	char *name;
	struct bpf_map *map;
	int fd;
	uint32_t type, key_size, value_size, max_entries;
	const KtapTable *table;	/* the script table it holds, or NULL */
} RtMap;

/* A tick handler's timer: the run loop calls its function when fd is readable. */
typedef struct RtTimer {
	int fd;			/* a timerfd */
	const KtapHandler *h;
} RtTimer;

/* Where the script's output goes (output.c): one line-buffered stream for
 * both contexts, every write checked; the first error ends the run. */
typedef struct RtSink {
	FILE *f;
	const char *path;	/* -o FILE, or NULL: standard output */
	int fd;
	int err;		/* the first write error (an errno), 0: none */
	volatile sig_atomic_t *stop;	/* set on an error: the run's rt->stop */
} RtSink;

typedef struct RtOptions {
	FILE *out;		/* the sink's stream (a memory stream in unit tests) */
	RtSink *sink;		/* NULL in unit tests */
	int quiet;		/* -q: no banner */
	int verbose;		/* -v: say what is loaded and attached; full verifier logs */
	int timestamps;		/* -T: a timestamp before each line of kernel output */
	int json;		/* -f json: every output a JSON object (docs/json.md) */
	int dry_run;		/* -d: load and verify, attach nothing, run nothing */
	int pid;		/* -p PID, 0: all */
	double seconds;		/* -t SECONDS, 0: no limit */
	char **args;		/* the script's arguments: args[0] is the script path */
	int nargs;
	char **cmd;		/* -- CMD ARGS (NULL-terminated), or NULL */
} RtOptions;

typedef struct Rt {
	RtOptions opt;
	struct bpf_object *obj;
	KtapMeta meta;
	RtMap *maps;
	int nmaps;
	uint8_t *data[RT_NDATA];	/* the global data maps, mmap-ed (NULL if absent) */
	size_t data_size[RT_NDATA];

	/* the run */
	volatile sig_atomic_t stop;	/* end the run: signal, exit(), -t, end of CMD */
	int error;			/* a run-time error happened: exit status 1 */
	struct bpf_link **links;
	int nlinks;
	int *raw_fds;		/* raw tracepoint links with cookies (libbpf 1.1
				   cannot give those a cookie): released by close */
	int nraw_fds;
	int *attached;			/* per handler: attached already */
	int registered;			/* handlers registered (the run waits for events) */
	RtTimer *timers;		/* tick handlers (attach.c) */
	int ntimers;
	int end_handler;		/* the last trace_end registered, or -1 */
	void *interp;			/* the interpreter's state (interp.c) */
	void *out;			/* the output's state (output.c) */
	void *argstr;			/* the event formats argstr renders with (argstr.c) */
	void *usyms;			/* the user files symbols come from (usyms.c) */
} Rt;

/* load.c: open an object file, read its .ktap sections, load it (the kernel
 * verifies every program), find its maps and data. Errors are reported on
 * stderr; a verifier rejection names the script line it happened at. */
int rt_open(Rt *rt, const char *path);
void rt_close(Rt *rt);		/* detaches and frees everything */
/* The .ktap sections of an object file's bytes (buf: a copy libelf may
 * change), read and checked without the kernel. 0, or -1 with *err to
 * follow the quoted file name: " is not an eBPF object file", " is not a
 * ktap object: why" or ": bad object: what". */
int rt_read_object(KtapMeta *m, void *buf, size_t size, const char **err);
RtMap *rt_map(Rt *rt, const char *name);
/* Mount tracefs at /sys/kernel/tracing when no tracefs is there and we may
 * (the compiler reads event formats from it too). */
void rt_mount_tracefs(void);

/* interp.c: run a user-context function (main chunk, tick, trace_end).
 * Returns 0, or -1 after a run-time error was reported (rt->error set). */
int rt_interp_init(Rt *rt);
int rt_call(Rt *rt, const char *func);
void rt_interp_free(Rt *rt);

/* helpers.c: the user-context helpers (common/uhelpers.h) and the kernel
 * helpers user-context code calls; r1..r5 in, the result out. */
int rt_helper(Rt *rt, int id, const uint64_t args[5], uint64_t *ret);

/* format.c: print a payload with a format of .ktap.formats; print a table
 * as a histogram (docs/language.md §9). Into rt->opt.out from user context,
 * the kernel records that came before go out first (rt_output_user). */
void rt_format(Rt *rt, FILE *out, const KtapFormat *f, const uint8_t *payload);
void rt_print_hist(Rt *rt, FILE *out, RtMap *m, int64_t rows);
void rt_print_key(Rt *rt, FILE *out, const RtMap *m, const uint8_t *key);
/* print_agg.c: an aggregation (common/agg.h), per key; lin: print_lhist's
 * min, max, step. The row formatters are separate for the unit tests. */
typedef enum { AGG_LOG2_HIST, AGG_LIN_HIST, AGG_STATS } AggPrint;
void rt_print_agg(Rt *rt, FILE *out, RtMap *m, AggPrint how, const int64_t lin[3]);
void agg_merge(uint8_t *val, const uint8_t *all, int ncpus, size_t stride, uint32_t size);
void agg_print_log2(FILE *out, const uint64_t *b, int n);
void agg_print_linear(FILE *out, const uint64_t *b, int64_t min, int64_t max, int64_t step);

/* argstr.c: a raw tracepoint record (size bytes copied, its event named by
 * its common_type) as ftrace prints the event, in a new string; a record
 * whose dynamic data the copy cut short says so at the end. */
char *rt_argstr(Rt *rt, const uint8_t *rec, uint32_t size);
void rt_argstr_free(Rt *rt);

/* stack.c: a stack value with its frames symbolized, from "<stack trace>"
 * to the last frame (no newline after it). */
void rt_print_stack(Rt *rt, FILE *out, uint64_t v);

/* usyms.c: a user address as "func+0xoff (file)", or in hex when nothing
 * resolves it: a build id and a file offset, or an address in process pid. */
void rt_usym_build_id(Rt *rt, int pid, const uint8_t id[20], uint64_t off, char *buf, size_t size);
void rt_usym_ip(Rt *rt, int pid, uint64_t ip, char *buf, size_t size);
void rt_usyms_cmd(Rt *rt, const char *cmd_path);	/* remember CMD's program */
void rt_usyms_free(Rt *rt);

/* attach.c: attach every handler of a group (the KH_ATTACH helper). */
int rt_attach(Rt *rt, uint32_t group);
/* The run has ended: handlers stop counting and printing, and those that
 * were running have finished. Their links stay until rt_detach, which
 * releases them in parallel. */
void rt_stop_handlers(Rt *rt);
void rt_detach(Rt *rt);

/* output.c: the sink, and the ring buffer of kernel records. */
int rt_sink_open(RtSink *s, const char *path);	/* NULL: standard output */
int rt_sink_close(RtSink *s);	/* the exit status the output decides: 0, 1, 141 */
int rt_output_init(Rt *rt);
int rt_output_fd(Rt *rt);	/* an fd readable when records wait, or -1 */
int rt_output_poll(Rt *rt, int timeout_ms);	/* formats what arrived, a batch at most; 0 ms: no wait */
void rt_output_drain(Rt *rt);	/* everything there: once the handlers have stopped */
void rt_output_user(Rt *rt, int ends_line);	/* user context prints a line, or a part */
void rt_output_report(Rt *rt);	/* drops and full tables, once at the end */
void rt_output_free(Rt *rt);

/* run.c: the whole run in the order of docs/language.md §1. Returns the exit
 * status: 1 after an error of ktap's, else CMD's when CMD ended the run
 * (128 + N when signal N killed it), else 0. */
int rt_run(Rt *rt);

/* json.c: with -f json, the run's first line (the schema's version) and
 * its last (the exit status rt_run returns). */
void rt_json_header(Rt *rt);
void rt_json_end(Rt *rt, int status);

#endif
