/*
 * swarm.c - genlayout's layout "swarm" (genlayout.h, tests/tools/README.md).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "genlayout.h"

/*
 * The "next generation" system the issue describes: per-agent task files and
 * dated status snapshots, analysis output and its chunks, one queue file
 * holding an array of messages, upper-case reports at the root, a contract
 * folder whose registry sits beside the contracts, check-ins per agent.
 */
void gen_swarm(long nfiles)
{
	struct agent ag[8];
	int na = 4 + (int)shp("swarm.agents", 5), i;
	unsigned astyle = shp("swarm.agent_style", 3);
	int camel = shp("swarm.camel", 3) == 0;
	const char *k_task_id = camel ? "taskId" : "task_id";
	const char *k_created = camel ? "createdAt" : "created_at";
	const char *k_updated = camel ? "updatedAt" : "updated_at";
	long fixed = 1 + 2 + 7 + na;
	long bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nstat = share(bulk, 180, 8);
	long nchk = share(bulk, 140, 6), nana = share(bulk, 60, 4);
	long nchunk = share(bulk, 100, 5), ncon = share(bulk, 60, 5);
	long nphase = share(bulk, 5, 1);
	long ntask = rest(bulk, nstat + nchk + nana + nchunk + ncon + nphase, 12);
	long nmsg = 20 + nfiles / 25, ndead = 3 + nfiles / 400;
	struct group gp, gt, gs, gc, ga, gch, gq, gcr, gco, gr;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	make_agents(ag, na, astyle);
	t0 = base_time();
	group_init(&gp, "agent_profiles", "agent_id", 0, na);
	group_init(&gt, "tasks", k_task_id, 0, ntask);
	group_init(&gs, "status_snapshots", NULL, 0, nstat);
	group_init(&gc, "checkins", "checkin_id", 0, nchk);
	group_init(&ga, "analysis", "analysis_id", 0, nana);
	group_init(&gch, "analysis_chunks", NULL, 0, nchunk);
	group_init(&gq, "queue", NULL, 1, 2);
	group_init(&gcr, "contract_registry", NULL, 0, 1);
	group_init(&gco, "contracts", "contract_id", 0, ncon);
	group_init(&gr, "root_reports", NULL, 0, 7 + nphase);
	gr.hetero = 1;

	/* agent profiles: agent_workspaces/<A>/agent.json */
	for (i = 0; i < na; i++) {
		static const char *const ROLES[] = { "captain", "builder", "reviewer", "scout", "analyst" };
		static const char *const CAPS[] = { "code", "review", "plan", "search", "test", "deploy", "write" };
		int c, nc = 2 + (int)cr(4);

		file_begin(&f, &gp);
		t = t0 - 86400 * (time_t)(30 + cr(90));
		jo(NULL);
		js("agent_id", file_id(&f, ag[i].name));
		js("role", i == 0 ? "captain" : VCAT(&gp, 3, ROLES));
		ja("capabilities");
		for (c = 0; c < nc; c++)
			js(NULL, CAPS[(i + c) % NELEM(CAPS)]);
		je();
		jo("model");
		js("provider", cr(2) ? "openai" : "anthropic");
		jsf("name", "model-%u.%u", 3 + cr(2), cr(10));
		jf("temperature", cf(), 2);
		if (V(&gp, 1, 3))
			ji("max_tokens", 1024 << cr(4));
		je();
		jt(k_created, t, T_ZMS);
		jb("active", V(&gp, 2, 4) != 0);
		ji("max_parallel", 1 + cr(4));
		je();
		snprintf(rel, sizeof(rel), "agent_workspaces/%s/agent.json", ag[i].name);
		file_end(&f, rel, t);
	}

	/* tasks: agent_workspaces/<A>/tasks/TASK_<TAG>_NNNN.json */
	for (i = 0; i < na; i++) {
		static const char *const STATES[] = { "pending", "in_progress", "blocked", "review", "done", "cancelled" };
		static const char *const LOWHIGH[] = { "low", "high" };
		static const char *const SOURCES[] = { "captain", "self", "contract" };
		long cnt = split(ntask, na, i), s, start = 1 + cr(400);

		t = t0;
		for (s = 0; s < cnt; s++) {
			char id[64];
			int k, nsub;

			t += 60 + cr(7200);
			snprintf(id, sizeof(id), "TASK_%s_%04ld", ag[i].tag, start + s);
			file_begin(&f, &gt);
			jo(NULL);
			js(k_task_id, file_id(&f, id));
			js("title", text(3 + (int)cr(6)));
			if (V(&gt, 1, 4))
				js("description", text(12 + (int)cr(40)));
			js("status", VCAT(&gt, 20, STATES));
			if (V(&gt, 2, 3) == 0)
				ji("priority", 1 + cr(5));
			else
				jsf("priority", "P%u", cr(4));
			if (V(&gt, 3, 4) == 0) {
				jo("estimate");
				jf("hours", 0.5 + cr(40) / 2.0 + 0.25, 2);
				js("confidence", VCAT(&gt, 21, LOWHIGH));
				je();
			} else {
				jf("estimate", 0.5 + cr(16) + 0.5, 1);
			}
			js(V(&gt, 4, 6) == 0 ? "assigned_to" : "assignee", ag[i].name);
			jt(k_created, t, (int[]){ T_Z, T_OFF, T_SPACE }[V(&gt, 5, 3)]);
			if (V(&gt, 6, 2))
				jt(k_updated, t + cr(86400), T_EPOCH_F);
			else
				jt(k_updated, t + cr(86400), T_ZMS);
			if (V(&gt, 7, 3))
				js("due", tstr(t + 86400 * (time_t)(1 + cr(20)), T_DATE));
			else
				jnull("due");
			ja("tags");
			for (k = V(&gt, 11, 4) ? 1 + (int)cr(3) : 0; k > 0; k--)
				js(NULL, TAGS[(cr(NELEM(TAGS)) + (unsigned)k) % NELEM(TAGS)]);
			je();
			ja("depends_on");
			for (k = 1; k <= (int)cr(3) && s - k * 2 >= 0; k++)
				jsf(NULL, "TASK_%s_%04ld", ag[i].tag, start + s - k * 2);
			je();
			if (V(&gt, 8, 5)) {
				nsub = 1 + (int)cr(4);
				ja("subtasks");
				for (k = 0; k < nsub; k++) {
					el(&gt);
					jo(NULL);
					jsf("id", "%s.%d", id, k + 1);
					js("title", text(3 + (int)cr(4)));
					jb("done", cr(2));
					je();
				}
				je();
			}
			ji("progress", cr(101));
			ja("history");
			for (k = 0; k < 1 + (int)cr(3); k++) {
				jo(NULL);
				jt("at", t + k * 600, T_Z);
				js("from", STATES[k % 4]);
				js("to", STATES[(k + 1) % 4]);
				js("by", k ? ag[i].name : ag[0].name);
				je();
			}
			je();
			jo("meta");
			js("source", VCAT(&gt, 22, SOURCES));
			if (V(&gt, 9, 3) == 0)
				jsf("contract", "C-%04u", 1 + cr(200));
			ji("retries", cr(4));
			je();
			if (V(&gt, 10, 11) == 0)
				jraw("checksum", bigint());
			je();
			snprintf(rel, sizeof(rel), "agent_workspaces/%s/tasks/TASK_%s_%04ld.json",
				 ag[i].name, ag[i].tag, start + s);
			file_end(&f, rel, t);
		}
	}

	/* status snapshots: agent_workspaces/<A>/status/<YYYY-MM>/<YYYY-MM-DD>.json */
	for (i = 0; i < na; i++) {
		static const char *const ST[] = { "active", "idle", "blocked", "offline", "onboarding" };
		long cnt = split(nstat, na, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;

		for (s = 0; s < cnt; s++) {
			day += 86400;
			t = day + cr(3600);
			file_begin(&f, &gs);
			jo(NULL);
			js("agent", ag[i].name);
			jt("snapshot_at", t, V(&gs, 1, 4) ? T_Z : T_OFF);
			js("state", VCAT(&gs, 20, ST));
			if (V(&gs, 2, 3))
				jsf("current_task", "TASK_%s_%04u", ag[i].tag, 1 + cr(60));
			else
				jnull("current_task");
			if (V(&gs, 3, 4) == 0) {
				jo("load");
				jf("cpu", cf(), 3);
				ji("mem_mb", 200 + cr(4000));
				je();
			} else {
				jf("load", cf() * 4, 2);
			}
			jo("metrics");
			ji("tasks_done", cr(400));
			ji("errors", cr(7));
			jf("uptime_s", cf() * 1e6, 1);
			ji("queue_depth", cr(30));
			je();
			jt("heartbeat", t - cr(60), T_EPOCH);
			if (V(&gs, 4, 3))
				js("notes", text(5 + (int)cr(12)));
			jsf("version", "2.%u.%u", cr(8), cr(20));
			je();
			snprintf(rel, sizeof(rel), "agent_workspaces/%s/status/%s/%s.json", ag[i].name,
				 dstr(day, D_MONTH), dstr(day, D_DAY));
			file_end(&f, rel, t);
		}
	}

	/* check-ins: checkins/<agent lower-case>/<YYYY-MM-DD>.json */
	for (i = 0; i < na; i++) {
		static const char *const MOODS[] = { "🙂", "😐", "🚀", "😴", "focused", "blocked 😤" };
		long cnt = split(nchk, na, i), s;
		time_t day = t0 - 86400 * (time_t)cnt;
		int k;

		for (s = 0; s < cnt; s++) {
			char id[32];

			day += 86400;
			t = day + 9 * 3600 + cr(7200);
			snprintf(id, sizeof(id), "chk_%s", hexs(10));
			file_begin(&f, &gc);
			jo(NULL);
			js("checkin_id", file_id(&f, id));
			js("agent", ag[i].name);
			jt("time", t, V(&gc, 1, 5) ? T_SPACE : T_NAIVE);
			js("mood", VCAT(&gc, 20, MOODS));
			ja("done");
			for (k = V(&gc, 4, 4) ? 1 + (int)cr(3) : 0; k > 0; k--)
				jsf(NULL, "TASK_%s_%04u", ag[i].tag, 1 + cr(80));
			je();
			ja("blockers");
			if (V(&gc, 2, 4) == 0)
				js(NULL, text(4 + (int)cr(6)));
			je();
			if (V(&gc, 3, 3))
				js("next", text(4 + (int)cr(10)));
			jf("hours", 0.5 + cr(10) + 0.25, 2);
			je();
			snprintf(rel, sizeof(rel), "checkins/%s/%s.json", ag[i].low, dstr(day, D_DAY));
			file_end(&f, rel, t);
		}
	}

	/* analysis/<topic>_<target>_<n>.json */
	t = t0;
	for (i = 0; i < nana; i++) {
		static const char *const TOPIC[] = { "code_quality", "dependency_graph", "complexity", "security_scan", "duplication" };
		static const char *const TARGET[] = { "core", "api", "ui", "cli", "agents", "infra", "billing" };
		static const char *const SEV[] = { "low", "medium", "high", "critical" };
		int k, by[4] = { 0 }, nfind;
		const char *topic = TOPIC[i % NELEM(TOPIC)], *target = PICK(TARGET);

		t += 600 + cr(86400);
		file_begin(&f, &ga);
		nfind = V(&ga, 2, 5) ? 1 + (int)cr(12) : 0;
		jo(NULL);
		js("analysis_id", file_id(&f, uuid()));
		js("type", topic);
		jsf("target", "src/%s", target);
		jt("generated_at", t, T_ZMS);
		jo("tool");
		js("name", (const char *[]){ "lintbot", "depwalk", "radon", "semgrep" }[cr(4)]);
		jsf("version", "%u.%u.%u", cr(3), cr(30), cr(10));
		je();
		jf("score", cf() * 10, 2);
		ja("findings");
		for (k = 0; k < nfind; k++) {
			int sv;

			el(&ga);
			sv = (int)E(&ga, 3, 4);
			by[sv]++;
			jo(NULL);
			js("severity", SEV[sv]);
			jsf("file", "src/%s/mod_%u.py", target, cr(50));
			ji("line", 1 + cr(900));
			jsf("rule", "R%04u", cr(2000));
			js("message", text(4 + (int)cr(10)));
			je();
		}
		je();
		jo("summary");
		ji("files", 1 + cr(400));
		ji("findings", nfind);
		jo("by_severity");
		for (k = 0; k < 4; k++)
			ji(SEV[k], by[k]);
		je();
		je();
		if (V(&ga, 1, 3))
			ji("duration_ms", cr(90000));
		je();
		snprintf(rel, sizeof(rel), "analysis/%s_%s_%03d.json", topic, target, i + 1);
		file_end(&f, rel, t);
	}

	/* analysis_chunks/chunk_NNN.json */
	t = t0;
	for (i = 0; i < nchunk; i++) {
		int nit = 2 + (int)cr(9), k, e;

		t += 5 + cr(120);
		file_begin(&f, &gch);
		jo(NULL);
		ji("chunk", i);
		ji("of", nchunk);
		jsf("source", "analysis/%s.json", (const char *[]){ "code_quality", "complexity", "duplication" }[i % 3]);
		jt("created", t, T_EPOCH);
		ja("items");
		for (k = 0; k < nit; k++) {
			el(&gch);
			jo(NULL);
			jsf("path", "src/%s/%s.py", hexs(4), hexs(6));
			ji("tokens", cr(8000));
			js("sha1", hexs(40));
			if (V(&gch, 1, 2)) {
				ja("embedding");
				for (e = 0; e < 8; e++)
					jf(NULL, cf() * 2 - 1, 4);
				je();
			}
			je();
		}
		je();
		jb("complete", V(&gch, 2, 5) != 0);
		je();
		snprintf(rel, sizeof(rel), "analysis_chunks/chunk_%03d.json", i);
		file_end(&f, rel, t);
	}

	/* message_queue/queue.json and dead_letter.json: arrays of messages */
	{
		static const char *const TYPES[] = { "task", "status", "ack", "ping", "contract", "handoff" };
		static const char *const PRIOS[] = { "normal", "high", "urgent" };
		static const char *const ACTIONS[] = { "claim", "release", "report" };
		long m, id0 = 1000 + cr(9000);
		int q;

		for (q = 0; q < 2; q++) {
			long cnt = q ? ndead : nmsg;

			t = t0;
			file_begin(&f, &gq);
			ja(NULL);
			for (m = 0; m < cnt; m++) {
				int from = (int)cr((unsigned)na), to = (int)cr((unsigned)na + 1);

				t += 1 + cr(600);
				el(&gq);
				jo(NULL);
				jsf("message_id", "msg_%ld_%s", id0 + m + (q ? nmsg : 0), hexs(6));
				js("from", ag[from].name);
				js("to", to == na ? "broadcast" : ag[to].name);
				js("type", ECAT(&gq, 1, TYPES));
				if (E(&gq, 2, 7) == 0)
					ji("priority", 1 + cr(3));
				else
					js("priority", ECAT(&gq, 3, PRIOS));
				if (E(&gq, 4, 5) == 0) {
					jo("body");
					jsf("task_id", "TASK_%s_%04u", ag[to % na].tag, 1 + cr(60));
					js("action", ECAT(&gq, 5, ACTIONS));
					je();
				} else {
					js("body", text(5 + (int)cr(20)));
				}
				jt("created_at", t, T_ZMS);
				jb("delivered", q == 0 && cr(3) != 0);
				ji("attempts", q ? 3 + cr(3) : cr(3));
				if (E(&gq, 6, 3) == 0)
					ji("ttl", 60 * (1 + cr(60)));
				if (q) {
					js("error", text(4 + (int)cr(6)));
					jt("failed_at", t + 30, T_ZMS);
				}
				je();
			}
			je();
			file_end(&f, q ? "message_queue/dead_letter.json" : "message_queue/queue.json", t);
		}
	}

	/* contracts/C-NNNN.json beside contracts/registry.json */
	{
		static const char *const CST[] = { "open", "claimed", "in_progress", "completed", "expired" };
		long c0 = 1 + cr(300);
		int k;

		t = t0;
		for (i = 0; i < ncon; i++) {
			char id[32];
			int st, claimed;

			t += 3600 + cr(86400);
			snprintf(id, sizeof(id), "C-%04ld", c0 + i);
			file_begin(&f, &gco);
			claimed = V(&gco, 3, 4) != 0;
			st = claimed ? 1 + (int)V(&gco, 4, NELEM(CST) - 1) : 0;
			jo(NULL);
			js("contract_id", file_id(&f, id));
			js("title", text(3 + (int)cr(5)));
			if (V(&gco, 1, 3))
				js("description", text(10 + (int)cr(30)));
			if (V(&gco, 2, 4) == 0) {
				jo("reward");
				ji("points", 50 * (1 + cr(20)));
				ji("bonus", 10 * cr(10));
				je();
			} else {
				ji("reward", 50 * (1 + cr(20)));
			}
			js("status", CST[st]);
			if (claimed)
				js("claimed_by", ag[cr((unsigned)na)].name);
			else
				jnull("claimed_by");
			jt("created", t, T_Z);
			jt("deadline", t + 86400 * (time_t)(3 + cr(30)), T_OFF);
			ja("requirements");
			for (k = 1 + (int)cr(3); k > 0; k--)
				js(NULL, text(4 + (int)cr(6)));
			je();
			ja("deliverables");
			for (k = V(&gco, 5, 3) ? 1 + (int)cr(2) : 0; k > 0; k--) {
				el(&gco);
				jo(NULL);
				jsf("name", "%s.md", hexs(6));
				jb("done", cr(2));
				je();
			}
			je();
			je();
			snprintf(rel, sizeof(rel), "contracts/%s.json", id);
			file_end(&f, rel, t);
		}
		/* the registry: an object keyed by contract id */
		file_begin(&f, &gcr);
		jo(NULL);
		ji("version", 3);
		jt("updated", t, T_Z);
		jo("contracts");
		for (i = 0; i < ncon; i++) {
			char id[32];

			snprintf(id, sizeof(id), "C-%04ld", c0 + i);
			jo(id);
			js("title", text(3));
			if (i % 3)
				js("owner", ag[cr((unsigned)na)].name);
			else
				jnull("owner");
			js("status", CST[i % NELEM(CST)]);
			ji("points", 50 * (1 + cr(20)));
			je();
		}
		je();
		je();
		file_end(&f, "contracts/registry.json", t);
	}

	/* root-level upper-case reports, each of its own shape */
	{
		static const char *const RES[] = { "PERFORMANCE_RESULTS", "TEST_RESULTS", "INTEGRATION_TEST_RESULTS" };
		int k, n;

		t = t0 + 86400 * 20;
		for (i = 0; i < 3 + nphase; i++) {
			int pass = 0, failn = 0;

			file_begin(&f, &gr);
			n = 3 + (int)cr(12);
			jo(NULL);
			js("suite", i < 3 ? RES[i] : "phase");
			jt("run_at", t + i * 3600, T_NAIVE);
			ja("results");
			for (k = 0; k < n; k++) {
				int ok = (k + i) % 5 != 4;

				if (ok)
					pass++;
				else
					failn++;
				jo(NULL);
				jsf("name", "test_%s_%u", hexs(5), cr(100));
				js("status", ok ? "passed" : "failed");
				jf("ms", cf() * 900, 1);
				if (!ok)
					js("error", text(6));
				je();
			}
			je();
			ji("passed", pass);
			ji("failed", failn);
			jf("duration_s", cf() * 300, 2);
			if (i == 0)
				jraw("bytes_processed", bigint());
			je();
			if (i < 3)
				snprintf(rel, sizeof(rel), "%s.json", RES[i]);
			else
				snprintf(rel, sizeof(rel), "PHASE_%d_RESULTS.json", i - 2);
			file_end(&f, rel, t + i * 3600);
		}
		file_begin(&f, &gr);
		jo(NULL);
		jsf("audit_id", "AUD-%s", hexs(6));
		js("auditor", ag[0].name);
		js("date", tstr(t, T_DATE));
		ja("scope");
		js(NULL, "agent_workspaces");
		js(NULL, "contracts");
		je();
		ja("issues");
		for (k = 0; k < 3 + (int)cr(4); k++) {
			jo(NULL);
			jsf("id", "ISS-%u", cr(999));
			js("severity", (const char *[]){ "minor", "major", "blocker" }[k % 3]);
			js("desc", text(8));
			je();
		}
		je();
		ji("score", cr(100));
		je();
		file_end(&f, "AUDIT_REPORT.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		jt("generated", t, T_Z);
		ja("agents");
		for (k = 0; k < na; k++) {
			jo(NULL);
			js("agent", ag[k].name);
			js("state", (const char *[]){ "active", "idle", "offline" }[k % 3]);
			ji("tasks", cr(200));
			je();
		}
		je();
		je();
		file_end(&f, "SWARM_STATUS_REPORT.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		jo("total");
		jo("lines");
		jf("pct", cf() * 100, 2);
		je();
		jo("branches");
		jf("pct", cf() * 100, 2);
		je();
		je();
		jo("files");
		for (k = 0; k < 6 + (int)cr(6); k++) {
			char p[64];

			snprintf(p, sizeof(p), "src/%s.py", hexs(6));
			jo(p);
			ji("lines", cr(900));
			ji("covered", cr(900));
			je();
		}
		je();
		je();
		file_end(&f, "COVERAGE_SUMMARY.json", t);
		file_begin(&f, &gr);
		jo(NULL);
		js("report", "security");
		jt("scanned_at", t, T_OFF);
		ja("vulnerabilities");
		je();
		jb("passed", 1);
		je();
		file_end(&f, "SECURITY_AUDIT_REPORT.json", t);
	}

	/* ignored and other files */
	ignored_node_modules("", 5 + (int)(nfiles / 2000), t0);
	ignored_npm_root("", t0);
	ignored_git(t0);
	bs("# Swarm workspace\n\nAgents coordinate through message_queue/queue.json.\n");
	emit("README.md", K_OTHER, "docs", t0);
	for (i = 0; i < na; i++) {
		snprintf(rel, sizeof(rel), "agent_workspaces/%s/journal.md", ag[i].name);
		bf("# %s\n\n%s\n", ag[i].name, text(20));
		emit(rel, K_OTHER, "notes", t0);
	}
	bf("%s INFO swarm started with %d agents\n%s WARN queue depth high\n", tstr(t0, T_SPACE), na,
	   tstr(t0 + 60, T_SPACE));
	emit("logs/swarm.log", K_OTHER, "logs", t0);
	bs("[{\"message_id\": \"msg_0\"}]\n");
	emit("message_queue/queue.json.bak", K_OTHER, "backup", t0);
	bs("OPENAI_API_KEY=\nSWARM_AGENTS=8\n");
	emit(".env.example", K_OTHER, "misc", t0);
}
