/* libFuzzer target: any source text goes through the whole compiler to an
 * object file; nothing may crash, hang or leak. Hermetic: events, kernel
 * functions and kernel types come from the tests' fake tracefs, kallsyms
 * and BTF, diagnostics go nowhere, the object stays in memory; no file is
 * opened for writing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/compile.h"

static ssize_t discard(void *cookie, const char *buf, size_t n)
{
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("KTAP_TRACEFS", KTAP_FUZZ_TRACEFS, 1);
	setenv("KTAP_KALLSYMS", KTAP_FUZZ_KALLSYMS, 1);
	setenv("KTAP_BTF", KTAP_FUZZ_BTF, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = discard });
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	Source src = { "fuzz.kp", text, size };
	Diag *d = diag_new(&src, sink, DIAG_TEXT);
	Buf image = {0};
	CompileOptions opt = { .emit = EMIT_OBJ, .image = &image };
	compile_source(&src, &opt, d, sink);
	diag_free(d);
	buf_free(&image);
	free(text);
	return 0;
}
