/*
 * storage/sqlite_lock.c - who holds an SQLite database's write lock, so
 * that a run waiting for it can say so (struct lock_holder, storage.h).
 *
 * SQLite takes POSIX record locks: a writer holds a write lock on the
 * RESERVED byte of the database file (then PENDING while it commits), or,
 * in WAL mode, on the WAL_WRITE_LOCK byte of the "-shm" file.  The kernel
 * lists every record lock with its pid in /proc/locks; reading that list
 * opens no descriptor on the database, so it cannot drop a lock of ours
 * (closing any descriptor of a file drops all of a process's POSIX locks
 * on it).  Linux only; elsewhere, or when nothing matches, the holder
 * stays unknown ("").
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQ_PENDING_BYTE 0x40000000LL
#define SQ_RESERVED_BYTE (SQ_PENDING_BYTE + 1)
#define SQ_WAL_WRITE_LOCK 120LL   /* first lock byte of the -shm file */

/* pid holding a write lock over byte `off` of the file `st`, or 0. */
static long write_lock_pid(const struct stat *st, long long off)
{
	char line[256];
	long pid = 0;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		char kind[16], rw[16], end[32];
		unsigned long long ino;
		long long start, last;
		long p;

		if (strstr(line, "->"))          /* a waiter, not a holder */
			continue;
		if (sscanf(line, "%*[^:]: %15s %*s %15s %ld %*x:%*x:%llu %lld %31s",
			   kind, rw, &p, &ino, &start, end) != 6)
			continue;
		if (strcmp(kind, "POSIX") != 0 && strcmp(kind, "OFDLCK") != 0)
			continue;
		/* the device is not compared: overlay file systems show
		 * another one in stat than here; inode and byte range are
		 * test enough for a message */
		if (strcmp(rw, "WRITE") != 0 || ino != (unsigned long long)st->st_ino)
			continue;
		last = strcmp(end, "EOF") == 0 ? -1 : atoll(end);
		if (start <= off && (last < 0 || last >= off))
			pid = p;
	}
	fclose(f);
	return pid;
}

/* Command name and start time (UTC) of process `pid`. */
static void describe_pid(long pid, struct lock_holder *h)
{
	char path[64], buf[1024], name[64] = "";
	unsigned long long start_ticks = 0, btime = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		{
			char *open = strchr(buf, '('), *close = strrchr(buf, ')');

			if (open && close && close > open) {
				snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1),
					 open + 1);
				/* field 22 (starttime) is the 20th after ") " */
				if (sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u"
					   " %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
					   &start_ticks) != 1)
					start_ticks = 0;
			}
		}
	}
	if (name[0])
		snprintf(h->who, sizeof(h->who), "%s (pid %ld)", name, pid);
	else
		snprintf(h->who, sizeof(h->who), "process %ld", pid);
	f = fopen("/proc/stat", "re");
	if (f) {
		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "btime %llu", &btime) == 1)
				break;
		fclose(f);
	}
	if (start_ticks && btime) {
		long hz = sysconf(_SC_CLK_TCK);
		time_t t = (time_t)(btime + start_ticks / (unsigned long long)(hz > 0 ? hz : 100));
		struct tm tm;

		if (gmtime_r(&t, &tm)) {
			strftime(h->since, sizeof(h->since), "%Y-%m-%d %H:%M:%S UTC", &tm);
			h->since_is_start = 1;
		}
	}
}

void sqlite_lock_holder(const char *path, struct lock_holder *h)
{
	char shm[1100];
	struct stat st;
	long pid = 0;

	memset(h, 0, sizeof(*h));
	if (stat(path, &st) == 0) {
		pid = write_lock_pid(&st, SQ_RESERVED_BYTE);
		if (!pid)
			pid = write_lock_pid(&st, SQ_PENDING_BYTE);
	}
	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (!pid && stat(shm, &st) == 0)
		pid = write_lock_pid(&st, SQ_WAL_WRITE_LOCK);
	if (pid)
		describe_pid(pid, h);
}
