/*
 * jsonschema/hmap.c - the open-addressing hash map (linear probing,
 * power-of-two tables at most half full) that indexes the registry by URI,
 * anchor and cJSON node.  It never shrinks and never frees values.
 */
#include "internal.h"

#include <stdlib.h>

static uint64_t hash_ptr(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const struct hmap *m, const void *k)
{
	return m->strkeys ? hash_str(k) : hash_ptr(k);
}

static int key_eq(const struct hmap *m, const void *a, const void *b)
{
	return m->strkeys ? strcmp(a, b) == 0 : a == b;
}

struct hent *hmap_find(const struct hmap *m, const void *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = (size_t)key_hash(m, k) & (m->cap - 1);
	while (m->e[i].key) {
		if (key_eq(m, m->e[i].key, k))
			return &m->e[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

void *hmap_get(const struct hmap *m, const void *k)
{
	struct hent *e = hmap_find(m, k);

	return e ? e->val : NULL;
}

int hmap_put(struct hmap *m, const void *k, void *v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16, j;
		struct hent *ne = calloc(ncap, sizeof(*ne));

		if (!ne)
			return -1;
		for (j = 0; j < m->cap; j++) {
			if (!m->e[j].key)
				continue;
			i = (size_t)key_hash(m, m->e[j].key) & (ncap - 1);
			while (ne[i].key)
				i = (i + 1) & (ncap - 1);
			ne[i] = m->e[j];
		}
		free(m->e);
		m->e = ne;
		m->cap = ncap;
	}
	if (m->strkeys) {
		k = strdup(k);
		if (!k)
			return -1;
	}
	i = (size_t)key_hash(m, k) & (m->cap - 1);
	while (m->e[i].key)
		i = (i + 1) & (m->cap - 1);
	m->e[i].key = k;
	m->e[i].val = v;
	m->n++;
	return 0;
}

int hmap_set(struct hmap *m, const void *k, void *v)
{
	struct hent *e = hmap_find(m, k);

	if (e) {
		e->val = v;
		return 0;
	}
	return hmap_put(m, k, v);
}

void hmap_release(struct hmap *m)
{
	size_t i;

	if (m->strkeys)
		for (i = 0; i < m->cap; i++)
			free((void *)(uintptr_t)m->e[i].key);
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}
