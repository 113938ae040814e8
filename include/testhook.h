/*
 * testhook.h - fault injection for the test suite, compiled only into test
 * builds, the way SQLite keeps its hooks behind SQLITE_TEST.
 *
 * `make TEST_HOOKS=1` (which `make test` and `make asan` use) defines
 * WSM_TEST_HOOKS; then $WSMIGRATE_FAULT names the point where a run fails
 * on purpose, so the tests can prove atomicity and verification.  In a
 * release build TESTHOOK() is the constant 0: neither the hooks, nor the
 * variable's name, nor their messages are in the binary (`make test`
 * checks that).
 *
 * Points: "after-batch" and "before-commit" (migrate fails there),
 * "crash-before-commit" (migrate dies without cleaning up),
 * "promote-alter:TABLE" (promote changes one copied row of TABLE before
 * verifying it), "pause-before-commit:SECONDS" (migrate sleeps holding
 * its locks, so that a test can start a concurrent run), "slow-restore"
 * (a restore sleeps 2 ms after each file it writes, so that a test can
 * act while a rollback is under way), "rewrite-before-read:PATH"
 * (migrate appends 4 KB of blanks to the tree's file PATH between the
 * walk's stat and the read), and "finish-after-read:PATH" (just after
 * migrate reads the tree's file PATH, it appends `"rest": 2}` and a
 * newline to it, once per process: a writer finishing a file while a
 * run, e.g. one of `--watch`, is under way).
 */
#ifndef WSM_TESTHOOK_H
#define WSM_TESTHOOK_H

#ifdef WSM_TEST_HOOKS

/* 1 when $WSMIGRATE_FAULT equals `name`. */
int testhook_fault(const char *name);

/*
 * For hooks with an argument ("promote-alter:TABLE"): when
 * $WSMIGRATE_FAULT starts with `prefix` followed by ':', the rest; else
 * NULL.  The string belongs to the environment.
 */
const char *testhook_fault_arg(const char *prefix);

#define TESTHOOK(name) testhook_fault(name)
#define TESTHOOK_ARG(prefix) testhook_fault_arg(prefix)

#else

#define TESTHOOK(name) 0
#define TESTHOOK_ARG(prefix) ((const char *)0)

#endif
#endif
