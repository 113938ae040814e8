/*
 * floor.c - the floor of the benchmarks (issue 6): the least work a migration
 * into SQLite can do.  Walk the tree, read every *.json file, parse it with
 * cJSON (and drop it if it does not parse), insert (path, raw text) with one
 * prepared statement, all in one transaction.  No validation, no hashing, no
 * archive, no ledger.
 *
 * usage: floor TREE DB
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sqlite3 *db;
static sqlite3_stmt *ins;
static char *buf;
static size_t cap;
static long nfiles, nbad;
static size_t root_len;

static void file(const char *path, int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) { perror(path); exit(3); }
	size_t n = (size_t)st.st_size, got = 0;
	if (n + 1 > cap) { cap = n + 1; buf = realloc(buf, cap); }
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0) break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = 0;
	cJSON *j = cJSON_ParseWithLength(buf, got);
	if (!j) { nbad++; return; }
	cJSON_Delete(j);
	sqlite3_bind_text(ins, 1, path + root_len, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, buf, (int)got, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); exit(3); }
	sqlite3_reset(ins);
	nfiles++;
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	if (!d) { perror(dir); exit(3); }
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) { walk(path); continue; }
		size_t l = strlen(e->d_name);
		if (e->d_type == DT_REG && l > 5 && !strcmp(e->d_name + l - 5, ".json"))
			file(path, dirfd(d), e->d_name);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: floor TREE DB\n"); return 2; }
	unlink(argv[2]);
	if (sqlite3_open(argv[2], &db) != SQLITE_OK) { fprintf(stderr, "open %s\n", argv[2]); return 3; }
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE docs(path TEXT PRIMARY KEY, raw TEXT NOT NULL);"
		     "BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO docs(path, raw) VALUES (?, ?)", -1, &ins, NULL)) {
		fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 3;
	}
	root_len = strlen(argv[1]) + 1;
	walk(argv[1]);
	sqlite3_finalize(ins);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 3; }
	sqlite3_close(db);
	fprintf(stderr, "floor: %ld files inserted, %ld not JSON\n", nfiles, nbad);
	return 0;
}
