/*
 * {{name}}: a sluice deployment strategy, in C.
 *
 * It publishes the unit's `source` directory as a release: `stage` copies it to
 * `target/releases/<version>/`, `shift(100)` points the `target/current` symlink at it (a new
 * link renamed over the old one: readers see the old release or the new one, never none), and
 * `rollback` points `current` back. Make it yours: sluice's docs/writing-a-plugin.md says what
 * each call must guarantee. Every call gets a fresh instance: keep nothing in memory, only in the
 * strings returned. sluice-sdk/sluice.h documents the SDK.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "naming.h"
#include "sluice.h"

/** The unit's config. */
typedef struct config {
    char *source;
    char *target;
} config;

static sluice_result parse_config(const char *json, void *parsed) {
    config *c = parsed;
    SLUICE_TRY(sluice_json_string("config", json, "source", &c->source));
    SLUICE_TRY(sluice_json_string("config", json, "target", &c->target));
    if (!c->source || !c->target) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG, "config: `source` and `target` are required");
    }
    return SLUICE_OK;
}

/** Every state string, `{"release": NAME}`: the staged release, the `current` one, or the
 * snapshot of the live one (`null`: none). */
static char *release_state(const char *release) {
    char *quoted = sluice_json_quote(release);
    char *json = sluice_format("{\"release\":%s}", quoted);
    free(quoted);
    return json;
}

static sluice_result io_error(const char *doing, const char *path) {
    return sluice_error(SLUICE_KIND_FAILED, "%s %s: %s", doing, path, strerror(errno));
}

/** The release `current` points at (a heap string), or NULL. */
static char *live(const config *c) {
    char *current = sluice_format("%s/current", c->target);
    char link[4096];
    ssize_t length = readlink(current, link, sizeof link - 1);
    free(current);
    if (length < 0) return NULL;
    link[length] = '\0';
    const char *slash = strrchr(link, '/');
    return sluice_format("%s", slash ? slash + 1 : link);
}

/** Makes `releases/<name>` live in one rename; NULL removes `current`. */
static sluice_result point_current_at(const config *c, const char *name) {
    char *current = sluice_format("%s/current", c->target);
    char *next = sluice_format("%s/current.next", c->target);
    char *pointee = name ? sluice_format("releases/%s", name) : NULL;
    sluice_result result = SLUICE_OK;
    if (!name) {
        if (unlink(current) != 0 && errno != ENOENT) result = io_error("removing", current);
    } else {
        if (unlink(next) != 0 && errno != ENOENT) result = io_error("removing", next);
        if (!sluice_failed(result) && symlink(pointee, next) != 0) result = io_error("linking", next);
        if (!sluice_failed(result) && rename(next, current) != 0) result = io_error("renaming", next);
    }
    free(current);
    free(next);
    free(pointee);
    return result;
}

static sluice_result prepare(const sluice_context *ctx, const void *parsed, const char *current,
                             char **snapshot) {
    (void)ctx;
    (void)current;
    char *release = live(parsed);
    *snapshot = release_state(release);
    free(release);
    return SLUICE_OK;
}

static sluice_result stage(const sluice_context *ctx, const void *parsed, const char *current,
                           sluice_staged *staged) {
    (void)current;
    const config *c = parsed;
    if (!release_name_ok(ctx->version)) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG,
                            "version `%s` cannot name a release directory", ctx->version);
    }
    char *was_live = live(c);
    bool is_live = was_live && !strcmp(was_live, ctx->version);
    free(was_live);
    if (is_live) {
        return sluice_error(SLUICE_KIND_FAILED, "releases/%s is live: deploy another version",
                            ctx->version);
    }
    char *releases = sluice_format("%s/releases", c->target);
    char *release = sluice_format("%s/%s", releases, ctx->version);
    size_t files = 0;
    sluice_result result = SLUICE_OK;
    if (mkdir(releases, 0755) != 0 && errno != EEXIST) result = io_error("creating", releases);
    if (!sluice_failed(result)) result = sluice_remove_tree(release); /* an interrupted deploy's */
    if (!sluice_failed(result)) result = sluice_copy_tree(c->source, release, &files);
    if (!sluice_failed(result)) {
        sluice_log(SLUICE_INFO, "copied %s to %s (%zu files)", c->source, release, files);
        staged->state = release_state(ctx->version);
        staged->summary = sluice_format("staged releases/%s", ctx->version);
    }
    free(releases);
    free(release);
    return result;
}

static sluice_result shift(const sluice_context *ctx, const void *parsed, const char *staged,
                           uint8_t percent) {
    (void)ctx;
    if (percent < 100) return SLUICE_OK;
    char *release = NULL;
    SLUICE_TRY(sluice_json_string("staged state", staged, "release", &release));
    sluice_result result = point_current_at(parsed, release);
    free(release);
    return result;
}

static sluice_result rollback(const sluice_context *ctx, const void *parsed, const char *staged,
                              const char *snapshot, const char *current) {
    (void)ctx;
    const config *c = parsed;
    const char *kept = current ? current : snapshot;
    if (!kept) return SLUICE_OK; /* prepare never ran: nothing changed */
    char *wanted = NULL, *dropped = NULL;
    SLUICE_TRY(sluice_json_string("state", kept, "release", &wanted));
    sluice_result result = point_current_at(c, wanted);
    if (!sluice_failed(result) && staged) {
        result = sluice_json_string("staged state", staged, "release", &dropped);
    }
    if (!sluice_failed(result) && dropped && (!wanted || strcmp(dropped, wanted) != 0)) {
        char *release = sluice_format("%s/releases/%s", c->target, dropped);
        result = sluice_remove_tree(release);
        free(release);
    }
    free(wanted);
    free(dropped);
    return result;
}

const sluice_strategy sluice_plugin = {
    .name = "{{name}}",
    .version = "0.1.0",
    .description = "Publishes a directory as releases/<version> and points a `current` symlink at it.",
    .config_schema =
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
        " \"type\": \"object\", \"additionalProperties\": false, \"required\": [\"source\", \"target\"],"
        " \"properties\": {"
        "  \"source\": {\"type\": \"string\", \"description\": \"The directory to publish (granted read-only).\"},"
        "  \"target\": {\"type\": \"string\", \"description\": \"Where releases/ and `current` live (granted read-write).\"}}}",
    .features = SLUICE_FEATURE_ROLLBACK,
    .config_size = sizeof(config),
    .parse_config = parse_config,
    .prepare = prepare,
    .stage = stage,
    .shift = shift,
    .rollback = rollback,
};
