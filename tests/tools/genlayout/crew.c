/*
 * crew.c - genlayout's layout "crew" (genlayout.h, tests/tools/README.md).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "genlayout.h"

/*
 * A CrewAI-like team tree: crews of members with one state file each, runs
 * filed by day and run uuid (a run record plus an array of events), per-agent
 * memory with an index beside the memories, tool configurations.
 */
void gen_crew(long nfiles)
{
	static const char *const TEAMS[] = {
		"research", "growth", "infra", "support", "data", "platform", "design",
		"ops", "sales", "qa", "lab", "edge",
	};
	static const char *const TOOLS[] = {
		"web_search", "file_reader", "code_exec", "sql_query", "slack_post",
		"calendar", "github_pr", "pdf_parse", "translate", "summarize",
	};
	const char *team[4];
	const struct person *mem[24];
	int nteam = 2 + (int)shp("crew.teams", 3), nmem = 0, tm_of[24], i, k;
	int per_team[4];
	long fixed, bulk, nrun, nmemory, njournal, ntool;
	struct group gcc, gst, gj, grun, gev, gm, gmi, gtool;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	for (i = 0; i < nteam; i++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "crew.members.%d", i);
		per_team[i] = 3 + (int)shp(tag, 4);
		nmem += per_team[i];
	}
	fixed = nteam + 2 * nmem + 6;
	bulk = nfiles > fixed ? nfiles - fixed : 0;
	nrun = share(bulk, 200, 4);
	njournal = share(bulk, 200, 6);
	ntool = 6 + share(bulk, 20, 0);
	nmemory = rest(bulk, 2 * nrun + njournal + ntool - 6, 8);
	pick_words(TEAMS, NELEM(TEAMS), team, nteam);
	pick_people(mem, nmem);
	for (i = 0, k = 0; i < nteam; i++)
		for (int j = 0; j < per_team[i]; j++)
			tm_of[k++] = i;
	t0 = base_time();
	group_init(&gcc, "crew_configs", "crew", 0, nteam);
	group_init(&gst, "member_states", "member", 0, nmem);
	group_init(&gj, "member_journals", NULL, 0, njournal);
	group_init(&grun, "runs", "run_id", 0, nrun);
	group_init(&gev, "run_events", NULL, 1, nrun);
	group_init(&gm, "memories", "memory_id", 0, nmemory);
	group_init(&gmi, "memory_index", "agent", 0, nmem);
	group_init(&gtool, "tool_configs", "name", 0, ntool);

	/* crews/<team>/crew.json */
	for (i = 0, k = 0; i < nteam; i++) {
		file_begin(&f, &gcc);
		jo(NULL);
		js("crew", file_id(&f, team[i]));
		js("process", V(&gcc, 1, 2) ? "sequential" : "hierarchical");
		if (V(&gcc, 1, 2))
			jnull("manager");
		else
			js("manager", mem[k]->display);
		ja("members");
		for (int j = 0; j < per_team[i]; j++)
			js(NULL, mem[k + j]->folder);
		je();
		jo("llm");
		jsf("model", "model-%u.%u", 3 + cr(2), cr(10));
		jf("temperature", cf(), 2);
		ji("max_tokens", 512 << cr(5));
		je();
		jt("created_at", t0 - 86400 * 90, T_NAIVE);
		jb("verbose", cr(2));
		je();
		snprintf(rel, sizeof(rel), "crews/%s/crew.json", team[i]);
		file_end(&f, rel, t0);
		bf("# %s crew\n\n%s\n", team[i], text(25));
		snprintf(rel, sizeof(rel), "crews/%s/README.md", team[i]);
		emit(rel, K_OTHER, "docs", t0);
		k += per_team[i];
	}

	/* crews/<team>/members/<name>/state.json */
	for (i = 0; i < nmem; i++) {
		static const char *const ROLE[] = { "researcher", "writer", "reviewer", "planner", "coder", "analyst" };
		static const char *const SKILL[] = { "search", "python", "sql", "writing", "review", "planning", "vision" };
		static const char *const MSTATUS[] = { "idle", "working", "waiting", "disabled" };

		t = t0 + cr(86400 * 30);
		file_begin(&f, &gst);
		jo(NULL);
		js("member", file_id(&f, mem[i]->folder));
		js("display_name", mem[i]->display);
		js("role", VCAT(&gst, 20, ROLE));
		js("goal", text(8 + (int)cr(12)));
		js("status", VCAT(&gst, 21, MSTATUS));
		jt("last_active", t, (int[]){ T_ZMS, T_EPOCH_MS, T_OFF }[V(&gst, 1, 3)]);
		ja("skills");
		for (k = 1 + (int)cr(4); k > 0; k--)
			js(NULL, SKILL[(i + k) % (int)NELEM(SKILL)]);
		je();
		if (V(&gst, 2, 5) == 0)
			jraw("token_usage", bigint());
		else
			ji("token_usage", cr(9000000));
		if (V(&gst, 3, 3))
			js("current_run", uuid());
		else
			jnull("current_run");
		jo("stats");
		ji("runs", cr(500));
		ji("failures", cr(20));
		jf("avg_latency_s", cf() * 30, 2);
		je();
		je();
		snprintf(rel, sizeof(rel), "crews/%s/members/%s/state.json", team[tm_of[i]], mem[i]->folder);
		file_end(&f, rel, t);
	}

	/* crews/<team>/members/<name>/journal/<YYYY-MM-DD>.json */
	for (i = 0; i < nmem; i++) {
		long cnt = split(njournal, nmem, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;

		for (s = 0; s < cnt; s++) {
			int ne;

			day += 86400;
			file_begin(&f, &gj);
			ne = V(&gj, 3, 4) ? 1 + (int)cr(4) : 0;
			jo(NULL);
			js("date", tstr(day, T_DATE));
			js("member", mem[i]->folder);
			ja("entries");
			for (k = 0; k < ne; k++) {
				el(&gj);
				jo(NULL);
				jt("at", day + 3600 * (8 + k), T_SPACE);
				js("text", text(6 + (int)cr(20)));
				ji("tokens", cr(4000));
				je();
			}
			je();
			if (V(&gj, 1, 3))
				js("summary", text(10));
			jt("written_at", day + 3600 * 20, V(&gj, 2, 2) ? T_Z : T_EPOCH);
			je();
			snprintf(rel, sizeof(rel), "crews/%s/members/%s/journal/%s.json", team[tm_of[i]],
				 mem[i]->folder, dstr(day, D_DAY));
			file_end(&f, rel, day + 3600 * 20);
		}
	}

	/* runs/<YYYY-MM-DD>/<uuid>/run.json + events.json */
	t = t0;
	for (i = 0; i < nrun; i++) {
		static const char *const ETYPE[] = { "task_started", "tool_call", "llm_call", "task_finished", "error", "handoff" };
		static const char *const TRIG[] = { "schedule", "manual", "webhook" };
		static const char *const RSTATUS[] = { "succeeded", "failed" };
		char id[64];
		int c = (int)cr((unsigned)nteam), ne = 2 + (int)cr(14), running = V(&grun, 1, 6) == 0;
		time_t ts;

		t += 600 + cr(30000);
		snprintf(id, sizeof(id), "%s", uuid());
		file_begin(&f, &grun);
		jo(NULL);
		js("run_id", file_id(&f, id));
		js("crew", team[c]);
		js("trigger", VCAT(&grun, 20, TRIG));
		jt("started_at", t, T_ZMS);
		if (!running)
			jt("finished_at", t + 30 + cr(3000), T_ZMS);
		js("status", running ? "running" : VCAT(&grun, 21, RSTATUS));
		if (V(&grun, 2, 3) == 0) {
			jo("tokens");
			ji("prompt", cr(90000));
			ji("completion", cr(20000));
			je();
		} else {
			ji("tokens", cr(110000));
		}
		jf("cost_usd", cf() * 3, 4);
		jo("inputs");
		js("topic", text(4));
		if (V(&grun, 3, 2))
			ji("max_iterations", 1 + cr(20));
		je();
		je();
		snprintf(rel, sizeof(rel), "runs/%s/%s/run.json", dstr(t, D_DAY), id);
		file_end(&f, rel, t);

		file_begin(&f, &gev);
		ja(NULL);
		ts = t;
		for (k = 0; k < ne; k++) {
			ts += cr(90);
			el(&gev);
			jo(NULL);
			jsf("event_id", "evt_%.8s_%03d", id, k);
			ji("seq", k);
			jt("ts", ts, V(&gev, 1, 3) ? T_ZMS : T_EPOCH_F);
			js("type", ECAT(&gev, 20, ETYPE));
			js("agent", mem[cr((unsigned)nmem)]->folder);
			if (E(&gev, 2, 3)) {
				jo("payload");
				js("tool", PICK(TOOLS));
				js("input", text(5));
				if (E(&gev, 3, 2))
					ji("bytes", cr(100000));
				je();
			} else {
				js("payload", text(6));
			}
			if (E(&gev, 4, 4))
				ji("duration_ms", cr(60000));
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "runs/%s/%s/events.json", dstr(t, D_DAY), id);
		file_end(&f, rel, ts);
		if (i % 8 == 0) {
			bf("[%s] run %s started\n[%s] done\n", tstr(t, T_SPACE), id, tstr(ts, T_SPACE));
			snprintf(rel, sizeof(rel), "runs/%s/%s/output.log", dstr(t, D_DAY), id);
			emit(rel, K_OTHER, "logs", ts);
		}
	}

	/* memory/<name>/mem_<hex>.json and memory/<name>/_index.json */
	for (i = 0; i < nmem; i++) {
		static const char *const MKIND[] = { "episodic", "semantic", "procedural" };
		long cnt = split(nmemory, nmem, i), s;
		char first[32] = "", last[32] = "";

		t = t0;
		for (s = 0; s < cnt; s++) {
			char id[32];
			int e;

			t += 60 + cr(20000);
			snprintf(id, sizeof(id), "mem_%s", hexs(12));
			file_begin(&f, &gm);
			jo(NULL);
			js("memory_id", file_id(&f, id));
			js("agent", mem[i]->folder);
			js("kind", VCAT(&gm, 20, MKIND));
			js("content", text(8 + (int)cr(30)));
			ja("embedding");
			for (e = 0; e < 8; e++)
				jf(NULL, cf() * 2 - 1, 5);
			je();
			jf("importance", cf(), 3);
			jt("created", t, V(&gm, 1, 4) ? T_NAIVE : T_Z);
			if (V(&gm, 2, 3)) {
				jo("source");
				js("run_id", uuid());
				jsf("event_id", "evt_%s_%03u", hexs(8), cr(20));
				je();
			} else {
				jnull("source");
			}
			ja("tags");
			for (e = V(&gm, 3, 3) ? 1 + (int)cr(2) : 0; e > 0; e--)
				js(NULL, PICK(TAGS));
			je();
			je();
			snprintf(rel, sizeof(rel), "memory/%s/%s.json", mem[i]->folder, id);
			file_end(&f, rel, t);
			if (!s)
				snprintf(first, sizeof(first), "%s", id);
			snprintf(last, sizeof(last), "%s", id);
		}
		file_begin(&f, &gmi);
		jo(NULL);
		js("agent", file_id(&f, mem[i]->folder));
		ji("count", cnt);
		jt("updated", t, T_Z);
		jo("range");
		js("first", first);
		js("last", last);
		je();
		je();
		snprintf(rel, sizeof(rel), "memory/%s/_index.json", mem[i]->folder);
		file_end(&f, rel, t);
	}

	/* tools/<tool>.json */
	for (i = 0; i < ntool; i++) {
		char name[64];
		int np = 1 + (int)V(&gtool, 3, 4);

		if (i < (int)NELEM(TOOLS))
			snprintf(name, sizeof(name), "%s", TOOLS[i]);
		else
			snprintf(name, sizeof(name), "plugin_%s_%d", hexs(4), i);
		file_begin(&f, &gtool);
		jo(NULL);
		js("name", file_id(&f, name));
		js("description", text(6 + (int)cr(10)));
		jb("enabled", V(&gtool, 1, 4) != 0);
		jf("timeout_s", 1 + cr(60), 1);
		ji("retries", cr(5));
		jo("parameters");
		js("type", "object");
		jo("properties");
		for (k = 0; k < np; k++) {
			char pn[32];

			snprintf(pn, sizeof(pn), "arg_%d", k);
			jo(pn);
			js("type", (const char *[]){ "string", "integer", "boolean" }[cr(3)]);
			js("description", text(4));
			je();
		}
		je();
		ja("required");
		js(NULL, "arg_0");
		je();
		je();
		if (V(&gtool, 2, 3) == 0) {
			jo("rate_limit");
			ji("per_minute", 10 * (1 + cr(10)));
			ji("burst", cr(5));
			je();
		} else {
			ji("rate_limit", 10 * (1 + cr(10)));
		}
		je();
		snprintf(rel, sizeof(rel), "tools/%s.json", name);
		file_end(&f, rel, t0);
	}

	/* ignored and other */
	ignored_venv(4 + (int)(nfiles / 3000), t0);
	for (i = 0; i < 3 + (int)(nfiles / 5000); i++) {
		snprintf(rel, sizeof(rel), ".cache/crew/llm_%s.json", hexs(16));
		bf("{\"prompt_hash\": \"%s\", \"response\": \"%s\"}\n", hexs(32), text(6));
		emit(rel, K_IGNORED, "cache", t0);
	}
	bput("\xa7\x0d\x0d\x0a\0\0\0\0", 8);
	emit("tools/__pycache__/registry.cpython-311.pyc", K_IGNORED, "pycache", t0);
	bs("crews:\n  default: research\n");
	emit("crew.yaml", K_OTHER, "misc", t0);
}
