/*
 * mixed.c - genlayout's layout "mixed" (genlayout.h, tests/tools/README.md).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "genlayout.h"

/*
 * A bit of everything and noise: work items by year/month, Slack-like chat
 * files named by their timestamp, daily metric series, exports with spaces
 * and non-ASCII in their names (some with a BOM, some CRLF), tool configs at
 * the root, a browser profile with cookies, backups, logs, JSON Lines.  Every
 * file gets its own output style.
 */
void gen_mixed(long nfiles)
{
	static const char *const CHAN[] = { "general", "dev", "alerts", "random", "ops", "données", "営業" };
	static const char *const WKIND[] = { "task", "bug", "idea", "chore" };
	static const char *const WSTATE[] = { "new", "active", "parked", "closed" };
	static const char *const FLAGS[] = { "new_ui", "beta_api", "dark_mode", "fast_sync", "ai_summary", "audit_log" };
	const struct person *pp[8];
	const char *chan[4];
	int np = 8, nch = 2 + (int)shp("mixed.channels", 3), i, k;
	long fixed = 9, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nchat = share(bulk, 350, 8), nmet = share(bulk, 100, 3);
	long nexp = share(bulk, 50, 4);
	long nwork = rest(bulk, nchat + nmet + nexp, 8);
	struct group gw, gch, gst, gcfg, gm, gx, gpf, ged;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;

	pick_people(pp, np);
	pick_words(CHAN, NELEM(CHAN), chan, nch);
	t0 = base_time();
	group_init(&gw, "work_items", "uid", 0, nwork);
	group_init(&gch, "chat", "client_msg_id", 0, nchat);
	group_init(&gst, "state", NULL, 0, 1);
	group_init(&gcfg, "app_config", NULL, 0, 3);
	gcfg.hetero = 1;
	group_init(&gm, "metrics", NULL, 0, nmet);
	group_init(&gx, "exports", NULL, 0, nexp);
	group_init(&gpf, "project_files", NULL, 0, 2);
	gpf.hetero = 1;
	group_init(&ged, "editor_config", NULL, 0, 1);

	/* work/<YYYY>/<MM>/item_<hex>.json */
	t = t0;
	for (i = 0; i < nwork; i++) {
		char id[32];
		struct tm tm;

		t += 60 + cr(30000);
		gmtime_r(&t, &tm);
		snprintf(id, sizeof(id), "%s", hexs(8));
		file_begin(&f, &gw);
		jo(NULL);
		js("uid", file_id(&f, id));
		js("kind", VCAT(&gw, 20, WKIND));
		js("title", text(3 + (int)cr(8)));
		js("state", VCAT(&gw, 21, WSTATE));
		if (V(&gw, 1, 3))
			js("who", pp[cr((unsigned)np)]->handle);
		jt("when", t, T_EPOCH_MS);
		if (V(&gw, 2, 4) == 0) {
			jo("data");
			js("source", "import");
			ji("legacy_id", cr(100000));
			je();
		} else if (V(&gw, 2, 4) == 1) {
			js("data", text(4));
		}
		if (V(&gw, 3, 9) == 0)
			jraw("trace", bigint());
		je();
		snprintf(rel, sizeof(rel), "work/%04d/%02d/item_%s.json", tm.tm_year + 1900, tm.tm_mon + 1, id);
		file_end(&f, rel, t);
	}

	/* chat/<channel>/<slack ts>.json */
	t = t0;
	for (i = 0; i < nchat; i++) {
		const char *c = chan[cr((unsigned)nch)];
		const char *ts;
		char tsb[64];

		t += 1 + cr(3000);
		ts = tstr(t, T_SLACK);
		snprintf(tsb, sizeof(tsb), "%s", ts);
		file_begin(&f, &gch);
		jo(NULL);
		js("type", "message");
		js("client_msg_id", file_id(&f, uuid()));
		js("channel", c);
		jsf("user", "U0%s", hexs(8));
		js("text", text(3 + (int)cr(25)));
		js("ts", tsb);
		if (V(&gch, 1, 4) == 0)
			js("thread_ts", tstr(t - cr(3000), T_SLACK));
		if (V(&gch, 2, 3) == 0) {
			ja("reactions");
			jo(NULL);
			js("name", (const char *[]){ "+1", "eyes", "tada", "white_check_mark" }[cr(4)]);
			ji("count", 1 + cr(5));
			je();
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "chat/%s/%s.json", c, tsb);
		file_end(&f, rel, t);
	}

	/* metrics/<YYYY-MM-DD>.json: arrays of [time, value] pairs */
	for (i = 0; i < nmet; i++) {
		time_t day = t0 + 86400 * (time_t)i;
		int ns = 24 + (int)cr(72);

		file_begin(&f, &gm);
		jo(NULL);
		js("date", tstr(day, T_DATE));
		jsf("host", "node-%02u", cr(12));
		ja("samples");
		for (k = 0; k < ns; k++) {
			ja(NULL);
			ji(NULL, (long long)day + k * 900);
			jf(NULL, cf() * 100, 2);
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "metrics/%s.json", dstr(day, D_DAY));
		file_end(&f, rel, day);
	}

	/* exports/ with awkward names, BOM and CRLF */
	for (i = 0; i < nexp; i++) {
		int nr = 1 + (int)cr(6);

		t = t0 + 3600 * (time_t)i;
		file_begin(&f, &gx);
		jo(NULL);
		js("title", text(3));
		jt("exported_at", t, T_NAIVE);
		ja("rows");
		for (k = 0; k < nr; k++) {
			el(&gx);
			jo(NULL);
			js("name", pp[cr((unsigned)np)]->display);
			jf("value", cf() * 1000, 2);
			je();
		}
		je();
		je();
		if (cr(3) == 0)
			binsert(0, "\xef\xbb\xbf", 3);
		if (i % 3 == 0)
			snprintf(rel, sizeof(rel), "exports/Copy of report (%d).json", i + 1);
		else if (i % 3 == 1)
			snprintf(rel, sizeof(rel), "exports/résumé équipe %d.json", i + 1);
		else
			snprintf(rel, sizeof(rel), "exports/データ_%d.json", i + 1);
		file_end(&f, rel, t);
	}

	/* root singletons */
	file_begin(&f, &gst);
	jo(NULL);
	ji("schema", 4);
	jt("saved", t0, T_SPACE);
	jo("cursor");
	js("chat", tstr(t0, T_SLACK));
	ji("work", nwork);
	je();
	je();
	file_end(&f, "state.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	js("name", "helper");
	ji("port", 8080);
	jb("debug", 0);
	je();
	file_end(&f, "config/app.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	js("url", "postgres://app@db/app");
	ji("pool", 8);
	je();
	file_end(&f, "config/db.json", t0);
	file_begin(&f, &gcfg);
	jo(NULL);
	for (k = 0; k < (int)NELEM(FLAGS); k++)
		jb(FLAGS[k], cr(2));
	je();
	file_end(&f, "config/features.json", t0);
	file_begin(&f, &gpf);
	jo(NULL);
	jo("compilerOptions");
	js("target", "ES2022");
	js("module", "NodeNext");
	jb("strict", 1);
	js("outDir", "dist");
	je();
	ja("include");
	js(NULL, "src/**/*");
	je();
	je();
	file_end(&f, "tsconfig.json", t0);
	file_begin(&f, &gpf);
	jo(NULL);
	jb("root", 1);
	ja("extends");
	js(NULL, "eslint:recommended");
	je();
	jo("rules");
	js("no-console", "warn");
	je();
	je();
	file_end(&f, ".eslintrc.json", t0);
	file_begin(&f, &ged);
	jo(NULL);
	ji("editor.tabSize", 2);
	jb("files.trimTrailingWhitespace", 1);
	je();
	file_end(&f, ".vscode/settings.json", t0);

	/* ignored */
	ignored_npm_root("", t0);
	ignored_node_modules("", 2, t0);
	ignored_venv(2, t0);
	bs("[{\"name\": \"sid\", \"value\": \"");
	bs(hexs(32));
	bs("\", \"domain\": \".example.org\", \"expires\": 17");
	emit("browser/profile/Default/Cookies.json", K_IGNORED, "browser", t0);
	bf("[{\"name\": \"_ga\", \"value\": \"GA1.2.%u\"}]\n", cr(1000000));
	emit("browser/profile/Default/cookies_backup.json", K_IGNORED, "browser", t0);
	bf("{\"etag\": \"%s\"}\n", hexs(16));
	emit(".cache/http/etags.json", K_IGNORED, "cache", t0);
	/* other */
	bs("{\"profile\": {\"name\": \"Person 1\"}}");
	emit("browser/profile/Default/Preferences", K_OTHER, "browser", t0);
	bs("{\"browser\": {\"last_redirect_origin\": \"\"}}");
	emit("browser/profile/Local State", K_OTHER, "browser", t0);
	bf("# notes\n\n%s\n", text(30));
	emit("notes.md", K_OTHER, "notes", t0);
	for (i = 0; i < 2 + (int)(nfiles / 2000); i++) {
		snprintf(rel, sizeof(rel), "logs/app-%s.log", dstr(t0 + 86400 * (time_t)i, D_DAY));
		bf("%s INFO started\n%s ERROR %s\n", tstr(t0, T_Z), tstr(t0 + 5, T_Z), text(5));
		emit(rel, K_OTHER, "logs", t0);
	}
	bs("{\"schema\": 3}\n");
	emit("state.json.bak", K_OTHER, "backup", t0);
	bs("{\"kind\": \"tmp\"}\n");
	emit("config/app.json~", K_OTHER, "backup", t0);
	for (i = 0; i < 5; i++)
		bf("{\"event\": \"e%d\", \"at\": %lld}\n", i, (long long)t0 + i);
	emit("events.jsonl", K_OTHER, "logs", t0);
	bput("\0\0\0\1Bud1\0\0", 10);
	emit(".DS_Store", K_OTHER, "misc", t0);
	bs("# yarn lockfile v1\n");
	emit("yarn.lock", K_OTHER, "lock", t0);
}
