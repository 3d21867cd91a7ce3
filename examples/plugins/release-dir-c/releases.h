/*
 * The release directory on disk: `releases/<name>/` directories and a relative `current` link
 * under one target directory. The filesystem is the source of truth: the live release is
 * whatever `current` points at. Every change is atomic: a release is copied under a `.partial-`
 * name and renamed into place, and a new link is renamed over `current`.
 */
#ifndef RELEASES_H
#define RELEASES_H

#include <stddef.h>

#include "sluice.h"

/** The release `current` under `target` points at (a heap string), or NULL when none is. */
sluice_result releases_live(const char *target, char **live);
/** Whether anything is on disk by the name of `releases/<name>` under `target`. */
bool releases_exists(const char *target, const char *name);
/** Copies `source` to `releases/<name>` (replacing one by that name), counting its files. */
sluice_result releases_install(const char *target, const char *source, const char *name,
                               const char *deployment_id, size_t *files);
/** Fails unless `releases/<name>` exists; `doing` says what it is needed for. */
sluice_result releases_require(const char *target, const char *name, const char *doing);
/** Renames a new link to `releases/<name>` over `current`: readers see old or new, never none. */
sluice_result releases_point_current_at(const char *target, const char *name,
                                        const char *deployment_id);
/** Removes `current` (nothing was live before the first deployment). */
sluice_result releases_unlink_current(const char *target);
/** Removes `releases/<name>`; sets `*existed`. */
sluice_result releases_remove(const char *target, const char *name, bool *existed);
/** Removes the oldest releases beyond `keep` except `protect`, logging their names. */
sluice_result releases_prune(const char *target, long long keep, const char *protect);
/** Removes what an interrupted deployment left: partial copies and unrenamed links. */
sluice_result releases_clear_leftovers(const char *target);

#endif
