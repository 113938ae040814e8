/*
 * gen.c - deterministic generator of realistic agent-workspace trees for the
 * benchmarks (issue 6).  Modeled on ../shared/samples/agent-cellphone-v1:
 *
 *   agent_workspaces/Agent-N/inbox/msg_*.json        contract messages (~1.7 KB)
 *   agent_workspaces/Agent-N/inbox/messages/NAME.json   welcome-style messages
 *   agent_workspaces/Agent-N/inbox/tasks/NAME.json      task files
 *   agent_workspaces/Agent-N/outbox/NAME.json           replies
 *   agent_workspaces/Agent-5/processed/NAME.json        fsm requests, messages
 *   agent_workspaces/queue/{persistent,completed}/   queued messages
 *   agent_workspaces/Agent-N/{status,task_list}.json status (extra keys), tasks
 *   agent_workspaces/Agent-N/notes.md                non-JSON noise
 *   fsm_data/tasks/NAME.json                            fsm tasks
 *   runtime/agent_comms/inbox/response_*.json        agent responses
 *   config/.../NAME.json                                   configuration
 *   config/NAME_analysis_results.json, NAME_analysis_report.json  analysis files,
 *                                                    a few of 1-5 MB
 *
 * usage: gen OUTDIR [--files N] [--seed S] [--corrupt RATE] [--big K]
 *
 * Same arguments, same bytes.  --corrupt RATE makes that fraction of the
 * message/task files invalid: half truncated (bad JSON), half a wrong
 * top-level type (an array where an object is expected).  The list of the
 * corrupted files are listed on stdout with -v; the counts are always printed
 * on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_s;
static uint64_t rnd(void)
{
	uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }
static double rf(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* ---- growing buffer ---- */
static char *buf;
static size_t blen, bcap;
static void bput(const char *s, size_t n)
{
	if (blen + n + 1 > bcap) {
		while (blen + n + 1 > bcap)
			bcap = bcap ? bcap * 2 : 65536;
		buf = realloc(buf, bcap);
		if (!buf) { perror("realloc"); exit(3); }
	}
	memcpy(buf + blen, s, n);
	blen += n;
}
static void bs(const char *s) { bput(s, strlen(s)); }
static void bf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void bf(const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	bput(tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}
/* a JSON string literal, escaped */
static void bq(const char *s)
{
	bput("\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"') bs("\\\"");
		else if (c == '\\') bs("\\\\");
		else if (c == '\n') bs("\\n");
		else if (c == '\t') bs("\\t");
		else if (c < 0x20) bf("\\u%04x", c);
		else bput((const char *)s, 1);
	}
	bput("\"", 1);
}

/* ---- vocabulary: ASCII, accented, CJK, Cyrillic, emoji ---- */
static const char *words[] = {
	"agent", "contract", "workspace", "deploy", "validate", "schema", "build",
	"pipeline", "reward", "hooks", "environment", "wrapper", "trading",
	"platform", "sync", "verify", "evidence", "coordinate", "onboarding",
	"repository", "cleanup", "refactor", "tests", "metrics", "latency",
	"the", "and", "with", "for", "from", "into", "on", "of", "to", "a",
	"café", "naïve", "résumé", "façade", "über", "señor", "déjà-vu",
	"日本語", "テスト", "数据", "迁移", "Привет", "данные", "Ελληνικά",
	"🚀", "✅", "🤖", "🔥", "📦", "⚠️", "🎯", "👍🏽", "🧪", "📈", "∑", "→",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))
static const char *repos[] = {
	"docs", "osrsAIagent", "DreamVault", "FreeRideInvestor", "trading-platform",
	"gpt-automation", "basic-bot", "DaDudeKC-Website", "unified-workspace",
	"Agent_Cellphone",
};
#define NREPOS (sizeof(repos) / sizeof(repos[0]))
static const char *states[] = { "new", "ready", "in_progress", "blocked", "done" };
static const char *prios[] = { "low", "medium", "high", "critical" };
static const char *statuses[] = { "busy", "idle", "offline", "onboarding", "active" };

static char tbuf[65536];
static const char *sentence(int nw)
{
	size_t n = 0;
	for (int i = 0; i < nw && n < sizeof(tbuf) - 64; i++) {
		const char *w = words[rn(NWORDS)];
		if (i) tbuf[n++] = ' ';
		size_t l = strlen(w);
		memcpy(tbuf + n, w, l);
		n += l;
	}
	if (nw > 8 && n < sizeof(tbuf) - 2) tbuf[n++] = '.';
	tbuf[n] = 0;
	return tbuf;
}
static char sl[64];
static const char *slug(void)
{
	static const char *sw[] = { "build", "initial", "environment", "wrapper", "reward",
		"hooks", "add", "unit", "test", "skeleton", "ci", "minimal", "cli", "docs", "api",
		"retry", "backoff", "validate", "page" };
	snprintf(sl, sizeof(sl), "%s-%s-%s-%s", repos[rn(NREPOS)], sw[rn(19)], sw[rn(19)], sw[rn(19)]);
	for (char *p = sl; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
	return sl;
}
static char tsb[4][64];
static int tsi;
static const char *iso(time_t t, int frac)
{
	struct tm tm;
	char *o = tsb[tsi++ & 3];
	gmtime_r(&t, &tm);
	size_t n = strftime(o, 64, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) snprintf(o + n, 64 - n, ".%06u", rn(1000000));
	if (rn(3) == 0) strcat(o, "Z");
	else if (rn(2)) strcat(o, "-05:00");
	return o;
}

/* ---- files ---- */
static const char *outdir;
static long n_written, n_corrupt, bytes_written;
static double corrupt_rate;
static int verbose;
static time_t mtime_base = 1755000000;

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) { perror(path); exit(3); }
		*p = '/';
	}
}
/* corruptible: 1 for message/task files */
static void emit(const char *rel, int corruptible)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", outdir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 && errno == ENOENT) {
		mkdirs(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	}
	if (fd < 0) { perror(path); exit(3); }
	size_t len = blen;
	/* draw the corruption decision for every file so that the tree is the
	   same for every rate apart from the corrupted files */
	double u = rf();
	unsigned how = rn(2);
	if (corruptible && u < corrupt_rate) {
		n_corrupt++;
		if (verbose) printf("%s\t%s\n", how ? "truncated" : "bad_type", rel);
		if (how) {
			len = len * 2 / 3;
		} else {
			/* wrap in an array: valid JSON, wrong type */
			if (write(fd, "[", 1) != 1) { perror(path); exit(3); }
			bs("]");
			len = blen;
		}
	}
	if (write(fd, buf, len) != (ssize_t)len) { perror(path); exit(3); }
	close(fd);
	struct timespec ts[2] = { { mtime_base + n_written, 0 }, { mtime_base + n_written, 0 } };
	utimensat(AT_FDCWD, path, ts, 0);
	n_written++;
	bytes_written += (long)len;
	blen = 0;
}

static int nagents = 8;
static time_t clock_t0 = 1751440000; /* 2025-07-02 */
static time_t now_t;
static time_t tick(void) { now_t += 1 + rn(90); return now_t; }

static void contract_msg(int to, long seq)
{
	char rel[512], d[32];
	time_t t = tick();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y%m%d_%H%M%S", &tm);
	int from = rn(4) ? 5 : 1 + rn(nagents);
	const char *from_s = rn(10) == 0 ? "Captain" : NULL;
	char fromb[16];
	if (!from_s) { snprintf(fromb, sizeof(fromb), "Agent-%d", from); from_s = fromb; }
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/inbox/msg_%s_%06ld_%s_to_Agent-%d.json",
		 to, d, seq, from_s, to);
	const char *sg = slug();
	char sgc[64];
	snprintf(sgc, sizeof(sgc), "%s", sg);
	const char *repo = repos[rn(NREPOS)];
	bs("{\n  \"type\": \"task\",\n  \"from\": "); bq(from_s);
	bf(",\n  \"to\": \"Agent-%d\",\n  \"timestamp\": ", to); bq(iso(t, 1));
	bs(",\n  \"topic\": "); { char tp[128]; snprintf(tp, sizeof(tp), "contract: %s", sgc); bq(tp); }
	bs(",\n  \"summary\": "); bq(sentence(8 + rn(8)));
	bs(",\n  \"details\": {\n    \"task_id\": "); bq(sgc);
	bs(",\n    \"repo\": "); bq(repo);
	{ char rp[256]; snprintf(rp, sizeof(rp), "D:\\repositories\\dadudekc\\%s\\%s", repo, rn(2) ? "docs" : "src"); bs(",\n    \"repo_path\": "); bq(rp); }
	bs(",\n    \"title\": "); bq(sentence(5 + rn(6)));
	bs(",\n    \"description\": "); bq(sentence(60 + rn(60)));
	bs(",\n    \"acceptance_criteria\": [");
	int na = 2 + rn(4);
	for (int i = 0; i < na; i++) { bs(i ? ",\n      " : "\n      "); bq(sentence(6 + rn(10))); }
	bs("\n    ]");
	bf(",\n    \"assignee\": \"Agent-%d\"", to);
	bs(",\n    \"state\": "); bq(states[rn(5)]);
	bs(",\n    \"priority\": "); bq(prios[rn(4)]);
	bs(",\n    \"evidence\": [");
	if (rn(3) == 0) { bs("\"commit "); bf("%012llx", (unsigned long long)rnd() & 0xffffffffffffULL); bs("\", \"tests passed \\u2705 \\ud83d\\ude80\""); }
	bs("]");
	bs(",\n    \"created\": "); bq(iso(t - 60, 0));
	bf(",\n    \"estimate_hours\": %.1f", 0.5 + rn(80) / 4.0);
	bs("\n  }\n}\n");
	emit(rel, 1);
}

static void welcome_msg(int to, long seq)
{
	char rel[512];
	time_t t = tick();
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/inbox/messages/msg_%06ld_Agent-%d.json", to, seq, to);
	bf("{\n  \"message_id\": \"msg_%06ld\",\n  \"from\": \"system\",\n  \"to\": \"Agent-%d\",\n  \"subject\": ", seq, to);
	bq(sentence(4 + rn(5)));
	bs(",\n  \"content\": "); bq(sentence(80 + rn(120)));
	bs(",\n  \"timestamp\": "); bq(iso(t, 0));
	bf(",\n  \"read\": %s\n}\n", rn(2) ? "true" : "false");
	emit(rel, 1);
}

static void outbox_msg(int from, long seq)
{
	char rel[512], d[32];
	time_t t = tick();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H-%M-%S", &tm);
	int to = 1 + rn(nagents);
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/outbox/%s_%06ld_agent-%d_to_agent-%d.json", from, d, seq, from, to);
	bf("{\n  \"id\": \"%s_%06ld_agent-%d_to_agent-%d\",\n  \"from\": \"agent-%d\",\n  \"to\": \"agent-%d\",\n  \"message\": ", d, seq, from, to, from, to);
	bq(sentence(120 + rn(130)));
	bs(",\n  \"tag\": "); bq(rn(2) ? "reply" : "coordinate");
	bf(",\n  \"sent_at\": %ld.%06u\n}\n", (long)t, rn(1000000));
	emit(rel, 1);
}

static void processed_msg(long seq)
{
	char rel[512], d[32];
	time_t t = tick();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y%m%d_%H%M%S", &tm);
	if (rn(3)) {
		snprintf(rel, sizeof(rel), "agent_workspaces/Agent-5/processed/fsm_request_%s_%06ld.json", d, seq);
		bf("{\n  \"type\": \"fsm_request\",\n  \"from\": \"Agent-%d\",\n  \"to\": \"Agent-5\",\n  \"workflow\": ", 1 + rn(4));
		bq(rn(2) ? "default" : "contracts");
		bs(",\n  \"agents\": [");
		int n = 1 + rn(4);
		for (int i = 0; i < n; i++) bf("%s\n    \"Agent-%d\"", i ? "," : "", 1 + rn(nagents));
		bs("\n  ],\n  \"note\": "); bq(sentence(100 + rn(120)));
		bs(",\n  \"timestamp\": "); bq(iso(t, 0));
		bs("\n}\n");
	} else {
		int from = 1 + rn(4);
		snprintf(rel, sizeof(rel), "agent_workspaces/Agent-5/processed/msg_%s_%06ld_Agent-%d_to_Agent-5.json", d, seq, from);
		bf("{\n  \"type\": \"fsm_update\",\n  \"from\": \"Agent-%d\",\n  \"to\": \"Agent-5\",\n  \"timestamp\": ", from);
		bq(iso(t, 1));
		bs(",\n  \"task_id\": "); bq(slug());
		bs(",\n  \"state\": "); bq(states[rn(5)]);
		bs(",\n  \"summary\": "); bq(sentence(150 + rn(100)));
		bs(",\n  \"evidence\": [");
		int n = rn(4);
		for (int i = 0; i < n; i++) { bs(i ? ", " : ""); bq(sentence(6)); }
		bs("]\n}\n");
	}
	emit(rel, 1);
}

static void queue_msg(long seq)
{
	char rel[512], d[48];
	time_t t = tick();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H-%M-%S", &tm);
	int a = 1 + rn(nagents), b = 1 + rn(nagents);
	int persistent = rn(3) != 0;
	char id[128];
	snprintf(id, sizeof(id), "%s-%06ld_agent-%d_to_agent-%d", d, seq, a, b);
	snprintf(rel, sizeof(rel), "agent_workspaces/queue/%s/%s.json", persistent ? "persistent" : "completed", id);
	bs("{\n  \"id\": "); bq(id);
	bs(",\n  \"timestamp\": "); bq(iso(t, 1));
	bf(",\n  \"from\": \"agent-%d\",\n  \"to\": \"agent-%d\",\n  \"message\": ", a, b);
	bq(sentence(150 + rn(120)));
	bs(",\n  \"tag\": "); bq(rn(2) ? "coordinate" : "task");
	bs(",\n  \"priority\": \"normal\",\n  \"status\": "); bq(persistent ? "pending" : "delivered");
	bs(",\n  \"created_at\": "); bq(iso(t, 1));
	bf(",\n  \"persisted\": %s,\n  \"pipe_delivered\": %s\n}\n", rn(2) ? "true" : "false", rn(2) ? "true" : "false");
	emit(rel, 1);
}

static void task_obj(int indent, long seq)
{
	char pad[16];
	snprintf(pad, sizeof(pad), "%*s", indent, "");
	bf("{\n%s  \"task_id\": \"task-%06ld\",\n%s  \"title\": ", pad, seq, pad); bq(sentence(5 + rn(6)));
	bf(",\n%s  \"description\": ", pad); bq(sentence(30 + rn(60)));
	bf(",\n%s  \"priority\": ", pad); bq(prios[rn(4)]);
	bf(",\n%s  \"status\": ", pad); bq(rn(2) ? "pending" : "in_progress");
	bf(",\n%s  \"created_at\": ", pad); bq(iso(tick(), 0));
	bf("\n%s}", pad);
}

static void inbox_task(int to, long seq)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/inbox/tasks/task_%06ld.json", to, seq);
	task_obj(0, seq);
	bs("\n");
	emit(rel, 1);
}

static void fsm_task(long seq)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "fsm_data/tasks/%08x-%04x-4%03x-a%03x-%012llx.json",
		 (unsigned)rnd(), rn(65536), rn(4096), rn(4096), (unsigned long long)(rnd() & 0xffffffffffffULL));
	bf("{\n  \"task_id\": \"task-%06ld\",\n  \"repo\": ", seq); bq(repos[rn(NREPOS)]);
	bs(",\n  \"intent\": "); bq(sentence(10 + rn(20)));
	bs(",\n  \"state\": "); bq(states[rn(5)]);
	bf(",\n  \"owner\": \"Agent-%d\",\n  \"history\": [", 1 + rn(nagents));
	int n = 1 + rn(4);
	for (int i = 0; i < n; i++) {
		bs(i ? ",\n    {\"at\": " : "\n    {\"at\": "); bq(iso(tick(), 0));
		bs(", \"state\": "); bq(states[rn(5)]); bs(", \"note\": "); bq(sentence(12)); bs("}");
	}
	bs("\n  ]\n}\n");
	emit(rel, 1);
}

static void response(long seq)
{
	char rel[512];
	time_t t = tick();
	int a = 1 + rn(nagents);
	snprintf(rel, sizeof(rel), "runtime/agent_comms/inbox/response_%ld%03u_%06ld_Agent-%d.json", (long)t, rn(1000), seq, a);
	bf("{\n  \"type\": \"agent_response\",\n  \"from\": \"Agent-%d\",\n  \"to\": \"Agent-5\",\n  \"timestamp\": ", a);
	bq(iso(t, 0));
	bf(",\n  \"agent\": \"Agent-%d\",\n  \"ts\": %ld,\n  \"payload\": {\n    \"type\": \"agent_report\",\n    \"task\": ", a, (long)t);
	bq(slug());
	bs(",\n    \"actions\": [\"C\"],\n    \"commit_message\": "); bq(sentence(10));
	bs(",\n    \"status\": \"completed\",\n    \"raw\": "); bq(sentence(120 + rn(80)));
	bs("\n  }\n}\n");
	emit(rel, 1);
}

static void status_file(int a)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/status.json", a);
	time_t t = tick();
	bf("{\n  \"agent_id\": \"Agent-%d\",\n  \"status\": ", a); bq(statuses[rn(5)]);
	bs(",\n  \"current_task\": "); bq(sentence(8));
	bs(",\n  \"last_update\": "); bq(iso(t, 0));
	bs(",\n  \"capabilities\": [\"task_execution\", \"status_reporting\", \"message_handling\"]");
	bf(",\n  \"performance_metrics\": {\n    \"tasks_completed\": %u,\n    \"uptime_hours\": %.1f,\n    \"error_count\": %u,\n    \"success_rate\": %.1f,\n    \"messages_sent\": %u,\n    \"messages_received\": %u\n  }",
	   rn(500), rn(1000) / 10.0, rn(5), 90 + rn(100) / 10.0, rn(5000), rn(5000));
	bs(",\n  \"onboarding\": {\n    \"status\": \"completed\",\n    \"progress\": 100,\n    \"checklist\": {\"quick_start\": true, \"core_protocols\": true}\n  }");
	bs(",\n  \"message_history\": [\n    {\"timestamp\": "); bq(iso(t - 3600, 0));
	bs(", \"type\": \"status_update\", \"content\": "); bq(sentence(12));
	bs(", \"status_before\": \"offline\", \"status_after\": \"busy\"}\n  ]");
	bf(",\n  \"workspace_path\": \"D:\\\\Agent_CellPhone\\\\agent_workspaces\\\\Agent-%d\"", a);
	bf(",\n  \"debug_mode\": false,\n  \"debug_log\": [],\n  \"custom_%u\": ", rn(100)); bq(sentence(4));
	bs("\n}\n");
	emit(rel, 0);
}

static void task_list(int a, int ntasks, long *seq)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/task_list.json", a);
	bs("{\n  \"tasks\": [");
	for (int i = 0; i < ntasks; i++) {
		bs(i ? ",\n    " : "\n    ");
		task_obj(4, (*seq)++);
	}
	bs(ntasks ? "\n  ],\n  \"last_updated\": " : "],\n  \"last_updated\": "); bq(iso(tick(), 0));
	bs("\n}\n");
	emit(rel, 0);
}

static void config_file(long i)
{
	static const char *dirs[] = { "config", "config/agents", "config/system", "config/templates", "config/integrations/discord" };
	char rel[512];
	snprintf(rel, sizeof(rel), "%s/%s_%04ld.json", dirs[i % 5], i % 3 ? "settings" : "agent_config", i);
	bs("{\n  \"paths\": {\n    \"agent_workspaces\": \"agent_workspaces\",\n    \"runtime_config\": \"runtime/config\"\n  },\n  \"environment\": {\n    \"log_level\": ");
	bq(rn(2) ? "INFO" : "DEBUG");
	bf(",\n    \"max_agents\": %u,\n    \"poll_interval_s\": %.2f\n  },\n  \"services\": {\n    \"messenger_api\": \"https://api.example.com/v%u\"\n  },\n  \"description\": ", 2 + rn(7), rn(1000) / 100.0, 1 + rn(3));
	bq(sentence(20 + rn(30)));
	bs(",\n  \"agents\": {");
	for (int a = 1; a <= nagents; a++)
		bf("%s\n    \"Agent-%d\": {\"role\": \"worker\", \"x\": %u, \"y\": %u, \"enabled\": %s}", a > 1 ? "," : "", a, rn(1920), rn(1080), rn(2) ? "true" : "false");
	bs("\n  }\n}\n");
	emit(rel, 0);
}

/* an analysis file of about `target` bytes */
static void analysis_file(const char *rel, long target)
{
	time_t t = tick();
	bs("{\n  \"analysis_timestamp\": "); bq(iso(t, 1));
	bs(",\n  \"project_root\": \"D:\\\\Agent_Cellphone\",\n  \"summary\": "); bq(sentence(40));
	bs(",\n  \"files\": [");
	long k = 0;
	while ((long)blen < target - 400) {
		bs(k ? ",\n    {\"path\": " : "\n    {\"path\": ");
		char p[256];
		snprintf(p, sizeof(p), "src\\%s\\module_%05ld.py", repos[rn(NREPOS)], k);
		bq(p);
		bf(", \"size\": %u, \"lines\": %u, \"score\": %.2f, \"referenced\": %s, \"refs\": [%u, %u, %u], \"note\": ",
		   rn(200000), rn(5000), rf(), rn(4) ? "true" : "false", rn(9999), rn(9999), rn(9999));
		bq(sentence(8 + rn(10)));
		bs("}");
		k++;
	}
	bf("\n  ],\n  \"total_files\": %ld\n}\n", k);
	emit(rel, 0);
}

int main(int argc, char **argv)
{
	long nfiles = 1000, nbig = -1;
	uint64_t seed = 42;
	if (argc < 2) {
		fprintf(stderr, "usage: gen OUTDIR [--files N] [--seed S] [--corrupt RATE] [--big K] [-v]\n");
		return 2;
	}
	outdir = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--files") && i + 1 < argc) nfiles = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--corrupt") && i + 1 < argc) corrupt_rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--big") && i + 1 < argc) nbig = atol(argv[++i]);
		else if (!strcmp(argv[i], "-v")) verbose = 1;
		else { fprintf(stderr, "gen: bad argument %s\n", argv[i]); return 2; }
	}
	if (nbig < 0) nbig = nfiles / 5000; /* S: 0 -> 1 below, M: 8, L: 44 */
	if (nbig < 1) nbig = 1;
	if (mkdir(outdir, 0755) && errno != EEXIST) { perror(outdir); return 3; }
	rng_s = seed * 0x2545F4914F6CDD1DULL + 1;
	now_t = clock_t0;

	long seq = 0;
	/* fixed per-agent files */
	for (int a = 1; a <= nagents; a++) {
		status_file(a);
		task_list(a, (int)(nfiles / 2000) + rn(4), &seq);
		bs("# notes\n\nfree text, not JSON\n");
		char rel[128];
		snprintf(rel, sizeof(rel), "agent_workspaces/Agent-%d/notes.md", a);
		emit(rel, 0);
	}
	/* the registry: agent id -> record, like the sample's agents.json */
	bs("{");
	for (int a = 1; a <= nagents; a++)
		bf("%s\n  \"Agent-%d\": {\n    \"agent_id\": \"Agent-%d\",\n    \"role\": \"%s\",\n    \"status\": \"%s\"\n  }",
		   a > 1 ? "," : "", a, a, a == 5 ? "coordinator" : "worker", statuses[rn(5)]);
	bs("\n}\n");
	emit("agent_workspaces/agents.json", 0);

	/* big analysis files, 1-5 MB */
	for (long i = 0; i < nbig; i++) {
		char rel[256];
		if (i % 2) snprintf(rel, sizeof(rel), "config/repository_%03ld_analysis_results.json", i);
		else snprintf(rel, sizeof(rel), "orphan_%03ld_analysis_report.json", i);
		analysis_file(rel, (1 + (long)rn(5)) * 1000 * 1000 - (long)rn(100000));
	}
	long fixed = n_written;
	long rest = nfiles - fixed;
	if (rest < 0) rest = 0;
	/* small analysis and config: ~2.5% */
	long nconfig = rest * 15 / 1000 + 1, nanal = rest / 100 + 1;
	for (long i = 0; i < nconfig; i++) config_file(i);
	for (long i = 0; i < nanal; i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "config/%s_%04ld_analysis_results.json", i % 2 ? "systematic_beta" : "coordination_framework", i);
		analysis_file(rel, 3000 + rn(6000));
	}
	rest = nfiles - n_written;
	/* the bulk, interleaved like real activity */
	for (long i = 0; i < rest; i++) {
		unsigned r = rn(1000);
		int a = 1 + rn(nagents);
		seq++;
		if (r < 560) contract_msg(a, seq);
		else if (r < 610) welcome_msg(a, seq);
		else if (r < 710) outbox_msg(a, seq);
		else if (r < 800) processed_msg(seq);
		else if (r < 880) queue_msg(seq);
		else if (r < 920) inbox_task(a, seq);
		else if (r < 960) fsm_task(seq);
		else response(seq);
	}
	fprintf(stderr, "gen: %ld files, %.1f MB, %ld corrupted, seed %llu\n", n_written,
		bytes_written / 1e6, n_corrupt, (unsigned long long)seed);
	return 0;
}
