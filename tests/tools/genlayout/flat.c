/*
 * flat.c - genlayout's layout "flat" (genlayout.h, tests/tools/README.md).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "genlayout.h"

/*
 * A small team's hand-rolled tree: numbered task files in one folder, inbox
 * and outbox of messages, one queue.json holding a job list, reports with an
 * upper-case .JSON extension, a settings file, contacts.
 */
void gen_flat(long nfiles)
{
	static const char *const TOPEN[] = { "todo", "doing" };
	static const char *const TDONE[] = { "done", "wontfix" };
	const struct person *pp[10];
	int np = 6 + (int)shp("flat.people", 5), i, k;
	long fixed = 2 + np, bulk = nfiles > fixed ? nfiles - fixed : 0;
	long nin = share(bulk, 300, 8), nout = share(bulk, 150, 5);
	long nrep = share(bulk, 30, 4), njobs = 10 + nfiles / 30;
	long ntask = rest(bulk, nin + nout + nrep, 10);
	struct group gt, gi, go, gq, gr, gs, gc;
	struct file f;
	char rel[PATH_MAX];
	time_t t0, t;
	long start;

	pick_people(pp, np);
	t0 = base_time();
	start = 1 + cr(300);
	group_init(&gt, "tasks", "id", 0, ntask);
	group_init(&gi, "inbox", "message_id", 0, nin);
	group_init(&go, "outbox", "message_id", 0, nout);
	group_init(&gq, "queue", NULL, 0, 1);
	group_init(&gr, "reports", NULL, 0, nrep);
	group_init(&gs, "settings", NULL, 0, 1);
	group_init(&gc, "contacts", "email", 0, np);

	/* tasks/TASK-NNNN.json */
	t = t0;
	for (i = 0; i < ntask; i++) {
		char id[32];
		int closed, nc;

		t += 300 + cr(20000);
		snprintf(id, sizeof(id), "TASK-%04ld", start + i);
		file_begin(&f, &gt);
		closed = (int)V(&gt, 4, 3);   /* 0 closed, 1 null, 2 absent */
		nc = V(&gt, 6, 4) ? 1 + (int)cr(3) : 0;
		jo(NULL);
		js("id", file_id(&f, id));
		js("summary", text(4 + (int)cr(8)));
		js("state", closed == 0 ? VCAT(&gt, 20, TDONE) : VCAT(&gt, 21, TOPEN));
		if (V(&gt, 1, 4))
			js("owner", pp[cr((unsigned)np)]->handle);
		else
			jnull("owner");
		ja("labels");
		for (k = V(&gt, 7, 3) ? 1 + (int)cr(2) : 0; k > 0; k--)
			js(NULL, PICK(TAGS));
		je();
		if (V(&gt, 2, 3) == 0) {
			jo("estimate");
			ji("optimistic", 1 + cr(3));
			ji("pessimistic", 4 + cr(8));
			js("unit", "days");
			je();
		} else {
			jf("estimate", 0.5 + cr(8) + 0.5, 1);
		}
		jt("created", t, V(&gt, 3, 4) ? T_SPACE : T_Z);
		if (closed == 0)
			jt("closed", t + cr(864000), T_SPACE);
		else if (closed == 1)
			jnull("closed");
		ja("comments");
		for (k = 0; k < nc; k++) {
			el(&gt);
			jo(NULL);
			js("author", pp[cr((unsigned)np)]->handle);
			jt("at", t + 3600 * (k + 1), T_EPOCH);
			js("text", text(5 + (int)cr(20)));
			je();
		}
		je();
		if (V(&gt, 5, 5) == 0 && i > 0) {
			jo("links");
			jsf("parent", "TASK-%04ld", start + (long)cr((unsigned)i));
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "tasks/%s.json", id);
		file_end(&f, rel, t);
	}

	/* inbox/<YYYYMMDD>-<HHMMSS>-<from>.json */
	t = t0;
	for (i = 0; i < nin; i++) {
		const struct person *from = pp[cr((unsigned)np)];
		struct tm tm;
		char stamp[32];

		t += 1 + cr(30000);
		gmtime_r(&t, &tm);
		snprintf(stamp, sizeof(stamp), "%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		file_begin(&f, &gi);
		jo(NULL);
		js("message_id", file_id(&f, uuid()));
		js("from", from->handle);
		if (V(&gi, 1, 4) == 0) {
			ja("to");
			for (k = 1 + (int)cr(3); k > 0; k--)
				js(NULL, pp[cr((unsigned)np)]->handle);
			je();
		} else {
			js("to", pp[cr((unsigned)np)]->handle);
		}
		if (V(&gi, 2, 3) == 0) {
			ja("cc");
			js(NULL, pp[cr((unsigned)np)]->handle);
			je();
		}
		js("subject", text(3 + (int)cr(6)));
		js("body", text(15 + (int)cr(60)));
		jt("sent", t, T_OFF);
		jb("read", cr(2));
		if (V(&gi, 3, 3))
			jsf("thread", "thr-%u", cr(500));
		ja("attachments");
		for (k = V(&gi, 4, 4) ? 0 : 1 + (int)cr(2); k > 0; k--) {
			el(&gi);
			jo(NULL);
			jsf("name", "%s.pdf", hexs(6));
			ji("size", cr(5000000));
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "inbox/%s-%s.json", stamp, from->handle);
		file_end(&f, rel, t);
	}

	/* outbox/<uuid>.json */
	t = t0;
	for (i = 0; i < nout; i++) {
		char id[64];
		int st;

		t += 1 + cr(50000);
		snprintf(id, sizeof(id), "%s", uuid());
		file_begin(&f, &go);
		st = (int)V(&go, 1, 3);
		jo(NULL);
		js("message_id", file_id(&f, id));
		js("from", pp[0]->handle);
		js("to", pp[cr((unsigned)np)]->handle);
		js("subject", text(4));
		js("body", text(10 + (int)cr(40)));
		jt("queued_at", t, T_Z);
		if (st == 1)
			jt("delivered_at", t + cr(600), T_Z);
		else
			jnull("delivered_at");
		js("status", (const char *[]){ "queued", "sent", "failed" }[st]);
		if (st == 2)
			js("error", text(5));
		je();
		snprintf(rel, sizeof(rel), "outbox/%s.json", id);
		file_end(&f, rel, t);
	}

	/* queue.json: an object holding the job list */
	file_begin(&f, &gq);
	jo(NULL);
	ji("version", 2);
	jt("updated", t, T_EPOCH);
	ja("jobs");
	for (i = 0; i < njobs; i++) {
		static const char *const JK[] = { "send_mail", "sync", "reindex", "export" };

		el(&gq);
		jo(NULL);
		jsf("job_id", "job-%06ld", 1000 + (long)i * 7);
		js("kind", ECAT(&gq, 1, JK));
		jo("args");
		js("target", pp[cr((unsigned)np)]->handle);
		if (E(&gq, 2, 2))
			ji("limit", cr(1000));
		je();
		jt("enqueued", t - cr(86400), T_SPACE);
		ji("attempts", cr(4));
		if (E(&gq, 3, 4))
			jnull("last_error");
		else
			js("last_error", text(5));
		je();
	}
	je();
	je();
	file_end(&f, "queue.json", t);

	/* reports/<kind>_<YYYY>_<NN>.JSON */
	for (i = 0; i < nrep; i++) {
		static const char *const RK[] = { "weekly", "monthly", "incident" };
		const char *kind = RK[i % 3];
		time_t from = t0 + 86400 * 7 * (time_t)i;
		int nr = 2 + (int)cr(8);

		file_begin(&f, &gr);
		jo(NULL);
		js("report", kind);
		jo("period");
		js("from", tstr(from, T_DATE));
		js("to", tstr(from + 86400 * 6, T_DATE));
		je();
		jt("generated", from + 86400 * 7, T_Z);
		jo("totals");
		ji("tasks_closed", cr(50));
		ji("messages", cr(500));
		je();
		ja("rows");
		for (k = 0; k < nr; k++) {
			el(&gr);
			jo(NULL);
			js("who", pp[cr((unsigned)np)]->display);
			ji("closed", cr(10));
			jf("hours", cf() * 40, 1);
			je();
		}
		je();
		je();
		snprintf(rel, sizeof(rel), "reports/%s_%s_%02d.JSON", kind, dstr(from, D_MONTH), i);
		file_end(&f, rel, from);
	}

	/* contacts/<handle>.json */
	for (i = 0; i < np; i++) {
		char mail[64];

		snprintf(mail, sizeof(mail), "%s@example.org", pp[i]->handle);
		file_begin(&f, &gc);
		jo(NULL);
		js("name", pp[i]->display);
		js("email", file_id(&f, mail));
		js("team", PICK(TAGS));
		js("tz", (const char *[]){ "Europe/Paris", "America/Sao_Paulo", "Asia/Tokyo", "UTC" }[cr(4)]);
		if (V(&gc, 1, 3)) {
			ja("aliases");
			js(NULL, pp[i]->handle);
			je();
		}
		je();
		snprintf(rel, sizeof(rel), "contacts/%s.json", pp[i]->handle);
		file_end(&f, rel, t0);
	}

	/* settings.json */
	file_begin(&f, &gs);
	jo(NULL);
	js("theme", "dark");
	js("timezone", "Europe/Lisbon");
	jo("notify");
	jb("email", 1);
	jb("slack", cr(2));
	ji("digest_hour", 8);
	je();
	ja("owners");
	js(NULL, pp[0]->handle);
	js(NULL, pp[1]->handle);
	je();
	ji("retention_days", 30 + cr(300));
	je();
	file_end(&f, "settings.json", t0);

	/* ignored and other */
	ignored_npm_root("", t0);
	bs("{\n  \"lockfileVersion\": 1,\n  \"deps\": {}\n}\n");
	emit("deps.lock.json", K_IGNORED, "lock", t0);
	bf("# TODO\n\n- %s\n- %s\n", text(6), text(6));
	emit("TODO.md", K_OTHER, "notes", t0);
	bs(text(30));
	bs("\n");
	emit("notes.txt", K_OTHER, "notes", t0);
	bs("# yarn lockfile v1\n\n\"debug@^4.3.4\":\n  version \"4.3.4\"\n");
	emit("yarn.lock", K_OTHER, "lock", t0);
}
