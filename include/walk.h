/*
 * walk.h - stream the JSON files of a tree, in sorted order, one at a time.
 *
 * Calling sequence: walk_open -> walk_exclude (optional, any number) ->
 * walk_next until it returns 0 -> walk_close.  Memory is bounded by the
 * depth of the tree and the size of the largest directory, not by the
 * number of files.
 *
 * Policy: only names ending in ".json", in any case (".JSON", ".Json"),
 * are returned; other files are counted in walk_ignored() and otherwise
 * ignored.  Directories named
 * ".git" are not entered.  Symbolic links are never followed, and
 * always listed so that the caller can report them: a link to a folder
 * (whatever its name) is WALK_LINK_DIR; a link named *.json is
 * WALK_LINK_FILE when it leads to a file of the tree, WALK_LINK_OUTSIDE
 * when it leads outside or nowhere; `error` says where it leads, `st` is
 * the link's own lstat.  Any other link is a non-JSON file (walk_ignored).
 *
 * Ownership: strings in struct walk_entry belong to the walker and stay
 * valid until the next walk_next or walk_close.
 */
#ifndef WSM_WALK_H
#define WSM_WALK_H

#include <sys/stat.h>

#include "error.h"

enum walk_kind {
	WALK_FILE,          /* a regular file */
	WALK_LINK_FILE,     /* a symlink to a file of the tree: not followed */
	WALK_LINK_OUTSIDE,  /* a symlink leading outside the tree, or dangling */
	WALK_LINK_DIR,      /* a symlink to a directory: not entered */
	WALK_ERROR          /* a directory or file that could not be examined */
};

struct walk_entry {
	const char *relpath;   /* relative to the root, '/'-separated */
	const char *abspath;   /* path to open */
	enum walk_kind kind;
	struct stat st;        /* of the file (of the link itself for WALK_LINK_*) */
	const char *error;     /* reason, for WALK_ERROR / WALK_LINK_* */
};

struct walk;

/* Start walking `root` (a directory).  *out belongs to the caller. */
int walk_open(const char *root, struct walk **out, struct error *err);

/* Never enter the directory `path` (for example the backup folder). */
int walk_exclude(struct walk *w, const char *path, struct error *err);

/* Next entry: returns 1 and fills *e, 0 at the end, or -1 with err set. */
int walk_next(struct walk *w, struct walk_entry *e, struct error *err);

/* Non-JSON files passed over so far. */
long walk_ignored(const struct walk *w);

/* The canonical absolute path of the root. */
const char *walk_root(const struct walk *w);

/*
 * The order walk_next returns paths in, for anyone who must check or
 * reproduce it (the backup archive, init): a depth-first walk whose
 * siblings are sorted bytewise (strcmp), a folder's files right after the
 * folder name.  Comparing whole relative paths bytewise with '/' below
 * every other byte is that order.  Returns <0, 0 or >0 like strcmp.
 */
int walk_path_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* 1 when the walk takes a file of this name as JSON: "<stem>.json", the
 * suffix in any case ("x.JSON" from Windows-made trees), stem not empty. */
int walk_is_json_name(const char *name);

/* Free the walker.  Accepts NULL. */
void walk_close(struct walk *w);

#endif
