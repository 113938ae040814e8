/*
 * fuzz_schema_compile.c - compiling a JSON Schema document
 * (include/jsonschema.h): the input is read by the strict JSON reader, as
 * the tool reads schema files, and compiled in a fresh registry (formats as
 * assertions when the input's length is odd, to reach both settings).
 *
 * Invariants: a refused schema carries ERR_USAGE or ERR_IO and a message;
 * a compiled schema validates a few fixed instances without crashing, and
 * the fast (yes/no) and the detailed validation agree on each of them.
 * No file or network access: references to files that do not exist fail.
 */
#include "fuzz.h"

#include <cJSON.h>

#include "error.h"
#include "jsonread.h"
#include "jsonschema.h"

static const char *const instances[] = {
	"null", "true", "0", "-1.5", "12345678901234567890", "\"\"", "\"a\\u00e9b\"",
	"\"2024-02-30T10:00:00Z\"", "[]", "[1, \"a\", null, [2], {\"b\": false}]",
	"{}", "{\"a\": 1, \"b\": [1, 2, 2], \"c\": {\"d\": \"x\"}}",
};

#define N_INSTANCES (sizeof(instances) / sizeof(instances[0]))

static cJSON *parsed[N_INSTANCES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < N_INSTANCES; i++) {
		parsed[i] = cJSON_Parse(instances[i]);
		if (!parsed[i]) {
			fprintf(stderr, "fuzz_schema_compile: instance %zu does not parse\n", i);
			exit(2);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonschema_opts opts = { (int)(size & 1), 3 };
	struct jsonschema_registry *r;
	const struct jsonschema *s;
	struct error err;
	cJSON *doc;
	size_t i;

	error_clear(&err);
	doc = jsonread_parse((const char *)data, size, NULL, &err);
	if (!doc)
		return 0;
	r = jsonschema_registry_new(&opts);
	FUZZ_CHECK(r != NULL, "jsonschema_registry_new failed");
	s = jsonschema_compile_json(r, doc, NULL, &err);
	if (!s) {
		FUZZ_CHECK((err.code == ERR_USAGE || err.code == ERR_IO) && err.msg[0],
			   "refused schema with code %d and message \"%s\"", (int)err.code, err.msg);
	} else {
		for (i = 0; i < N_INSTANCES; i++) {
			struct jsonschema_result res;
			int fast = jsonschema_validate(s, parsed[i], NULL);
			int full = jsonschema_validate(s, parsed[i], &res);

			FUZZ_CHECK(fast == full, "instance %s: fast says %d, detailed says %d",
				   instances[i], fast, full);
			FUZZ_CHECK((full == 0) == (res.n_errors == 0),
				   "instance %s: result %d with %zu errors", instances[i], full,
				   res.n_errors);
			FUZZ_CHECK(res.n_stored <= res.n_errors && res.n_stored <= 3,
				   "instance %s: %zu stored of %zu errors (max 3)", instances[i],
				   res.n_stored, res.n_errors);
			jsonschema_result_release(&res);
		}
	}
	jsonschema_registry_free(r);
	cJSON_Delete(doc);
	return 0;
}
