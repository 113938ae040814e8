/*
 * error.c - filling and formatting struct error.
 * It never prints and never exits: that is main.c's job.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void error_clear(struct error *err)
{
	if (!err)
		return;
	err->code = ERR_OK;
	err->msg[0] = '\0';
	err->path[0] = '\0';
	err->line = 0;
	err->column = 0;
	err->pointer[0] = '\0';
	err->hint[0] = '\0';
}

static void error_vset(struct error *err, enum error_code code,
		       const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int error_set(struct error *err, enum error_code code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return (int)code;
	error_clear(err);
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return (int)code;
}

int error_set_at(struct error *err, enum error_code code, const char *path,
		 long line, long column, const char *pointer,
		 const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return (int)code;
	error_clear(err);
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	if (path)
		snprintf(err->path, sizeof(err->path), "%s", path);
	err->line = line;
	err->column = column;
	if (pointer)
		snprintf(err->pointer, sizeof(err->pointer), "%s", pointer);
	return (int)code;
}

int error_hint(struct error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return ERR_IO;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	return (int)err->code;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char old[ERROR_MSG_MAX];
	size_t n;
	va_list ap;

	if (!err)
		return ERR_IO;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 3);
		n += 2;
		strncat(err->msg + n, old, sizeof(err->msg) - n - 1);
	}
	return (int)err->code;
}

const char *error_format(const struct error *err, char *buf, size_t size)
{
	size_t n = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (err->path[0]) {
		if (err->line > 0 && err->column > 0)
			n = (size_t)snprintf(buf, size, "%s:%ld:%ld: ", err->path,
					     err->line, err->column);
		else if (err->line > 0)
			n = (size_t)snprintf(buf, size, "%s:%ld: ", err->path,
					     err->line);
		else
			n = (size_t)snprintf(buf, size, "%s: ", err->path);
	}
	if (n < size && err->pointer[0])
		n += (size_t)snprintf(buf + n, size - n, "%s: ", err->pointer);
	if (n < size)
		snprintf(buf + n, size - n, "%s", err->msg);
	return buf;
}
