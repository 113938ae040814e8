/*
 * docmem.h - a bump allocator for the parse tree of one document at a time.
 *
 * cJSON allocates every value and string separately; on a large tree
 * malloc and free are a fifth of the work.  Between docmem_begin and
 * docmem_end, cJSON allocates from an arena and its frees cost nothing;
 * docmem_end releases the whole tree at once.  Outside that window cJSON
 * uses malloc and free as usual.
 *
 * Calling sequence: docmem_install once (before any cJSON use that must
 * outlive a document is irrelevant: trees made outside the window are
 * ordinary), then per document: docmem_begin -> parse, use, cJSON_Delete
 * -> docmem_end.  Rules: nothing allocated by cJSON inside the window may
 * be used after docmem_end; only one thread may use cJSON while a window
 * is open.  Under AddressSanitizer docmem_install does nothing, so the
 * sanitizer keeps checking every cJSON allocation.
 */
#ifndef WSM_DOCMEM_H
#define WSM_DOCMEM_H

/* Route cJSON's allocations through docmem (idempotent). */
void docmem_install(void);

/* From now on, cJSON allocations come from the arena. */
void docmem_begin(void);

/* Forget everything allocated since docmem_begin; back to malloc. */
void docmem_end(void);

/* Free the arena's memory (at exit; optional). */
void docmem_release(void);

#endif
