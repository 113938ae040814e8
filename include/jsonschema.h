/*
 * jsonschema.h - JSON Schema draft 2020-12 validation on top of cJSON.
 *
 * Calling sequence:
 *   r = jsonschema_registry_new(&opts);          one registry per schema set
 *   jsonschema_registry_map_uri(r, prefix, dir)  optional, any number
 *   s = jsonschema_compile_file(r, path, &err)   or jsonschema_compile_json()
 *   jsonschema_validate(s, instance, &res)        any number of times, from
 *                                                 any number of threads
 *   jsonschema_result_release(&res)
 *   jsonschema_registry_free(r)                   frees every compiled schema
 *
 * Compiling walks the schema once into an internal form (references resolved
 * to pointers, regexes compiled, keyword arguments checked), so validation
 * never looks at the schema JSON again.  A compiled schema is immutable:
 * jsonschema_validate() only reads it, so one schema may be used from several
 * threads at once.  Registry functions (map_uri, compile_*) are not
 * thread-safe: finish compiling before validating in parallel.
 *
 * References are resolved without any network access: by "$id" among the
 * documents already loaded in the registry, by the bundled draft 2020-12
 * metaschemas, by URI-prefix to folder maps, and by file:// URIs (a schema
 * loaded from a file has a file:// base URI, so "$ref": "other.json" finds the
 * file next to it).
 *
 * Ownership: the registry owns every document it loads and every compiled
 * schema; `const struct jsonschema *` pointers stay valid until
 * jsonschema_registry_free().  Results own their error array and are released
 * with jsonschema_result_release().
 *
 * Dialect: draft 2020-12 with every vocabulary (core, applicator, unevaluated,
 * validation, meta-data, content as annotations, format).  A "$schema" naming
 * a custom metaschema is honoured through its "$vocabulary" (an unknown
 * required vocabulary is a schema error; format-assertion turns "format" into
 * an assertion).  For older schemas, "dependencies" and (under an older
 * "$schema") array-form "items"/"additionalItems" are understood too.  The
 * first document to claim an "$id" keeps it.
 *
 * Limits: "pattern" is ECMA-262 translated to PCRE2 (UTF mode; \d \w \b are
 * ASCII, \s and \p{...} are Unicode); PCRE2 10.42 rejects variable-width
 * lookbehind.  Strings are cJSON's NUL-terminated strings, so a "\u0000"
 * inside a string ends it for the string keywords.  Validation recursion is
 * bounded (1000 nested schema evaluations, about 0.5 KB of stack each);
 * beyond it, and on a $ref cycle that does not consume the instance, the
 * instance is reported invalid with "schema recursion too deep".
 */
#ifndef WSM_JSONSCHEMA_H
#define WSM_JSONSCHEMA_H

#include <stddef.h>

#include "cJSON.h"
#include "error.h"

struct jsonschema_registry;   /* loaded documents and compiled schemas */
struct jsonschema;            /* one compiled schema, owned by its registry */

/* Default number of errors reported in detail per instance. */
#define JSONSCHEMA_MAX_ERRORS_DEFAULT 20

struct jsonschema_opts {
	int assert_formats;   /* non-zero: "format" is an assertion, not an annotation */
	size_t max_errors;    /* errors kept in detail per validation; 0 => 20 */
};

/*
 * Create an empty registry.  `opts` may be NULL for the defaults (formats are
 * annotations, 20 detailed errors).  Returns NULL only when out of memory.
 */
struct jsonschema_registry *jsonschema_registry_new(const struct jsonschema_opts *opts);

/* Free the registry, its documents and every schema compiled in it.  Accepts NULL. */
void jsonschema_registry_free(struct jsonschema_registry *r);

/*
 * Serve URIs starting with `prefix` from the folder `dir`: the rest of the URI
 * after the prefix is taken as a path relative to `dir`.  For example
 * prefix "http://localhost:1234/" and dir "remotes" make
 * "http://localhost:1234/a/b.json" load "remotes/a/b.json".  The longest
 * matching prefix wins.  Returns 0, or non-zero with `err` filled (ERR_USAGE
 * for an empty prefix, ERR_IO when out of memory).
 */
int jsonschema_registry_map_uri(struct jsonschema_registry *r, const char *prefix,
				const char *dir, struct error *err);

/*
 * The same from one "PREFIX=DIR" string (the --map-uri form).  ERR_USAGE
 * naming the string when it has no '='.
 */
int jsonschema_registry_map_uri_spec(struct jsonschema_registry *r,
				     const char *spec, struct error *err);

/*
 * Load the schema file `path` and compile it.  Its base URI is the file://
 * URI of its absolute path unless it declares an absolute "$id" (relative
 * references then still find files next to it).  Compiling the same path
 * twice returns the same schema.  Returns NULL on failure with `err` (may be
 * NULL) filled: ERR_IO when the file cannot be read, ERR_USAGE when it is not
 * JSON (with line and column) or not a valid schema (err->path is the file of
 * the problem, err->pointer the JSON Pointer of the offending value in it,
 * err->msg starts with "invalid schema: ").  A failed compilation leaves the
 * registry usable.
 */
const struct jsonschema *jsonschema_compile_file(struct jsonschema_registry *r,
						 const char *path, struct error *err);

/*
 * Compile a schema given as JSON.  `doc` is copied (the caller keeps
 * ownership of its value).  `base_uri` is the URI the schema is known by
 * when it has no absolute "$id"; NULL gives it a unique "urn:" URI.  Errors
 * as for jsonschema_compile_file(), with err->path = the base URI.
 */
const struct jsonschema *jsonschema_compile_json(struct jsonschema_registry *r,
						 const cJSON *doc, const char *base_uri,
						 struct error *err);

/* One validation failure.  Strings are always NUL-terminated (and may be cut). */
struct jsonschema_error {
	char instance_location[512];          /* JSON Pointer into the instance, "" = root */
	char keyword_location[1024];          /* evaluation path, e.g. "/properties/a/$ref/type" */
	char absolute_keyword_location[1024]; /* "<schema uri>#<pointer>/<keyword>" */
	char message[512];                    /* e.g. "expected integer, got string" */
};

struct jsonschema_result {
	size_t n_errors;                  /* total number of errors found */
	size_t n_stored;                  /* entries in `errors` (at most max_errors) */
	struct jsonschema_error *errors;  /* the first n_stored errors, in order */
};

/*
 * Validate `instance` against `s`.  Returns 0 when valid, 1 when invalid.
 * When `res` is non-NULL it is (re)initialised and receives every error
 * (counted) and the first max_errors of them in detail; release it with
 * jsonschema_result_release() even when valid.  Errors inside subschemas that
 * may fail (anyOf, oneOf, not, if, contains) are not reported as such: the
 * keyword itself fails, and for anyOf/oneOf the errors of the closest branch
 * follow.  With `res` NULL the validation stops at the first failure (fast
 * yes/no answer).
 * Reentrant and thread-safe: `s` and `instance` are only read.  A schema that
 * recurses without consuming the instance (a $ref cycle) is reported as an
 * error "schema recursion too deep" rather than overflowing the stack.
 */
int jsonschema_validate(const struct jsonschema *s, const cJSON *instance,
			struct jsonschema_result *res);

/* Free the contents of `res` (not `res` itself) and zero it.  Accepts NULL. */
void jsonschema_result_release(struct jsonschema_result *res);

/*
 * Check `value` (NUL-terminated UTF-8) against the format named `format`
 * ("date-time", "email", "ipv4", ...).  Returns 1 when it conforms, 0 when not,
 * -1 when the format is unknown (unknown formats are never an error).
 */
int jsonschema_check_format(const char *format, const char *value);

#endif
