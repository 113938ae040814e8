/*
 * cmd_init.c - `wsmigrate init TREE`: infer a manifest and JSON Schemas
 * from a tree (infer.h), write them into a folder, and say what was
 * grouped and why.  It never touches the tree or a database.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "infer.h"
#include "util.h"

enum { OPT_FORMAT = 256, OPT_FORCE };

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"usage: wsmigrate init TREE [-o DIR] [--force] [--format text|json] [-q|-v]\n\n"
	"Infers a manifest from the JSON files of TREE: groups the files by the shape of\n"
	"their paths (folders and file names that vary become wildcards), infers a JSON\n"
	"Schema (draft 2020-12) and a typed table per group (columns, upsert key, child\n"
	"tables for arrays of objects), and writes DIR/migration.json and one\n"
	"DIR/<rule>.schema.json per group. Files that fall into no group go to the\n"
	"catch-all rule \"documents\". Then: wsmigrate migrate TREE --schema DIR\n\n"
	"  -o, --output DIR       where to write (default ./schema); must be empty\n"
	"  --force                write into a non-empty DIR, replacing migration.json and\n"
	"                         the schema files of the same names (others are left alone)\n"
	"  --format text|json     report format (default text)\n"
	"  -q, --quiet            print nothing\n"
	"  -v, --verbose          say why each group was made\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  wsmigrate init agent-tree -o schema\n"
	"  wsmigrate init agent-tree -o schema --force --format json\n";

/* Create `dir` and its missing parents. */
static int make_dirs(const char *dir, struct error *err)
{
	char buf[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return error_set(err, ERR_USAGE, "output folder name too long");
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return error_set(err, ERR_IO, "cannot create '%s': %s", buf, strerror(errno));
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/* 0 when `dir` is missing or empty, 1 when it holds something, -1 when not a folder. */
static int dir_state(const char *dir)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int full = 0;

	if (stat(dir, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return -1;
	if (!(d = opendir(dir)))
		return -1;
	while (!full && (de = readdir(d)) != NULL)
		full = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return full;
}

/* Write text to dir/name through a temporary file and a rename. */
static int write_file(const char *dir, const char *name, const char *text, struct error *err)
{
	char path[4096], tmp[4200];
	FILE *f;
	size_t n = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	if (!(f = fopen(tmp, "w")))
		return error_set(err, ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
	if (fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		unlink(tmp);
		return error_set(err, ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
				 strerror(errno));
	}
	return 0;
}

static unsigned pct10(unsigned long part, unsigned long whole)
{
	return whole ? (unsigned)((part * 1000 + whole / 2) / whole) : 0;
}

/*
 * A path as valid UTF-8 for the JSON report: bytes that are not UTF-8 (a
 * file name in Latin-1) become U+FFFD.  Returns a malloc'ed string or NULL.
 */
static char *utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 && *p >= 0xC2 ? 1 :
			(*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 && *p <= 0xF4 ? 3 : -1;
		int k, ok = n >= 0;

		for (k = 1; ok && k <= n; k++)
			ok = (p[k] & 0xC0) == 0x80;
		if (!ok) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, (size_t)n + 1);
		o += n + 1;
		p += n + 1;
	}
	*o = '\0';
	return out;
}

static void add_path(cJSON *arr_or_obj, const char *key, const char *path)
{
	char *c = utf8_clean(path);
	cJSON *v = cJSON_CreateString(c ? c : "");

	free(c);
	if (key)
		cJSON_AddItemToObject(arr_or_obj, key, v);
	else
		cJSON_AddItemToArray(arr_or_obj, v);
}

static void print_text(FILE *out, const struct infer_result *r, const char *tree,
		       const char *dir, int verbose)
{
	size_t i, j, wn = 4, wk = 3, wc = 8;
	unsigned p = pct10(r->typed_docs, r->parseable);

	fprintf(out, "init: %lu JSON file%s in %s (%lu ignored): %zu group%s take %lu of the "
		"%lu parseable files (%u.%u%%)\n", r->files, r->files == 1 ? "" : "s",
		r->tree_root, r->ignored, r->n_rules, r->n_rules == 1 ? "" : "s",
		r->typed_docs, r->parseable, p / 10, p % 10);
	for (i = 0; i < r->n_rules; i++) {
		const struct infer_rule_out *o = &r->rules[i];
		size_t cl = 0;

		if (strlen(o->name) > wn)
			wn = strlen(o->name);
		if (o->key && strlen(o->key) > wk)
			wk = strlen(o->key);
		for (j = 0; j < o->n_children; j++)
			cl += strlen(o->children[j].table) + 2;
		if (cl > wc)
			wc = cl;
	}
	if (r->n_rules) {
		fprintf(out, "\n  %-*s %7s  %-*s  %-*s  %s\n", (int)wn, "rule", "files",
			(int)wk, "key", (int)wc, "children", "match");
		for (i = 0; i < r->n_rules; i++) {
			const struct infer_rule_out *o = &r->rules[i];
			char ch[1024] = "-";
			size_t len = 0;

			for (j = 0; j < o->n_children; j++)
				len += (size_t)snprintf(ch + len, len < sizeof(ch) ? sizeof(ch) - len : 0,
							"%s%s", j ? ", " : "", o->children[j].table);
			fprintf(out, "  %-*s %7lu  %-*s  %-*s  %s\n", (int)wn, o->name, o->files,
				(int)wk, o->key ? o->key : "-", (int)wc, ch, o->glob);
			if (verbose) {
				fprintf(out, "  %*s          why: %s\n", (int)wn, "", o->why);
				fprintf(out, "  %*s          %zu columns", (int)wn, "", o->n_columns);
				for (j = 0; j < o->n_children; j++)
					fprintf(out, "; %s: %lu rows from %s", o->children[j].table,
						o->children[j].rows,
						o->children[j].each[0] ? o->children[j].each : "the root array");
				fprintf(out, "\n");
			}
		}
	}
	fprintf(out, "\ncatch-all \"documents\": %lu file%s fell into no group%s\n", r->ungrouped,
		r->ungrouped == 1 ? "" : "s", r->ungrouped ? ":" : "");
	for (i = 0; i < r->n_ungrouped_list; i++)
		fprintf(out, "  %s\n", r->ungrouped_list[i].path);
	if (r->ungrouped > r->n_ungrouped_list)
		fprintf(out, "  ... and %lu more\n", r->ungrouped - r->n_ungrouped_list);
	if (r->broken) {
		fprintf(out, "\nbroken: %lu file%s (not used for inference; migrate reports them invalid):\n",
			r->broken, r->broken == 1 ? "" : "s");
		for (i = 0; i < r->n_broken_list; i++)
			fprintf(out, "  %s: %s\n", r->broken_list[i].path, r->broken_list[i].reason);
		if (r->broken > r->n_broken_list)
			fprintf(out, "  ... and %lu more\n", r->broken - r->n_broken_list);
	}
	fprintf(out, "\nwrote %s/migration.json and %zu schema%s; next: wsmigrate migrate %s%s%s\n",
		dir, r->n_rules, r->n_rules == 1 ? "" : "s", tree,
		strcmp(dir, "schema") ? " --schema " : "", strcmp(dir, "schema") ? dir : "");
}

static int print_json(FILE *out, const struct infer_result *r, const char *dir)
{
	cJSON *o = cJSON_CreateObject(), *rules, *u, *b, *arr;
	size_t i, j;
	char *text;

	if (!o)
		return -1;
	add_path(o, "tree", r->tree_root);
	cJSON_AddStringToObject(o, "output", dir);
	cJSON_AddNumberToObject(o, "files", (double)r->files);
	cJSON_AddNumberToObject(o, "ignored", (double)r->ignored);
	cJSON_AddNumberToObject(o, "parseable", (double)r->parseable);
	cJSON_AddNumberToObject(o, "broken", (double)r->broken);
	cJSON_AddNumberToObject(o, "typed", (double)r->typed_docs);
	cJSON_AddNumberToObject(o, "typed_percent", pct10(r->typed_docs, r->parseable) / 10.0);
	rules = cJSON_AddArrayToObject(o, "rules");
	for (i = 0; i < r->n_rules; i++) {
		const struct infer_rule_out *ro = &r->rules[i];
		cJSON *x = cJSON_CreateObject(), *ch;

		cJSON_AddItemToArray(rules, x);
		cJSON_AddStringToObject(x, "name", ro->name);
		cJSON_AddStringToObject(x, "table", ro->name);
		cJSON_AddStringToObject(x, "match", ro->glob);
		cJSON_AddNumberToObject(x, "files", (double)ro->files);
		cJSON_AddNumberToObject(x, "parseable", (double)ro->docs);
		if (ro->key)
			cJSON_AddStringToObject(x, "key", ro->key);
		else
			cJSON_AddNullToObject(x, "key");
		cJSON_AddNumberToObject(x, "columns", (double)ro->n_columns);
		ch = cJSON_AddArrayToObject(x, "children");
		for (j = 0; j < ro->n_children; j++) {
			cJSON *c = cJSON_CreateObject();

			cJSON_AddItemToArray(ch, c);
			cJSON_AddStringToObject(c, "table", ro->children[j].table);
			cJSON_AddStringToObject(c, "each", ro->children[j].each);
			cJSON_AddNumberToObject(c, "rows", (double)ro->children[j].rows);
			cJSON_AddNumberToObject(c, "columns", (double)ro->children[j].n_columns);
		}
		cJSON_AddStringToObject(x, "schema", ro->schema_file);
		cJSON_AddStringToObject(x, "why", ro->why);
	}
	u = cJSON_AddObjectToObject(o, "ungrouped");
	cJSON_AddNumberToObject(u, "count", (double)r->ungrouped);
	arr = cJSON_AddArrayToObject(u, "files");
	for (i = 0; i < r->n_ungrouped_list; i++)
		add_path(arr, NULL, r->ungrouped_list[i].path);
	cJSON_AddNumberToObject(u, "more", (double)(r->ungrouped - r->n_ungrouped_list));
	b = cJSON_AddObjectToObject(o, "broken_files");
	cJSON_AddNumberToObject(b, "count", (double)r->broken);
	arr = cJSON_AddArrayToObject(b, "files");
	for (i = 0; i < r->n_broken_list; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddItemToArray(arr, f);
		add_path(f, "path", r->broken_list[i].path);
		cJSON_AddStringToObject(f, "reason", r->broken_list[i].reason);
	}
	cJSON_AddNumberToObject(b, "more", (double)(r->broken - r->n_broken_list));
	text = infer_json_print(o);
	cJSON_Delete(o);
	if (!text)
		return -1;
	fputs(text, out);
	free(text);
	return 0;
}

int cmd_init(int argc, char **argv, struct error *err)
{
	struct infer_opts o;
	struct infer_result res;
	const char *dir = "schema", *format = "text";
	int c, force = 0, quiet = 0, verbose = 0, rc, state;
	size_t i;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case OPT_FORCE: force = 1; break;
		case OPT_FORMAT: format = optarg; break;
		case 'q': quiet = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(help_text, stdout); return 0;
		default: return error_set(err, ERR_USAGE, "unknown option");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return error_set(err, ERR_USAGE, "--format wants text or json, not '%s'", format);
	if (optind != argc - 1)
		return error_set(err, ERR_USAGE, optind >= argc ? "missing TREE" :
				 "too many arguments: give one TREE");
	if (!dir[0])
		return error_set(err, ERR_USAGE, "-o wants a folder");
	state = dir_state(dir);
	if (state < 0)
		return error_set(err, ERR_USAGE, "'%s' is not a folder", dir);
	if (state > 0 && !force)
		return error_set(err, ERR_USAGE, "output folder '%s' is not empty; use --force to "
				 "write into it, or -o another folder", dir);
	o.tree = argv[optind];
	o.exclude = dir;
	rc = infer_run(&o, &res, err);
	if (rc)
		return rc;
	if ((rc = make_dirs(dir, err)))
		goto out;
	for (i = 0; i < res.n_rules; i++)
		if ((rc = write_file(dir, res.rules[i].schema_file, res.rules[i].schema_text, err)))
			goto out;
	if ((rc = write_file(dir, "migration.json", res.manifest_text, err)))
		goto out;
	if (!quiet) {
		if (!strcmp(format, "json")) {
			if (print_json(stdout, &res, dir)) {
				rc = error_set(err, ERR_IO, "out of memory");
				goto out;
			}
		} else {
			print_text(stdout, &res, o.tree, dir, verbose);
		}
	}
	rc = 0;
out:
	infer_result_release(&res);
	return rc;
}
