/* libFuzzer target: any source text goes through the whole compiler to an
 * object file; nothing may crash, hang or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	Source src = { "fuzz.kp", text, size };
	Diag *d = diag_new(&src, null, DIAG_TEXT);
	CompileOptions opt = { .emit = EMIT_OBJ, .output = "/dev/null" };
	compile_source(&src, &opt, d, null);
	diag_free(d);
	free(text);
	return 0;
}
