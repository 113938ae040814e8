/*
 * nested.c - genlayout's layout "nested" (genlayout.h, tests/tools/README.md).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "genlayout.h"

/*
 * A project tracker exported as files: projects, sprints and deeply nested
 * tickets with subtasks of subtasks, stand-up arrays per day, per-project
 * member lists, and a web/ front-end with its own node_modules.
 */
void gen_nested(long nfiles)
{
	static const char *const KEYS[] = {
		"ATLAS", "BEACON", "CEDAR", "DELTA", "ECHO", "FALCON", "GARNET", "HARBOR",
		"IRIS", "JADE", "KITE", "LOTUS", "MAPLE", "NOVA", "ORBIT", "PRISM",
	};
	static const char *const TST[] = { "open", "in_progress", "in_review", "done", "closed" };
	static const char *const TTYPE[] = { "bug", "story", "task", "spike" };
	static const char *const COMP[] = { "api", "web", "mobile", "infra" };
	static const char *const SEVS[] = { "S1", "S2", "S3" };
	static const char *const LINKT[] = { "blocks", "relates", "duplicates" };
	const char *key[4];
	const struct person *pp[12];
	int nproj = 2 + (int)shp("nested.projects", 3), np = 8, i, k;
	unsigned sstyle = shp("nested.sprint_style", 3);
	long fixed = 2 * nproj, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nsprint_per = 2 + share(bulk, 50, 0) / nproj;
	long nstand = share(bulk, 150, 4);
	long nsprints = nsprint_per * nproj;
	long ntick = rest(bulk, nstand + nsprints, 12);
	struct group gp, gmb, gsp, gt, gsu;
	struct file f;
	char rel[PATH_MAX], pdir[64], sdir[64];
	time_t t0, t;

	pick_words(KEYS, NELEM(KEYS), key, nproj);
	pick_people(pp, np);
	t0 = base_time();
	group_init(&gp, "project_configs", "key", 0, nproj);
	group_init(&gmb, "project_members", NULL, 1, nproj);
	group_init(&gsp, "sprints", NULL, 0, nsprints);
	group_init(&gt, "tickets", "ticket", 0, ntick);
	group_init(&gsu, "standups", NULL, 1, nstand);

	for (i = 0; i < nproj; i++) {
		long s, tick_no = 1 + cr(200);

		lower(pdir, key[i], sizeof(pdir));
		file_begin(&f, &gp);
		jo(NULL);
		js("key", file_id(&f, key[i]));
		js("name", text(2 + (int)cr(3)));
		js("lead", pp[cr((unsigned)np)]->display);
		jt("created", t0 - 86400 * 200, T_Z);
		jo("workflow");
		ja("states");
		for (k = 0; k < (int)NELEM(TST); k++)
			js(NULL, TST[k]);
		je();
		jo("transitions");
		for (k = 0; k + 1 < (int)NELEM(TST); k++) {
			ja(TST[k]);
			js(NULL, TST[k + 1]);
			if (k)
				js(NULL, TST[0]);
			je();
		}
		je();
		je();
		jo("settings");
		ji("sprint_days", 14);
		jb("auto_close", cr(2));
		jo("notifications");
		jb("email", 1);
		jo("slack");
		jsf("channel", "#%s-dev", pdir);
		jb("mentions", cr(2));
		je();
		je();
		je();
		je();
		snprintf(rel, sizeof(rel), "projects/%s/project.json", pdir);
		file_end(&f, rel, t0);

		file_begin(&f, &gmb);
		ja(NULL);
		for (k = 0; k < 3 + (int)cr(5); k++) {
			jo(NULL);
			js("name", pp[(i + k) % np]->display);
			jsf("email", "%s@example.org", pp[(i + k) % np]->handle);
			js("role", k ? "member" : "admin");
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "projects/%s/config/members.json", pdir);
		file_end(&f, rel, t0);
		bf("# %s\n\n%s\n", key[i], text(20));
		snprintf(rel, sizeof(rel), "projects/%s/README.md", pdir);
		emit(rel, K_OTHER, "docs", t0);

		for (s = 0; s < nsprint_per; s++) {
			time_t sstart = t0 + 86400 * 14 * (time_t)s;
			long si = i * nsprint_per + s;
			long nt = split(ntick, nsprints, si), ns = split(nstand, nsprints, si), j;
			struct tm tm;

			gmtime_r(&sstart, &tm);
			if (sstyle == 0)
				snprintf(sdir, sizeof(sdir), "sprint-%02ld", s + 1);
			else if (sstyle == 1)
				snprintf(sdir, sizeof(sdir), "S%03ld", s + 1);
			else
				snprintf(sdir, sizeof(sdir), "%04d-W%02d", tm.tm_year + 1900, tm.tm_yday / 7 + 1);
			file_begin(&f, &gsp);
			jo(NULL);
			ji("sprint", s + 1);
			js("name", sdir);
			js("goal", text(6 + (int)cr(10)));
			js("start", tstr(sstart, T_DATE));
			js("end", tstr(sstart + 86400 * 13, T_DATE));
			if (V(&gsp, 1, 3))
				jf("velocity", cf() * 40 + 1, 1);
			else
				jnull("velocity");
			js("state", s + 1 < nsprint_per ? "closed" : "active");
			je();
			snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/sprint.json", pdir, sdir);
			file_end(&f, rel, sstart);

			t = sstart;
			for (j = 0; j < nt; j++) {
				char id[32];
				int nsub, a;

				t += 60 + cr(12000);
				snprintf(id, sizeof(id), "%s-%ld", key[i], tick_no++);
				file_begin(&f, &gt);
				nsub = V(&gt, 10, 4) ? 1 + (int)cr(3) : 0;
				jo(NULL);
				js("ticket", file_id(&f, id));
				js("type", VCAT(&gt, 20, TTYPE));
				js("title", text(4 + (int)cr(8)));
				if (V(&gt, 1, 4) == 0)
					js("description", text(30 + (int)cr(80)));
				js("status", VCAT(&gt, 21, TST));
				if (V(&gt, 2, 4)) {
					jo("assignee");
					a = (int)cr((unsigned)np);
					js("name", pp[a]->display);
					jsf("email", "%s@example.org", pp[a]->handle);
					je();
				} else {
					jnull("assignee");
				}
				js("reporter", pp[cr((unsigned)np)]->handle);
				if (V(&gt, 3, 3))
					ji("points", 1 + cr(13));
				else
					jnull("points");
				jt("created", t, T_ZMS);
				jt("updated", t + cr(86400 * 5), V(&gt, 4, 3) ? T_ZMS : T_OFF);
				jo("fields");
				js("component", VCAT(&gt, 22, COMP));
				if (V(&gt, 5, 2))
					js("severity", VCAT(&gt, 23, SEVS));
				jo("custom");
				{
					char cf_key[32];

					snprintf(cf_key, sizeof(cf_key), "cf_%u", 1000 + (unsigned)(gt.salt % 50));
					jsf(cf_key, "%u", cr(100));
				}
				if (V(&gt, 6, 4) == 0) {
					jo("release");
					jsf("version", "%u.%u", 1 + cr(3), cr(10));
					jo("train");
					js("name", text(2));
					js("date", tstr(t + 86400 * 30, T_DATE));
					je();
					je();
				}
				je();
				je();
				ja("subtasks");
				for (k = 0; k < nsub; k++) {
					int nss = E(&gt, 9, 3) ? 1 + (int)cr(2) : 0, m;

					el(&gt);
					jo(NULL);
					jsf("id", "%s-%d", id, k + 1);
					js("title", text(3 + (int)cr(5)));
					js("status", ECAT(&gt, 24, TST));
					if (E(&gt, 7, 2)) {
						jo("estimate");
						ji("hours", 1 + cr(16));
						je();
					} else {
						jf("estimate", 0.5 + cr(16) + 0.5, 1);
					}
					ja("subtasks");
					for (m = 0; m < nss; m++) {
						jo(NULL);
						jsf("id", "%s-%d-%d", id, k + 1, m + 1);
						js("title", text(3));
						jb("done", cr(2));
						je();
					}
					je();
					je();
				}
				je();
				ja("links");
				if (tick_no > 3 && V(&gt, 8, 3) == 0) {
					jo(NULL);
					js("type", VCAT(&gt, 25, LINKT));
					jsf("target", "%s-%ld", key[i], tick_no - 1 - (long)cr(2));
					je();
				}
				je();
				je();
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/tickets/%s.json", pdir, sdir, id);
				file_end(&f, rel, t);
			}

			for (j = 0; j < ns; j++) {
				time_t day = sstart + 86400 * (time_t)j;

				file_begin(&f, &gsu);
				ja(NULL);
				for (k = 0; k < 2 + (int)cr(5); k++) {
					el(&gsu);
					jo(NULL);
					js("who", pp[(k + (int)j) % np]->handle);
					js("yesterday", text(5 + (int)cr(8)));
					js("today", text(5 + (int)cr(8)));
					ja("blockers");
					if (E(&gsu, 1, 4) == 0)
						js(NULL, text(4));
					je();
					je();
				}
				je();
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/standups/%s.json", pdir, sdir,
					 dstr(day, D_DAY));
				file_end(&f, rel, day);
			}
			if (s % 2 == 0) {
				bf("# Retro %s\n\n- %s\n", sdir, text(10));
				snprintf(rel, sizeof(rel), "projects/%s/sprints/%s/retro.md", pdir, sdir);
				emit(rel, K_OTHER, "notes", sstart);
			}
		}
		if (i == 0) {
			char pre[PATH_MAX];

			snprintf(pre, sizeof(pre), "projects/%s/web/", pdir);
			ignored_npm_root(pre, t0);
			ignored_node_modules(pre, 4 + (int)(nfiles / 4000), t0);
		}
	}
	ignored_git(t0);
}
