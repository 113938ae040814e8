/*
 * storage/storer.c - storage_put_batch on a thread of its own (see storer.h).
 * One mutex and one condition variable guard a one-slot hand-over.
 */
#include "storer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct storer {
	struct storage *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch batch;       /* the batch in flight */
	int busy;                 /* a batch is handed over and not yet stored */
	int quit;
	int failed;               /* a batch failed: err holds why */
	struct error err;
	double busy_s;
};

static void *storer_main(void *arg)
{
	struct storer *s = arg;

#ifdef __GLIBC__
	pthread_setname_np(pthread_self(), "wsm-storer");   /* for top and perf */
#endif
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct batch b;
		struct error e;
		double t;
		int rc;

		while (!s->busy && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->busy)
			break;
		b = s->batch;
		pthread_mutex_unlock(&s->mu);

		memset(&e, 0, sizeof(e));
		t = util_monotonic();
		rc = storage_put_batch(s->st, &b, &e);
		t = util_monotonic() - t;

		pthread_mutex_lock(&s->mu);
		s->busy_s += t;
		if (rc && !s->failed) {
			s->failed = rc;
			s->err = e;
		}
		s->busy = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int storer_start(struct storage *st, struct storer **out, struct error *err)
{
	struct storer *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return error_set(err, ERR_IO, "out of memory");
	s->st = st;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, storer_main, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return error_set(err, ERR_IO, "cannot start the storage thread");
	}
	*out = s;
	return 0;
}

/* With s->mu held: wait for the slot, then report an earlier failure. */
static int wait_idle_locked(struct storer *s, struct error *err)
{
	while (s->busy)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->failed) {
		if (err)
			*err = s->err;
		return s->failed;
	}
	return 0;
}

int storer_put(struct storer *s, const struct batch *b, struct error *err)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	rc = wait_idle_locked(s, err);
	if (!rc) {
		s->batch = *b;
		s->busy = 1;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int storer_wait(struct storer *s, struct error *err)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	rc = wait_idle_locked(s, err);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

double storer_busy_s(const struct storer *s)
{
	double t;

	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	t = s->busy_s;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return t;
}

void storer_stop(struct storer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
