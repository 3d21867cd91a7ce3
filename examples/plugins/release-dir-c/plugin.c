/*
 * release-dir: publishes a directory as an atomic release, written in C with sdk/c.
 *
 * Under the unit's `target` it keeps `releases/<version>/` directories and a relative `current`
 * symlink to the live one. `stage` copies `source` into a new release, `shift(100)` renames a
 * new link over `current`, `finalize` prunes releases beyond `keep`, and `rollback` points
 * `current` back. It is granted `source` read-only and `target` read-write, and imports nothing
 * but `log`.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "releases.h"
#include "sluice.h"

/** A unit's config for release-dir. */
typedef struct config {
    char *source;
    char *target;
    long long keep;
    char *public_url;
} config;

static sluice_result parse_config(const char *json, void *parsed) {
    config *c = parsed;
    c->keep = 3;
    SLUICE_TRY(sluice_json_string("config", json, "source", &c->source));
    SLUICE_TRY(sluice_json_string("config", json, "target", &c->target));
    SLUICE_TRY(sluice_json_int("config", json, "keep", &c->keep));
    SLUICE_TRY(sluice_json_string("config", json, "public_url", &c->public_url));
    if (!c->source || !c->target) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG, "config: `source` and `target` are required");
    }
    return SLUICE_OK;
}

/** Whether `path` is `dir` or under it. */
static bool inside(const char *path, const char *dir) {
    size_t length = strlen(dir);
    while (length > 0 && dir[length - 1] == '/') length--;
    return strncmp(path, dir, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/** What the schema cannot say: absolute paths, neither inside the other. */
static void validate(const void *parsed, sluice_diagnostics *problems) {
    const config *c = parsed;
    if (c->source[0] != '/') {
        sluice_diagnose(problems, "source", "must be an absolute guest path, got '%s'", c->source);
    }
    if (c->target[0] != '/') {
        sluice_diagnose(problems, "target", "must be an absolute guest path, got '%s'", c->target);
    }
    if (inside(c->source, c->target) || inside(c->target, c->source)) {
        sluice_diagnose(problems, "target", "must not be inside `source`, nor contain it");
    }
}

/** The state of one release: staged, and `current` once finalized. */
typedef struct release_state {
    char *release;
    char *version;
    char *previous;
} release_state;

static char *dump_release(const release_state *state) {
    char *release = sluice_json_quote(state->release);
    char *version = sluice_json_quote(state->version);
    char *previous = sluice_json_quote(state->previous);
    char *json = sluice_format("{\"release\":%s,\"version\":%s,\"previous\":%s}", release, version,
                               previous);
    free(release);
    free(version);
    free(previous);
    return json;
}

/** The release named in the JSON state `json` (`what` names it in errors). */
static sluice_result load_release(const char *what, const char *json, char **release) {
    SLUICE_TRY(sluice_json_string(what, json, "release", release));
    if (!*release) return sluice_error(SLUICE_KIND_FAILED, "%s names no release", what);
    return SLUICE_OK;
}

/**
 * The directory for `version`: the version itself, or the first of `version~2`, `version~3`, ...
 * not on disk under `target`, so no release there (the live one, or one kept for `sluice
 * rollback`) is ever overwritten by a deployment that may fail.
 */
static sluice_result release_name(const char *version, const char *target, char **name) {
    bool printable = true;
    for (const unsigned char *c = (const unsigned char *)version; *c; c++) {
        if (iscntrl(*c)) printable = false;
    }
    if (!*version || version[0] == '.' || strchr(version, '/') || !printable) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG,
                            "version \"%s\" cannot name a release directory", version);
    }
    *name = sluice_format("%s", version);
    for (int n = 2; releases_exists(target, *name); n++) {
        free(*name);
        *name = sluice_format("%s~%d", version, n);
    }
    return SLUICE_OK;
}

static sluice_result prepare(const sluice_context *ctx, const void *parsed, const char *current,
                             char **snapshot) {
    (void)ctx;
    (void)current;
    const config *c = parsed;
    char *live;
    SLUICE_TRY(releases_live(c->target, &live));
    char *quoted = sluice_json_quote(live);
    *snapshot = sluice_format("{\"release\":%s}", quoted);
    free(quoted);
    free(live);
    return SLUICE_OK;
}

static sluice_result stage(const sluice_context *ctx, const void *parsed, const char *current,
                           sluice_staged *staged) {
    (void)current;
    const config *c = parsed;
    SLUICE_TRY(releases_clear_leftovers(c->target));
    release_state state = {NULL, (char *)ctx->version, NULL};
    SLUICE_TRY(releases_live(c->target, &state.previous));
    SLUICE_TRY(release_name(ctx->version, c->target, &state.release));
    size_t files;
    SLUICE_TRY(releases_install(c->target, c->source, state.release, ctx->deployment_id, &files));
    staged->summary = sluice_format("staged releases/%s: %zu files", state.release, files);
    sluice_log(SLUICE_INFO, "%s", staged->summary);
    if (c->public_url) {
        size_t length = strlen(c->public_url);
        while (length > 0 && c->public_url[length - 1] == '/') length--;
        staged->endpoints[staged->endpoint_count++] =
            sluice_format("%.*s/releases/%s/", (int)length, c->public_url, state.release);
    }
    staged->state = dump_release(&state);
    return SLUICE_OK;
}

static sluice_result shift(const sluice_context *ctx, const void *parsed, const char *staged,
                           uint8_t percent) {
    const config *c = parsed;
    if (percent < 100) {
        sluice_log(SLUICE_DEBUG, "release-dir cannot split traffic: %u%% changes nothing", percent);
        return SLUICE_OK;
    }
    char *release = NULL;
    SLUICE_TRY(load_release("staged state", staged, &release));
    SLUICE_TRY(releases_require(c->target, release, "cut over"));
    SLUICE_TRY(releases_point_current_at(c->target, release, ctx->deployment_id));
    sluice_log(SLUICE_INFO, "current -> releases/%s", release);
    free(release);
    return SLUICE_OK;
}

static sluice_result finalize(const sluice_context *ctx, const void *parsed, const char *staged,
                              char **current) {
    (void)ctx;
    const config *c = parsed;
    char *release = NULL, *live;
    SLUICE_TRY(load_release("staged state", staged, &release));
    SLUICE_TRY(releases_live(c->target, &live));
    if (!live || strcmp(live, release) != 0) {
        return sluice_error(SLUICE_KIND_FAILED, "current does not point at the staged release %s",
                            release);
    }
    SLUICE_TRY(releases_prune(c->target, c->keep, release));
    *current = sluice_format("%s", staged);
    free(release);
    free(live);
    return SLUICE_OK;
}

static sluice_result rollback(const sluice_context *ctx, const void *parsed, const char *staged,
                              const char *snapshot, const char *current) {
    const config *c = parsed;
    char *wanted = NULL;
    if (current) {
        SLUICE_TRY(load_release("current state", current, &wanted));
    } else if (snapshot) {
        SLUICE_TRY(sluice_json_string("snapshot", snapshot, "release", &wanted));
    }
    if (!wanted) {
        SLUICE_TRY(releases_unlink_current(c->target));
        sluice_log(SLUICE_INFO, "nothing was live before: removed current");
    } else {
        char *live;
        SLUICE_TRY(releases_require(c->target, wanted, "roll back"));
        SLUICE_TRY(releases_live(c->target, &live));
        if (!live || strcmp(live, wanted) != 0) {
            SLUICE_TRY(releases_point_current_at(c->target, wanted, ctx->deployment_id));
        }
        sluice_log(SLUICE_INFO, "current -> releases/%s", wanted);
        free(live);
    }
    if (staged) {
        char *dropped = NULL;
        bool existed = false;
        SLUICE_TRY(load_release("staged state", staged, &dropped));
        if (!wanted || strcmp(dropped, wanted) != 0) {
            SLUICE_TRY(releases_remove(c->target, dropped, &existed));
        }
        if (existed) sluice_log(SLUICE_INFO, "removed the staged releases/%s", dropped);
        free(dropped);
    }
    free(wanted);
    return releases_clear_leftovers(c->target);
}

const sluice_strategy sluice_plugin = {
    .name = "release-dir",
    .version = "0.1.0",
    .description = "Publishes a directory as an atomic release: copies it to releases/<version> "
                   "and swaps a `current` symlink by rename.",
    .config_schema =
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
        " \"type\": \"object\", \"additionalProperties\": false, \"required\": [\"source\", \"target\"],"
        " \"properties\": {"
        "  \"source\": {\"type\": \"string\", \"description\": \"The directory to publish (granted read-only).\"},"
        "  \"target\": {\"type\": \"string\", \"description\": \"The directory holding releases/ and the `current` link (granted read-write).\"},"
        "  \"keep\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"Releases kept, the live one included.\"},"
        "  \"public_url\": {\"type\": \"string\", \"description\": \"The URL under which `target` is served.\"}}}",
    .features = SLUICE_FEATURE_ROLLBACK,
    .config_size = sizeof(config),
    .parse_config = parse_config,
    .validate = validate,
    .prepare = prepare,
    .stage = stage,
    .shift = shift,
    .finalize = finalize,
    .rollback = rollback,
};
