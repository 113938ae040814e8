/*
 * cmd_validate.c - `wsmigrate validate`: the dry-run validation report of
 * a tree (text, JSON or HTML), or `--against SCHEMA FILE...` to check
 * files against one schema with no manifest, as ajv-cli does.
 * It writes nothing but the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"
#include "jsonread.h"
#include "jsonschema.h"
#include "manifest.h"
#include "pipeline.h"
#include "report.h"
#include "util.h"

#define MAX_MAP_URI 32

enum {
	OPT_SCHEMA = 256, OPT_FORMAT, OPT_AGAINST, OPT_MAP_URI,
	OPT_ASSERT_FORMATS, OPT_MAX_FILE, OPT_AS
};

static const struct option long_opts[] = {
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "against", required_argument, NULL, OPT_AGAINST },
	{ "map-uri", required_argument, NULL, OPT_MAP_URI },
	{ "assert-formats", no_argument, NULL, OPT_ASSERT_FORMATS },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE },
	{ "as", required_argument, NULL, OPT_AS },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate validate TREE|FILE|- [--schema DIR] [--format text|json|html] [-o FILE|-]\n"
	"       wsmigrate validate --against SCHEMA.json [--format text|json] FILE...\n\n"
	"Runs walk, classify, read, parse, validate and map, and writes nothing but the\n"
	"report. Exit status: 0 every file valid, 1 some file invalid, 2 usage error.\n\n"
	"  --schema DIR           folder with migration.json\n"
	"  --format text|json|html  report format (default text)\n"
	"  -o, --output FILE      write the report to FILE instead of stdout (-: stdout)\n"
	"  --as PATH              classify a single FILE (or - for standard input) as if\n"
	"                         it were at PATH in the tree (default: FILE's own path,\n"
	"                         stdin.json for standard input)\n"
	"  --against SCHEMA       validate FILE... against one schema, no manifest\n"
	"  --map-uri PREFIX=DIR   resolve $refs under PREFIX from DIR (repeatable)\n"
	"  --assert-formats       make JSON Schema \"format\" an assertion\n"
	"  --max-file-size N      refuse larger files (default 64M)\n"
	"  -q, --quiet            errors only: no progress line; in text, nothing when every\n"
	"                         file is valid, else only the invalid files and the verdict\n"
	"  -v, --verbose          list every invalid file (text lists stop at 20)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  wsmigrate validate agent-tree --format html -o report.html\n"
	"  wsmigrate validate --against status.schema.json agent-tree/*/status.json\n";

struct validate_ctx {
	struct report *rep;
	int quiet;
};

static void on_file(void *ctx, const struct pipeline_file *f)
{
	report_add_file(((struct validate_ctx *)ctx)->rep, f);
}

static void on_ignored(void *ctx, const char *path)
{
	report_add_ignored(((struct validate_ctx *)ctx)->rep, path);
}

static void on_run_warning(void *ctx, const struct warning_entry *w)
{
	report_add_run_warning(((struct validate_ctx *)ctx)->rep, w);
}

/* One file against one schema; prints its errors.  Returns 0 valid, 1 invalid. */
static int check_one(const struct jsonschema *js, const char *path, size_t max,
		     int json, int *first, FILE *out)
{
	struct jsonread_opts jo = { 0, path, NULL };
	struct jsonschema_result res;
	struct error e;
	char *buf = NULL;
	size_t len, i;
	cJSON *root = NULL;
	int bad = 0;

	memset(&res, 0, sizeof(res));
	error_clear(&e);
	if (util_read_file(path, max, &buf, &len, &e) ||
	    !(root = jsonread_parse(buf, len, &jo, &e))) {
		char line[ERROR_MSG_MAX + ERROR_PATH_MAX + 64];

		snprintf(e.path, sizeof(e.path), "%s", path);
		/* format first: an argument list does not order its evaluation */
		error_format(&e, line, sizeof(line));
		if (json) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, *first ? "\n    {\"path\": " : ",\n    {\"path\": ");
			strbuf_add_json_string(&sb, path, strlen(path));
			strbuf_addstr(&sb, ", \"valid\": false, \"error_count\": 1, \"errors\": [{\"instanceLocation\": \"\", \"keywordLocation\": \"\", \"error\": ");
			strbuf_add_json_string(&sb, line, strlen(line));
			strbuf_addstr(&sb, "}]}");
			fputs(sb.buf, out);
			strbuf_release(&sb);
		} else {
			fprintf(out, "%s\n", line);
		}
		*first = 0;
		free(buf);
		return 1;
	}
	bad = jsonschema_validate(js, root, &res) != 0;
	if (json) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, *first ? "\n    {\"path\": " : ",\n    {\"path\": ");
		strbuf_add_json_string(&sb, path, strlen(path));
		strbuf_addf(&sb, ", \"valid\": %s, \"error_count\": %zu, \"errors\": [",
			    bad ? "false" : "true", res.n_errors);
		for (i = 0; i < res.n_stored; i++) {
			strbuf_addstr(&sb, i ? ", {\"instanceLocation\": " : "{\"instanceLocation\": ");
			strbuf_add_json_string(&sb, res.errors[i].instance_location,
					       strlen(res.errors[i].instance_location));
			strbuf_addstr(&sb, ", \"keywordLocation\": ");
			strbuf_add_json_string(&sb, res.errors[i].keyword_location,
					       strlen(res.errors[i].keyword_location));
			strbuf_addstr(&sb, ", \"error\": ");
			strbuf_add_json_string(&sb, res.errors[i].message,
					       strlen(res.errors[i].message));
			strbuf_addstr(&sb, "}");
		}
		strbuf_addstr(&sb, "]}");
		fputs(sb.buf, out);
		strbuf_release(&sb);
	} else if (bad) {
		for (i = 0; i < res.n_stored; i++)
			fprintf(out, "%s: %s: %s  (%s)\n", path,
				res.errors[i].instance_location[0] ? res.errors[i].instance_location : "/",
				res.errors[i].message, res.errors[i].keyword_location);
		if (res.n_errors > res.n_stored)
			fprintf(out, "%s: ... and %zu more errors\n", path, res.n_errors - res.n_stored);
	} else {
		fprintf(out, "%s: valid\n", path);
	}
	*first = 0;
	jsonschema_result_release(&res);
	cJSON_Delete(root);
	free(buf);
	return bad;
}

static int validate_against(const char *schema, char **files, int n, int json,
			    const char *const *map_uri, size_t n_map, int assert_formats,
			    size_t max, FILE *out, struct error *err)
{
	struct jsonschema_opts jo = { assert_formats, 0 };
	struct jsonschema_registry *reg = jsonschema_registry_new(&jo);
	const struct jsonschema *js;
	int i, bad = 0, first = 1, rc = 0;
	size_t k;

	if (!reg)
		return error_set(err, ERR_IO, "out of memory");
	for (k = 0; k < n_map; k++)
		if ((rc = jsonschema_registry_map_uri_spec(reg, map_uri[k], err)))
			goto out;
	js = jsonschema_compile_file(reg, schema, err);
	if (!js) {
		rc = ERR_USAGE;
		err->code = ERR_USAGE;
		goto out;
	}
	if (json)
		fputs("{\n  \"files\": [", out);
	for (i = 0; i < n; i++)
		bad += check_one(js, files[i], max, json, &first, out);
	if (json)
		fprintf(out, "%s],\n  \"valid\": %s,\n  \"invalid\": %d\n}\n", first ? "" : "\n  ",
			bad ? "false" : "true", bad);
	rc = bad ? ERR_DATA : 0;
out:
	jsonschema_registry_free(reg);
	return rc;
}

/*
 * One FILE (or "-", standard input) is validated as the only file of a
 * private temporary tree, at the path `as` (default: FILE's own relative
 * path, or its name when that leaves the current folder; "stdin.json" for
 * standard input), so that the manifest's rules classify it as they would
 * in the tree.  `dir` receives the tree; single_file_cleanup removes it.
 */
static int single_file_tree(const char *file, const char *as, char *dir, size_t size,
			    char *rel, size_t rel_size, struct error *err)
{
	const char *tmp = getenv("TMPDIR");
	char path[8192], buf[65536], *p;
	int in, outfd, rc = 0;
	ssize_t n;

	if (!as) {
		as = strcmp(file, "-") == 0 ? "stdin.json" : file;
		while (strncmp(as, "./", 2) == 0)
			as += 2;
		if (as[0] == '/' || strstr(as, "..")) {
			const char *slash = strrchr(file, '/');

			as = slash ? slash + 1 : file;
		}
	}
	if (!*as || as[0] == '/' || strstr(as, ".."))
		return error_set(err, ERR_USAGE, "--as wants a relative path inside the tree, not '%s'", as);
	snprintf(rel, rel_size, "%s", as);
	snprintf(dir, size, "%s/wsmigrate-validate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return error_set(err, ERR_IO, "cannot create a temporary folder: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			rc = error_set(err, ERR_IO, "cannot create '%s': %s", path, strerror(errno));
		*p = '/';
		if (rc)
			return rc;
	}
	in = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY);
	if (in < 0)
		return error_set(err, ERR_IO, "cannot open '%s': %s", file, strerror(errno));
	outfd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (outfd < 0) {
		rc = error_set(err, ERR_IO, "cannot create '%s': %s", path, strerror(errno));
	} else {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(outfd, buf, (size_t)n) != n) {
				rc = error_set(err, ERR_IO, "cannot write '%s': %s", path,
					       strerror(errno));
				break;
			}
		if (n < 0)
			rc = error_set(err, ERR_IO, "cannot read '%s': %s",
				       in ? file : "standard input", strerror(errno));
		if (close(outfd) != 0 && !rc)
			rc = error_set(err, ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	if (in)
		close(in);
	return rc;
}

/* Remove the temporary tree: the file, then each folder up to `dir`. */
static void single_file_cleanup(const char *dir, const char *rel)
{
	char path[8192], *slash;
	size_t root = strlen(dir);

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path);
	while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > root) {
		*slash = '\0';
		rmdir(path);
	}
	rmdir(dir);
}

int cmd_validate(int argc, char **argv, struct error *err)
{
	struct pipeline_opts o;
	struct pipeline_stats stats;
	struct report_style style = { 0, 0, 0, 0 };
	struct validate_ctx vc = { NULL, 0 };
	const char *map_uri[MAX_MAP_URI];
	const char *schema = NULL, *format = "text", *against = NULL, *output = NULL;
	const char *as = NULL;
	char schema_dir[4096], one_dir[4096] = "", one_rel[4096] = "";
	struct stat sb;
	FILE *out = stdout;
	int c, rc;

	memset(&o, 0, sizeof(o));
	memset(&stats, 0, sizeof(stats));
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SCHEMA: schema = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_AGAINST: against = optarg; break;
		case OPT_MAP_URI:
			if (o.n_map_uri == MAX_MAP_URI)
				return error_set(err, ERR_USAGE, "too many --map-uri");
			map_uri[o.n_map_uri++] = optarg;
			break;
		case OPT_ASSERT_FORMATS: o.assert_formats = 1; break;
		case OPT_MAX_FILE:
			if (cmd_parse_size(optarg, &o.max_file_size))
				return error_set(err, ERR_USAGE, "--max-file-size wants a size like 64M, not '%s'", optarg);
			break;
		case 'o': output = strcmp(optarg, "-") == 0 ? NULL : optarg; break;
		case OPT_AS: as = optarg; break;
		case 'q': vc.quiet = 1; style.quiet = 1; break;
		case 'v': style.verbose = 1; break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
		return error_set(err, ERR_USAGE, "--format wants text, json or html, not '%s'", format);
	if (against) {
		if (optind >= argc)
			return error_set(err, ERR_USAGE, "--against needs at least one FILE");
		if (!strcmp(format, "html"))
			return error_set(err, ERR_USAGE, "--against supports --format text or json");
		if (output && !(out = fopen(output, "w")))
			return error_set(err, ERR_IO, "cannot write '%s'", output);
		rc = validate_against(against, argv + optind, argc - optind, !strcmp(format, "json"),
				      map_uri, o.n_map_uri, o.assert_formats,
				      o.max_file_size ? o.max_file_size : (64u << 20), out, err);
		if (out != stdout)
			fclose(out);
		return rc;
	}
	if (optind != argc - 1)
		return error_set(err, ERR_USAGE, optind >= argc ? "missing TREE" :
				 "too many arguments: give one TREE (or use --against SCHEMA FILE...)");
	if (!manifest_find_dir(schema, schema_dir, sizeof(schema_dir), err))
		return ERR_USAGE;
	o.tree = argv[optind];
	if (strcmp(o.tree, "-") == 0 || (stat(o.tree, &sb) == 0 && S_ISREG(sb.st_mode))) {
		if ((rc = single_file_tree(o.tree, as, one_dir, sizeof(one_dir), one_rel,
					   sizeof(one_rel), err))) {
			if (one_dir[0])
				single_file_cleanup(one_dir, one_rel);
			return rc;
		}
		o.tree = one_dir;
	} else if (as) {
		return error_set(err, ERR_USAGE, "--as goes with a FILE or -, not a TREE");
	}
	o.schema_dir = schema_dir;
	o.dry_run = 1;
	o.map_uri = map_uri;
	vc.rep = report_new(err);
	if (!vc.rep)
		return ERR_IO;
	o.on_file = on_file;
	o.on_ignored = on_ignored;
	o.on_run_warning = on_run_warning;
	o.ctx = &vc;
	if (!vc.quiet && isatty(2))
		o.on_progress = cmd_progress;
	rc = pipeline_run(&o, &stats, err);
	if (one_dir[0]) {
		single_file_cleanup(one_dir, one_rel);
		snprintf(stats.tree_root, sizeof(stats.tree_root), "%s",
			 strcmp(argv[optind], "-") == 0 ? "(standard input)" : argv[optind]);
	}
	if (rc == 0 || rc == ERR_DATA) {
		if (output && !(out = fopen(output, "w"))) {
			rc = error_set(err, ERR_IO, "cannot write '%s'", output);
			goto out;
		}
		style.color = out == stdout && cmd_use_color(stdout);
		if (!strcmp(format, "json"))
			report_write_validate_json(vc.rep, &stats, out);
		else if (!strcmp(format, "html"))
			report_write_validate_html(vc.rep, &stats, out);
		else
			report_write_validate_text(vc.rep, &stats, &style, out);
		if (out != stdout && fclose(out) != 0)
			rc = error_set(err, ERR_IO, "cannot write '%s'", output);
	}
out:
	pipeline_stats_release(&stats);
	report_free(vc.rep);
	return rc;
}
