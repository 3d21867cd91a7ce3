/*
 * The SDK's file helpers, on wasi-libc's POSIX functions: the plan's `files` grants are WASI
 * preopens, so a guest path under a granted directory opens like any other. Each helper holds
 * at most one directory and one file open per level of the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice.h"

/** A failed file operation, naming it, the path and the reason. */
static sluice_result io_error(const char *doing, const char *path) {
    return sluice_error(SLUICE_KIND_FAILED, "%s %s: %s", doing, path, strerror(errno));
}

/** Copies the regular file `from` to the new file `to`. */
static sluice_result copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY);
    if (in < 0) return io_error("opening", from);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (out < 0) {
        close(in);
        return io_error("creating", to);
    }
    char buffer[64 * 1024];
    sluice_result result = SLUICE_OK;
    for (;;) {
        ssize_t got = read(in, buffer, sizeof buffer);
        if (got < 0) result = io_error("reading", from);
        if (got <= 0) break;
        for (ssize_t done = 0; done < got;) {
            ssize_t wrote = write(out, buffer + done, (size_t)(got - done));
            if (wrote < 0) {
                result = io_error("writing", to);
                break;
            }
            done += wrote;
        }
        if (sluice_failed(result)) break;
    }
    close(in);
    if (close(out) != 0 && !sluice_failed(result)) result = io_error("writing", to);
    return result;
}

/** The names in the directory `path` (excluding `.` and `..`), read and closed at once. */
static sluice_result list_dir(const char *path, char ***names, size_t *count) {
    DIR *dir = opendir(path);
    if (!dir) return io_error("listing", path);
    size_t capacity = 16;
    *names = malloc(capacity * sizeof **names);
    *count = 0;
    struct dirent *entry;
    while ((errno = 0, entry = readdir(dir))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
        if (*count == capacity) *names = realloc(*names, (capacity *= 2) * sizeof **names);
        if (!*names) abort();
        (*names)[(*count)++] = strdup(entry->d_name);
    }
    sluice_result result = errno ? io_error("listing", path) : SLUICE_OK;
    closedir(dir);
    return result;
}

static void free_names(char **names, size_t count) {
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

sluice_result sluice_copy_tree(const char *from, const char *to, size_t *files) {
    if (mkdir(to, 0755) != 0) return io_error("creating", to);
    char **names;
    size_t count;
    SLUICE_TRY(list_dir(from, &names, &count));
    sluice_result result = SLUICE_OK;
    for (size_t i = 0; i < count && !sluice_failed(result); i++) {
        char *source = sluice_format("%s/%s", from, names[i]);
        char *target = sluice_format("%s/%s", to, names[i]);
        struct stat info;
        if (lstat(source, &info) != 0) {
            result = io_error("reading", source);
        } else if (S_ISDIR(info.st_mode)) {
            result = sluice_copy_tree(source, target, files);
        } else if (S_ISREG(info.st_mode)) {
            result = copy_file(source, target);
            if (!sluice_failed(result)) ++*files;
        } else {
            sluice_log(SLUICE_WARN, "skipping %s: neither a file nor a directory", source);
        }
        free(source);
        free(target);
    }
    free_names(names, count);
    return result;
}

sluice_result sluice_remove_tree(const char *path) {
    struct stat info;
    if (lstat(path, &info) != 0) return errno == ENOENT ? SLUICE_OK : io_error("reading", path);
    if (!S_ISDIR(info.st_mode)) return unlink(path) == 0 ? SLUICE_OK : io_error("removing", path);
    char **names;
    size_t count;
    SLUICE_TRY(list_dir(path, &names, &count));
    sluice_result result = SLUICE_OK;
    for (size_t i = 0; i < count && !sluice_failed(result); i++) {
        char *child = sluice_format("%s/%s", path, names[i]);
        result = sluice_remove_tree(child);
        free(child);
    }
    free_names(names, count);
    if (!sluice_failed(result) && rmdir(path) != 0) result = io_error("removing", path);
    return result;
}
