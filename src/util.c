/*
 * util.c - hashing, whole-file reads, clocks, growable arrays, a bump arena and a
 * growable string buffer.  Nothing here knows about manifests or storage.
 */
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

void util_hex_encode(const unsigned char *raw, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * n] = '\0';
}

void util_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex_encode(md, 32, out);
}

int util_read_file(const char *path, size_t max, char **buf, size_t *len,
		   struct error *err)
{
	struct stat st;
	char *p = NULL;
	size_t cap, n = 0;
	int fd, rc = 0;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return error_set_at(err, ERR_IO, path, 0, 0, NULL,
				    "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = error_set_at(err, ERR_IO, path, 0, 0, NULL,
				  "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = error_set_at(err, ERR_DATA, path, 0, 0, NULL,
				  "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = error_set_at(err, ERR_DATA, path, 0, 0, NULL,
				  "file is larger than the %zu byte limit (%lld bytes; see --max-file-size)",
				  max, (long long)st.st_size);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	p = malloc(cap);
	if (!p) {
		rc = error_set_at(err, ERR_IO, path, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *q;

			if (cap - 1 > max) {   /* not max + 1: max may be SIZE_MAX */
				rc = error_set_at(err, ERR_DATA, path, 0, 0, NULL,
						  "file is larger than the %zu byte limit (it grew while being read)",
						  max);
				goto out;
			}
			q = realloc(p, cap * 2);
			if (!q) {
				rc = error_set_at(err, ERR_IO, path, 0, 0, NULL,
						  "out of memory");
				goto out;
			}
			p = q;
			cap *= 2;
		}
		r = read(fd, p + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = error_set_at(err, ERR_IO, path, 0, 0, NULL,
					  "cannot read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = error_set_at(err, ERR_DATA, path, 0, 0, NULL,
				  "file is larger than the %zu byte limit", max);
		goto out;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

void util_now_utc(char out[40])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* the modulo bounds keep gcc's truncation analysis quiet */
	snprintf(out, 40, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 (unsigned)(ts.tv_nsec / 1000) % 1000000u);
}

double util_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int util_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *util_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int util_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

void *util_grow_array(void *p, size_t elem, size_t need, size_t *alloc)
{
	size_t cap = *alloc < 16 ? 16 : *alloc;
	void *np;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return p;
		cap *= 2;
	}
	if (elem && cap > SIZE_MAX / elem)
		return p;
	np = realloc(p, cap * elem);
	if (!np)
		return p;
	*alloc = cap;
	return np;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	char *p;

	if (sb->failed)
		return -1;
	if (need <= sb->cap)
		return 0;
	if (need < sb->cap * 2)
		need = sb->cap * 2;
	if (need < 64)
		need = 64;
	p = realloc(sb->buf, need);
	if (!p) {
		sb->failed = 1;
		return -1;
	}
	sb->buf = p;
	sb->cap = need;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	if (strbuf_grow(sb, n))
		return -1;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_grow(sb, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_add_ident(struct strbuf *sb, const char *name)
{
	const char *q;

	if (strbuf_add(sb, "\"", 1))
		return -1;
	for (q = name; *q; q++)
		if (strbuf_add(sb, q, 1) || (*q == '"' && strbuf_add(sb, "\"", 1)))
			return -1;
	return strbuf_add(sb, "\"", 1);
}

int strbuf_add_json_string(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	if (strbuf_add(sb, "\"", 1))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		switch (c) {
		case '"': if (strbuf_add(sb, "\\\"", 2)) return -1; break;
		case '\\': if (strbuf_add(sb, "\\\\", 2)) return -1; break;
		case '\n': if (strbuf_add(sb, "\\n", 2)) return -1; break;
		case '\r': if (strbuf_add(sb, "\\r", 2)) return -1; break;
		case '\t': if (strbuf_add(sb, "\\t", 2)) return -1; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				if (strbuf_add(sb, esc, 6))
					return -1;
			} else if (strbuf_add(sb, &s[i], 1)) {
				return -1;
			}
		}
	}
	return strbuf_add(sb, "\"", 1);
}

int strbuf_add_copy_field(struct strbuf *sb, const char *s, size_t n)
{
	size_t i, start = 0;

	if (!s)
		return strbuf_add(sb, "\\N", 2);
	if (strbuf_grow(sb, n))
		return -1;
	for (i = 0; i < n; i++) {
		const char *esc;

		switch (s[i]) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		if (strbuf_add(sb, s + start, i - start) || strbuf_add(sb, esc, 2))
			return -1;
		start = i + 1;
	}
	return strbuf_add(sb, s + start, n - start);
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	return strbuf_add(sb, &ch, 1);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s;

	if (sb->failed) {
		strbuf_release(sb);
		return NULL;
	}
	if (!sb->buf && strbuf_grow(sb, 1))
		return NULL;
	sb->buf[sb->len] = '\0';
	s = sb->buf;
	memset(sb, 0, sizeof(*sb));
	return s;
}

void strbuf_swap(struct strbuf *a, struct strbuf *b)
{
	struct strbuf t = *a;

	*a = *b;
	*b = t;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf && !sb->failed ? sb->buf : "";
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->failed = 0;
}

void strbuf_trim_cap(struct strbuf *sb, size_t max_cap)
{
	if (sb->cap > max_cap)
		strbuf_release(sb);
}

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	_Alignas(max_align_t) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t n, size_t align)
{
	struct arena_block *b = a->head;
	size_t off = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || off > b->cap || b->cap - off < n) {
		size_t cap = n > a->block_size ? n : a->block_size;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	b->used = off + n;
	return b->data + off;
}

int arena_contains(const struct arena *a, const void *p)
{
	const struct arena_block *b;

	for (b = a->head; b; b = b->next)
		if ((const unsigned char *)p >= b->data &&
		    (const unsigned char *)p < b->data + b->cap)
			return 1;
	return 0;
}

void arena_reset(struct arena *a)
{
	struct arena_block *keep = NULL, *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		if (!keep && b->cap == a->block_size) {
			keep = b;
			keep->used = 0;
			keep->next = NULL;
		} else {
			free(b);
		}
		b = next;
	}
	a->head = keep;
}

void arena_release(struct arena *a)
{
	while (a->head) {
		struct arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
}

/* ------------------------------------------------------------ file times */

#define NS_PER_S 1000000000LL

int util_ts_to_ns(const struct timespec *ts, int64_t *ns)
{
	int64_t sec = (int64_t)ts->tv_sec, nsec = (int64_t)ts->tv_nsec;

	/* sec * 1e9 + nsec, with nsec in [0, 1e9): fits when
	 * INT64_MIN <= sec * 1e9 and sec * 1e9 <= INT64_MAX - nsec */
	if (sec > (INT64_MAX - nsec) / NS_PER_S) {
		*ns = INT64_MAX;
		return -1;
	}
	if (sec < INT64_MIN / NS_PER_S) {
		/* the one second below that still fits from INT64_MIN up */
		if (sec == INT64_MIN / NS_PER_S - 1 &&
		    nsec >= NS_PER_S + INT64_MIN % NS_PER_S) {
			*ns = (sec + 1) * NS_PER_S + (nsec - NS_PER_S);
			return 0;
		}
		*ns = INT64_MIN;
		return -1;
	}
	*ns = sec * NS_PER_S + nsec;
	return 0;
}

void util_ns_to_ts(int64_t ns, struct timespec *ts)
{
	int64_t sec = ns / NS_PER_S, nsec = ns % NS_PER_S;

	if (nsec < 0) {
		nsec += NS_PER_S;
		sec -= 1;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)nsec;
}

const char *util_ts_text(const struct timespec *ts, char buf[32])
{
	int64_t sec = (int64_t)ts->tv_sec;
	long nsec = ts->tv_nsec;
	uint64_t hi;
	unsigned long lo;

	if (sec >= 0) {
		hi = (uint64_t)sec;
		lo = (unsigned long)nsec;
		if (hi)
			snprintf(buf, 32, "%" PRIu64 "%09lu", hi, lo);
		else
			snprintf(buf, 32, "%lu", lo);
		return buf;
	}
	/* sec * 1e9 + nsec = -((-sec - 1) * 1e9 + (1e9 - nsec)), nsec > 0 */
	hi = (uint64_t)(-(sec + 1));       /* no overflow, even for INT64_MIN */
	lo = (unsigned long)(NS_PER_S - nsec);
	if (lo == (unsigned long)NS_PER_S) {
		hi++;
		lo = 0;
	}
	if (hi)
		snprintf(buf, 32, "-%" PRIu64 "%09lu", hi, lo);
	else
		snprintf(buf, 32, "-%lu", lo);
	return buf;
}

int util_ts_parse(const char *s, size_t n, struct timespec *ts)
{
	int neg = n > 0 && s[0] == '-';
	size_t i = (size_t)neg, digits = n - (size_t)neg, split;
	uint64_t hi = 0;
	unsigned long lo = 0;

	if (digits == 0 || digits > 29 || (digits > 1 && s[i] == '0'))
		return -1;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	split = digits > 9 ? n - 9 : (size_t)neg;
	for (i = (size_t)neg; i < split; i++) {
		if (hi > (UINT64_MAX - 9) / 10)
			return -1;
		hi = hi * 10 + (uint64_t)(s[i] - '0');
	}
	for (; i < n; i++)
		lo = lo * 10 + (unsigned long)(s[i] - '0');
	if (!neg) {
		if (hi > (uint64_t)INT64_MAX)
			return -1;
		ts->tv_sec = (time_t)hi;
		ts->tv_nsec = (long)lo;
		return 0;
	}
	/* -(hi * 1e9 + lo) */
	if (lo == 0) {
		if (hi > (uint64_t)INT64_MAX + 1)
			return -1;
		ts->tv_sec = hi ? (time_t)(-(int64_t)(hi - 1) - 1) : 0;
		ts->tv_nsec = 0;
		return 0;
	}
	if (hi > (uint64_t)INT64_MAX)
		return -1;
	ts->tv_sec = (time_t)(-(int64_t)hi - 1);
	ts->tv_nsec = (long)(NS_PER_S - (long long)lo);
	return 0;
}
