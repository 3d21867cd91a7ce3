/* The release directory on disk (see releases.h). */
#include "releases.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELEASES "releases"
#define CURRENT "current"
#define PARTIAL_PREFIX ".partial-"
#define NEXT_LINK_PREFIX "current.next-"

static sluice_result io_error(const char *doing, const char *path) {
    return sluice_error(SLUICE_KIND_FAILED, "%s %s: %s", doing, path, strerror(errno));
}

/** A file-name-safe form of a deployment id (a heap string). */
static char *safe(const char *deployment_id) {
    char *name = sluice_format("%s", deployment_id);
    for (char *c = name; *c; c++) {
        bool keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
        if (!keep) *c = '_';
    }
    return name;
}

sluice_result releases_live(const char *target, char **live) {
    char *current = sluice_format("%s/" CURRENT, target);
    char link[4096];
    ssize_t length = readlink(current, link, sizeof link - 1);
    sluice_result result = SLUICE_OK;
    *live = NULL;
    if (length >= 0) {
        link[length] = '\0';
        while (length > 0 && link[length - 1] == '/') link[--length] = '\0';
        const char *base = strrchr(link, '/');
        *live = sluice_format("%s", base ? base + 1 : link);
    } else if (errno != ENOENT) {
        result = io_error("reading the link", current);
    }
    free(current);
    return result;
}

bool releases_exists(const char *target, const char *name) {
    char *release = sluice_format("%s/" RELEASES "/%s", target, name);
    struct stat info;
    bool there = lstat(release, &info) == 0;
    free(release);
    return there;
}

sluice_result releases_install(const char *target, const char *source, const char *name,
                               const char *deployment_id, size_t *files) {
    char *dir = sluice_format("%s/" RELEASES, target);
    char *id = safe(deployment_id);
    char *partial = sluice_format("%s/" PARTIAL_PREFIX "%s", dir, id);
    char *release = sluice_format("%s/%s", dir, name);
    sluice_result result = SLUICE_OK;
    *files = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) result = io_error("creating", dir);
    if (!sluice_failed(result)) result = sluice_remove_tree(partial);
    if (!sluice_failed(result)) result = sluice_copy_tree(source, partial, files);
    if (!sluice_failed(result)) result = sluice_remove_tree(release);
    if (!sluice_failed(result) && rename(partial, release) != 0) {
        result = io_error("renaming into place", release);
    }
    free(dir);
    free(id);
    free(partial);
    free(release);
    return result;
}

sluice_result releases_require(const char *target, const char *name, const char *doing) {
    char *release = sluice_format("%s/" RELEASES "/%s", target, name);
    struct stat info;
    bool there = stat(release, &info) == 0 && S_ISDIR(info.st_mode);
    free(release);
    if (!there) {
        return sluice_error(SLUICE_KIND_FAILED, "cannot %s: releases/%s does not exist", doing, name);
    }
    return SLUICE_OK;
}

sluice_result releases_point_current_at(const char *target, const char *name,
                                        const char *deployment_id) {
    char *id = safe(deployment_id);
    char *next = sluice_format("%s/" NEXT_LINK_PREFIX "%s", target, id);
    char *pointee = sluice_format(RELEASES "/%s", name);
    char *current = sluice_format("%s/" CURRENT, target);
    sluice_result result = SLUICE_OK;
    if (unlink(next) != 0 && errno != ENOENT) result = io_error("removing", next);
    if (!sluice_failed(result) && symlink(pointee, next) != 0) result = io_error("linking", next);
    if (!sluice_failed(result) && rename(next, current) != 0) result = io_error("renaming", next);
    free(id);
    free(next);
    free(pointee);
    free(current);
    return result;
}

sluice_result releases_unlink_current(const char *target) {
    char *current = sluice_format("%s/" CURRENT, target);
    sluice_result result = SLUICE_OK;
    if (unlink(current) != 0 && errno != ENOENT) result = io_error("removing", current);
    free(current);
    return result;
}

sluice_result releases_remove(const char *target, const char *name, bool *existed) {
    char *release = sluice_format("%s/" RELEASES "/%s", target, name);
    struct stat info;
    *existed = lstat(release, &info) == 0;
    sluice_result result = sluice_remove_tree(release);
    free(release);
    return result;
}

/** One complete release and its age. */
typedef struct release {
    char *name;
    struct timespec modified;
} release;

/** Oldest first: by modification time, then by name. */
static int by_age(const void *a, const void *b) {
    const release *x = a, *y = b;
    if (x->modified.tv_sec != y->modified.tv_sec) return x->modified.tv_sec < y->modified.tv_sec ? -1 : 1;
    if (x->modified.tv_nsec != y->modified.tv_nsec) return x->modified.tv_nsec < y->modified.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

sluice_result releases_prune(const char *target, long long keep, const char *protect) {
    char *dir = sluice_format("%s/" RELEASES, target);
    DIR *listing = opendir(dir);
    if (!listing) {
        sluice_result result = errno == ENOENT ? SLUICE_OK : io_error("listing", dir);
        free(dir);
        return result;
    }
    release *all = NULL;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(listing))) {
        if (entry->d_name[0] == '.') continue;
        char *path = sluice_format("%s/%s", dir, entry->d_name);
        struct stat info;
        if (stat(path, &info) == 0) {
            all = realloc(all, (count + 1) * sizeof *all);
            if (!all) abort();
            all[count++] = (release){sluice_format("%s", entry->d_name), info.st_mtim};
        }
        free(path);
    }
    closedir(listing);
    qsort(all, count, sizeof *all, by_age);
    size_t excess = count > (size_t)keep ? count - (size_t)keep : 0;
    sluice_result result = SLUICE_OK;
    for (size_t i = 0; i < count; i++) {
        if (excess > 0 && strcmp(all[i].name, protect) != 0 && !sluice_failed(result)) {
            bool existed;
            result = releases_remove(target, all[i].name, &existed);
            if (!sluice_failed(result)) sluice_log(SLUICE_INFO, "pruned releases/%s beyond keep = %lld", all[i].name, keep);
            excess--;
        }
        free(all[i].name);
    }
    free(all);
    free(dir);
    return result;
}

/** Removes every entry of `dir` whose name starts with `prefix`. */
static sluice_result remove_prefixed(const char *dir, const char *prefix) {
    DIR *listing = opendir(dir);
    if (!listing) return errno == ENOENT ? SLUICE_OK : io_error("listing", dir);
    char *doomed = NULL;
    sluice_result result = SLUICE_OK;
    struct dirent *entry;
    while (!doomed && (entry = readdir(listing))) {
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) {
            doomed = sluice_format("%s/%s", dir, entry->d_name);
        }
    }
    closedir(listing);
    if (doomed) {
        sluice_log(SLUICE_INFO, "removing %s left by an interrupted run", doomed);
        result = sluice_remove_tree(doomed);
        free(doomed);
        if (!sluice_failed(result)) result = remove_prefixed(dir, prefix);
    }
    return result;
}

sluice_result releases_clear_leftovers(const char *target) {
    char *dir = sluice_format("%s/" RELEASES, target);
    sluice_result result = remove_prefixed(dir, PARTIAL_PREFIX);
    if (!sluice_failed(result)) result = remove_prefixed(target, NEXT_LINK_PREFIX);
    free(dir);
    return result;
}
