/*
 * common.c - what every genlayout layout draws on: the vocabulary of text
 * and ids, timestamps in their many spellings, sizing helpers, agents and
 * people, and the ignored and other files sprinkled into every tree
 * (genlayout.h).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genlayout.h"

/* ================================================================ vocabulary */

static const char *const WORDS[] = {
	"refactor", "migrate", "ledger", "cache", "retry", "deploy", "index",
	"schema", "cluster", "shard", "token", "prompt", "review", "merge",
	"benchmark", "latency", "budget", "rollout", "canary", "sandbox",
	"webhook", "parser", "queue", "worker", "backlog", "sprint", "audit",
	"coverage", "embedding", "vector", "handoff", "scraper", "planner",
	"the", "a", "of", "to", "and", "for", "with", "on", "in", "before",
	"after", "without", "is", "was", "needs", "fixed", "still",
	"crème", "brûlée", "naïve", "façade", "Zürich", "São Paulo", "smörgåsbord",
	"jalapeño", "coöperate", "Łódź",
	"東京", "会議", "タスク", "完了", "数据库", "迁移", "任务", "задача",
	"готово", "проверка", "Δοκιμή", "λάθος", "مرحبا", "שלום", "한국어",
	"ไทย", "हिन्दी", "e\xcc\x81te\xcc\x81",
	"🚀", "✅", "❌", "🔥", "🧠", "📊", "🛠️", "👩‍💻", "🇫🇷", "⏳", "∞", "→",
	"½", "€", "\xe2\x80\xa8",
};

static char textbuf[8][4096];
static unsigned textslot;

/* see genlayout.h */
const char *text(int nw)
{
	char *o = textbuf[textslot++ & 7];
	size_t n = 0;
	int i;

	for (i = 0; i < nw && n < 3800; i++) {
		const char *w = PICK(WORDS);
		size_t l = strlen(w);

		if (i)
			o[n++] = ' ';
		if (i == 0 && w[0] >= 'a' && w[0] <= 'z') {
			o[n++] = (char)(w[0] - 32);
			w++;
			l--;
		}
		memcpy(o + n, w, l);
		n += l;
	}
	o[n] = 0;
	switch (cr(14)) {
	case 0: snprintf(o + n, 4096 - n, "\n\n- step one\n- step two"); break;
	case 1: snprintf(o + n, 4096 - n, "\tsee \"notes\" below"); break;
	case 2: snprintf(o + n, 4096 - n, " (C:\\Users\\ops\\swarm\\logs\\run_%u.txt)", cr(999)); break;
	case 3: snprintf(o + n, 4096 - n, " https://example.org/a/b?x=%u&y=%%20", cr(99)); break;
	case 4: snprintf(o + n, 4096 - n, "."); break;
	default: break;
	}
	return o;
}

static char idbuf[16][128];
static unsigned idslot;

static char *slot(void)
{
	return idbuf[idslot++ & 15];
}

const char *hexs(int n)
{
	char *o = slot();
	int i;

	for (i = 0; i < n && i < 100; i++)
		o[i] = "0123456789abcdef"[cr(16)];
	o[i] = 0;
	return o;
}

const char *uuid(void)
{
	char *o = slot();
	uint64_t a = rnext(&C), b = rnext(&C);

	snprintf(o, 128, "%08x-%04x-4%03x-%x%03x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, 8 + (unsigned)(b >> 62),
		 (unsigned)(b >> 48) & 0xfff, (unsigned long long)(b & 0xffffffffffffULL));
	return o;
}

/* an integer of 20 to 26 digits, as JSON text */
const char *bigint(void)
{
	char *o = slot();
	int n = 20 + (int)cr(7), i;

	o[0] = (char)('1' + cr(9));
	for (i = 1; i < n; i++)
		o[i] = (char)('0' + cr(10));
	o[n] = 0;
	return o;
}

/* ================================================================ timestamps */

/* the spellings T_* are listed in genlayout.h */
const char *tstr(time_t t, int sp)
{
	static const int offs[] = { 120, -300, 330, 540, -420, 0, 60, -180 };
	char *o = slot();
	struct tm tm;
	size_t n;

	if (sp == T_OFF) {
		int off = offs[cr(NELEM(offs))];
		time_t lt = t + off * 60;

		gmtime_r(&lt, &tm);
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
		return o;
	}
	gmtime_r(&t, &tm);
	switch (sp) {
	case T_Z: strftime(o, 128, "%Y-%m-%dT%H:%M:%SZ", &tm); break;
	case T_ZMS:
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, ".%03uZ", cr(1000));
		break;
	case T_NAIVE:
		n = strftime(o, 128, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(o + n, 128 - n, ".%06u", 1 + cr(999999));
		break;
	case T_SPACE: strftime(o, 128, "%Y-%m-%d %H:%M:%S", &tm); break;
	case T_EPOCH: snprintf(o, 128, "%lld", (long long)t); break;
	case T_EPOCH_MS: snprintf(o, 128, "%lld%03u", (long long)t, cr(1000)); break;
	case T_EPOCH_F: snprintf(o, 128, "%lld.%06u", (long long)t, 1 + cr(999999)); break;
	case T_DATE: strftime(o, 128, "%Y-%m-%d", &tm); break;
	case T_SLACK: snprintf(o, 128, "%lld.%06u", (long long)t, 1 + cr(999999)); break;
	default: o[0] = 0; break;
	}
	return o;
}

/* a timestamp member in spelling sp: numbers for the epoch spellings */
void jt(const char *k, time_t t, int sp)
{
	const char *s = tstr(t, sp);

	if (sp == T_EPOCH || sp == T_EPOCH_MS || sp == T_EPOCH_F)
		jraw(k, s);
	else
		js(k, s);
}

const char *dstr(time_t t, int form)
{
	char *o = slot();
	struct tm tm;

	gmtime_r(&t, &tm);
	if (form == D_MONTH)
		snprintf(o, 128, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	else if (form == D_DAY)
		snprintf(o, 128, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(o, 128, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return o;
}

/* ================================================================ shared bits */

long share(long bulk, long permille, long min)
{
	long v = bulk * permille / 1000;

	return v < min ? min : v;
}

/* what is left of bulk for the main group, at least min */
long rest(long bulk, long used, long min)
{
	return bulk - used < min ? min : bulk - used;
}

/* per-item count when `total` is spread over `n` holders */
long split(long total, long n, long i)
{
	return total / n + (i < total % n ? 1 : 0);
}

time_t base_time(void)
{
	/* 2024-09-01 + up to ~300 days */
	return (time_t)1725148800 + (time_t)cr(300) * 86400 + (time_t)cr(86400);
}

void lower(char *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		d[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	d[i] = 0;
}

static const char *const CALLSIGNS[] = {
	"Atlas", "Borealis", "Cobalt", "Dune", "Ember", "Fjord", "Gale", "Helix",
	"Indigo", "Juniper", "Kestrel", "Lumen", "Mistral", "Nimbus", "Onyx",
	"Pylon", "Quartz", "Rook", "Sable", "Tundra", "Umbra", "Vesper", "Wren",
	"Xenon", "Yarrow", "Zephyr",
};

/* n distinct agents; names from the content stream, style from the shape */
void make_agents(struct agent *a, int n, unsigned style)
{
	int used[32] = { 0 };
	int i;

	for (i = 0; i < n; i++) {
		int k;
		size_t j, t = 0;

		do
			k = (int)cr(style == 1 ? NELEM(CALLSIGNS) : 16);
		while (used[k]);
		used[k] = 1;
		a[i].num = k + 1;
		if (style == 0)
			snprintf(a[i].name, sizeof(a[i].name), "Agent-%d", k + 1);
		else if (style == 1)
			snprintf(a[i].name, sizeof(a[i].name), "%s", CALLSIGNS[k]);
		else
			snprintf(a[i].name, sizeof(a[i].name), "agent-%02d", k + 1);
		for (j = 0; a[i].name[j]; j++) {
			char c = a[i].name[j];

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
				a[i].tag[t++] = c;
		}
		a[i].tag[t] = 0;
		lower(a[i].low, a[i].name, sizeof(a[i].low));
	}
}

const char *const TAGS[N_TAGS] = {
	"backend", "frontend", "infra", "docs", "urgent", "tech-debt", "research",
	"ml", "security", "perf", "ux", "data", "ops", "größe", "高优先级",
};

/* ---- people ---- */

static const struct person PEOPLE[] = {
	{ "Zoë Martin", "zoe", "zoë" }, { "José Álvarez", "jose", "josé" },
	{ "Ming Chen", "ming", "ming" }, { "Ana Souza", "ana", "ana" },
	{ "Olu Adeyemi", "olu", "olu" }, { "Ravi Iyer", "ravi", "ravi" },
	{ "Søren Dahl", "soren", "søren" }, { "Aiko Tanaka", "aiko", "aiko" },
	{ "Liam O'Brien", "liam", "liam" }, { "Fatima Zahra", "fatima", "fatima" },
	{ "Noah Weber", "noah", "noah" }, { "Chloé Dubois", "chloe", "chloé" },
	{ "Mateo Rossi", "mateo", "mateo" }, { "Priya Nair", "priya", "priya" },
	{ "Yuki Sato", "yuki", "yuki" }, { "Lars Berg", "lars", "lars" },
	{ "Amara Obi", "amara", "amara" }, { "Kai Müller", "kai", "kai" },
	{ "Inês Costa", "ines", "inês" }, { "Omar Haddad", "omar", "omar" },
	{ "Lena Novak", "lena", "lena" }, { "Tomás Ruiz", "tomas", "tomás" },
	{ "Nadia Petrova", "nadia", "nadia" }, { "Arjun Mehta", "arjun", "arjun" },
};

/* n distinct people (n <= NELEM(PEOPLE)) from the content stream */
void pick_people(const struct person **out, int n)
{
	int used[NELEM(PEOPLE)] = { 0 };
	int i, k;

	for (i = 0; i < n; i++) {
		do
			k = (int)cr(NELEM(PEOPLE));
		while (used[k]);
		used[k] = 1;
		out[i] = &PEOPLE[k];
	}
}

/* n distinct words of pool into out */
void pick_words(const char *const *pool, size_t npool, const char **out, int n)
{
	int used[64] = { 0 };
	int i, k;

	for (i = 0; i < n; i++) {
		do
			k = (int)cr((unsigned)npool);
		while (used[k]);
		used[k] = 1;
		out[i] = pool[k];
	}
}
/* ---- ignored and other files ---- */

static void npm_package_json(const char *name, const char *ver)
{
	bf("{\n  \"name\": \"%s\",\n  \"version\": \"%s\",\n  \"description\": \"%s\",\n"
	   "  \"main\": \"index.js\",\n  \"license\": \"MIT\",\n  \"dependencies\": {\n"
	   "    \"debug\": \"^4.3.%u\"\n  }\n}\n", name, ver, text(5), cr(7));
}

/* see genlayout.h */
void ignored_node_modules(const char *prefix, int npkg, time_t t)
{
	static const char *const PKGS[] = {
		"ajv", "chalk", "lodash", "uuid", "yargs", "zod", "dotenv", "ws",
		"express", "commander", "semver", "minimist", "debug", "ms",
	};
	char rel[PATH_MAX], ver[32];
	int i;

	for (i = 0; i < npkg; i++) {
		const char *p = PKGS[i % NELEM(PKGS)];
		char name[64];

		if (i < (int)NELEM(PKGS))
			snprintf(name, sizeof(name), "%s", p);
		else
			snprintf(name, sizeof(name), "%s-plugin-%d", p, i);
		snprintf(ver, sizeof(ver), "%u.%u.%u", 1 + cr(9), cr(20), cr(30));
		snprintf(rel, sizeof(rel), "%snode_modules/%s/package.json", prefix, name);
		npm_package_json(name, ver);
		emit(rel, K_IGNORED, "node_modules", t);
		snprintf(rel, sizeof(rel), "%snode_modules/%s/index.js", prefix, name);
		bs("'use strict';\nmodule.exports = require('./lib');\n");
		emit(rel, K_IGNORED, "node_modules", t);
		if (i % 3 == 0) {
			snprintf(rel, sizeof(rel), "%snode_modules/%s/lib/data/codes.json", prefix, name);
			bf("{\"E%03u\": \"%s\", \"E%03u\": \"%s\"}\n", cr(500), text(3), 500 + cr(499), text(3));
			emit(rel, K_IGNORED, "node_modules", t);
			snprintf(rel, sizeof(rel), "%snode_modules/%s/node_modules/ms/package.json", prefix, name);
			npm_package_json("ms", "2.1.3");
			emit(rel, K_IGNORED, "node_modules", t);
		}
	}
	snprintf(rel, sizeof(rel), "%snode_modules/%s/test/fixtures/invalid.json", prefix, PKGS[0]);
	bs("{\"a\": 1,, // on purpose\n");
	emit(rel, K_IGNORED, "node_modules", t);
	snprintf(rel, sizeof(rel), "%snode_modules/.package-lock.json", prefix);
	bs("{\n  \"name\": \"workspace\",\n  \"lockfileVersion\": 3,\n  \"packages\": {}\n}\n");
	emit(rel, K_IGNORED, "npm", t);
}

void ignored_git(time_t t)
{
	bs("ref: refs/heads/main\n");
	emit(".git/HEAD", K_IGNORED, "git", t);
	bs("[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n"
	   "\turl = git@example.org:team/workspace.git\n");
	emit(".git/config", K_IGNORED, "git", t);
	bf("{\"lastFetch\": %lld, \"branches\": [\"main\", \"agent-sync\"], \"dirty\": true,}\n",
	   (long long)t);
	emit(".git/gk/state.json", K_IGNORED, "git", t);
	bf("{\"version\": 1, \"objects\": %u}\n", cr(90000));
	emit(".git/lfs/cache/index.json", K_IGNORED, "git", t);
}

void ignored_npm_root(const char *prefix, time_t t)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%spackage.json", prefix);
	npm_package_json("workspace-tools", "0.4.2");
	emit(rel, K_IGNORED, "npm", t);
	snprintf(rel, sizeof(rel), "%spackage-lock.json", prefix);
	bs("{\n  \"name\": \"workspace-tools\",\n  \"version\": \"0.4.2\",\n  \"lockfileVersion\": 3,\n"
	   "  \"requires\": true,\n  \"packages\": {\n    \"\": {\"name\": \"workspace-tools\"}\n  }\n}\n");
	emit(rel, K_IGNORED, "npm", t);
}

void ignored_venv(int npkg, time_t t)
{
	static const char *const PY[] = { "pydantic", "httpx", "openai", "tiktoken", "rich", "numpy" };
	char rel[PATH_MAX];
	int i;

	bs("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n");
	emit(".venv/pyvenv.cfg", K_IGNORED, "venv", t);
	for (i = 0; i < npkg; i++) {
		char p[64];

		if (i < (int)NELEM(PY))
			snprintf(p, sizeof(p), "%s", PY[i]);
		else
			snprintf(p, sizeof(p), "%s_ext%d", PY[i % NELEM(PY)], i);
		snprintf(rel, sizeof(rel), ".venv/lib/python3.11/site-packages/%s/py.typed.json", p);
		bf("{\"package\": \"%s\", \"typed\": true}\n", p);
		emit(rel, K_IGNORED, "venv", t);
		snprintf(rel, sizeof(rel), ".venv/lib/python3.11/site-packages/%s-%u.%u.dist-info/METADATA", p,
			 1 + cr(3), cr(12));
		bf("Metadata-Version: 2.1\nName: %s\n", p);
		emit(rel, K_IGNORED, "venv", t);
	}
}
