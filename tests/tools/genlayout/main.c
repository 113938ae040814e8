/*
 * main.c - genlayout's command line and its table of layouts.
 *
 * usage: genlayout --layout NAME --out DIR [--list FILE] [--seed N]
 *                  [--files N] [--broken RATE] [--collide] [--mutate] [-q]
 *        genlayout --layouts
 *
 * Layouts, list format and guarantees: tests/tools/README.md; how the files
 * of the tool fit together: genlayout.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "genlayout.h"

/* ================================================================ main */

struct layout {
	const char *name;
	void (*gen)(long nfiles);
	const char *help;
};

static const struct layout LAYOUTS[] = {
	{ "swarm", gen_swarm, "agent_workspaces/<A>/{tasks,status/<month>}, analysis(_chunks), message_queue arrays, UPPER_CASE reports, contracts, checkins, node_modules, .git" },
	{ "crew", gen_crew, "crews/<team>/members/<name>/{state.json,journal/}, runs/<day>/<uuid>/{run,events}.json, memory/<agent>/, tools/, .venv, .cache" },
	{ "flat", gen_flat, "tasks/TASK-NNNN.json, inbox/, outbox/, queue.json (object with a job list), reports/*.JSON, contacts/, settings.json" },
	{ "nested", gen_nested, "projects/<p>/{project.json,config/members.json,sprints/<s>/{sprint.json,tickets/<KEY-N>.json,standups/<day>.json}}, web/node_modules" },
	{ "mixed", gen_mixed, "work/<yyyy>/<mm>/, chat/<channel>/<ts>.json, metrics/, exports/ (spaces, unicode, BOM), root configs, browser cookies, logs, .bak, .jsonl" },
};

static void usage(FILE *o)
{
	fprintf(o,
		"usage: genlayout --layout NAME --out DIR [--list FILE] [--seed N] [--files N]\n"
		"                 [--broken RATE] [--collide] [--mutate] [-q]\n"
		"       genlayout --layouts\n");
}

/* 0 when dir is missing or empty, 1 when it holds anything */
static int dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int any = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			any = 1;
			break;
		}
	closedir(d);
	return any;
}

/* 1 when the list file would land inside the tree */
static int list_inside_tree(const char *list, const char *tree)
{
	char rt[PATH_MAX], rl[PATH_MAX], dir[PATH_MAX];
	char *slash;
	size_t n;

	if (!realpath(tree, rt))
		die(tree);
	snprintf(dir, sizeof(dir), "%s", list);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (!realpath(dir, rl))
		die(dir);
	n = strlen(rt);
	return strncmp(rl, rt, n) == 0 && (rl[n] == '/' || rl[n] == 0);
}

int main(int argc, char **argv)
{
	const struct layout *lay = NULL;
	const char *list = NULL, *outdir = NULL;
	FILE *listf = NULL;
	uint64_t seed = 1;
	long nfiles = 200;
	double broken_rate = 0;
	int collide = 0, quiet = 0, mutate = 0, i;
	size_t k;
	char *end;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--layouts")) {
			for (k = 0; k < NELEM(LAYOUTS); k++)
				printf("%-7s %s\n", LAYOUTS[k].name, LAYOUTS[k].help);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--collide")) {
			collide = 1;
		} else if (!strcmp(a, "--mutate")) {
			mutate = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (v && !strcmp(a, "--layout")) {
			for (k = 0; k < NELEM(LAYOUTS); k++)
				if (!strcmp(LAYOUTS[k].name, v))
					lay = &LAYOUTS[k];
			if (!lay) {
				fprintf(stderr, "genlayout: unknown layout '%s' (see --layouts)\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--out")) {
			outdir = v;
			i++;
		} else if (v && !strcmp(a, "--list")) {
			list = v;
			i++;
		} else if (v && !strcmp(a, "--seed")) {
			errno = 0;
			seed = strtoull(v, &end, 10);
			if (errno || *end || !*v) {
				fprintf(stderr, "genlayout: --seed wants a number, not '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--files")) {
			nfiles = strtol(v, &end, 10);
			if (*end || nfiles < 0 || nfiles > 100000000) {
				fprintf(stderr, "genlayout: --files wants a count, not '%s'\n", v);
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--broken")) {
			broken_rate = strtod(v, &end);
			if (*end || !(broken_rate >= 0 && broken_rate <= 1)) {
				fprintf(stderr, "genlayout: --broken wants a rate in [0, 1], not '%s'\n", v);
				return 2;
			}
			i++;
		} else {
			fprintf(stderr, "genlayout: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!lay || !outdir) {
		fprintf(stderr, "genlayout: --layout and --out are required\n");
		usage(stderr);
		return 2;
	}
	if (dir_has_entries(outdir)) {
		fprintf(stderr, "genlayout: '%s' is not empty\n", outdir);
		return 2;
	}
	umask(022);
	{
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s/", outdir);
		mkdirs(tmp);
	}
	if (list) {
		if (list_inside_tree(list, outdir)) {
			fprintf(stderr, "genlayout: the list '%s' must be outside the tree '%s'\n", list, outdir);
			return 2;
		}
		listf = fopen(list, "w");
		if (!listf)
			die(list);
	}
	shape_seed = mix64(seed ^ 0x5348415045ULL ^ strhash(lay->name));
	C.s = mix64((seed * 0x2545f4914f6cdd1dULL + (mutate ? 0x4d555441ULL : 0)) ^ strhash(lay->name));
	K.s = mix64(C.s ^ 0x4b4b4b4bULL);
	output_init(outdir, listf, broken_rate, collide, !strcmp(lay->name, "mixed"));

	lay->gen(nfiles);

	if (listf && fclose(listf))
		die(list);
	if (fflush(stdout))
		die("stdout");
	if (!quiet)
		output_summary(lay->name, seed, mutate);
	free(B.p);
	return 0;
}
