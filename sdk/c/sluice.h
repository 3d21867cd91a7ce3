/*
 * sluice.h: the C SDK for sluice strategy plugins.
 *
 * A plugin defines one `const sluice_strategy sluice_plugin` (its name, description, config
 * schema, and a function per lifecycle step it implements) and is built by sdk/c/build.sh, which
 * generates the world's bindings with `wit-bindgen c`, compiles everything with clang for
 * wasm32-wasi as a reactor (no `main`), and makes a component with `wasm-tools` and the WASI
 * preview-1 reactor adapter. The SDK implements the exported `strategy` interface on top of it:
 *
 *   - strings in: every string is NUL-terminated and lives for the call (`NULL` for a WIT `none`);
 *   - strings out: heap strings (sluice_format, sluice_json_quote, strdup) the SDK takes over;
 *   - errors: a function returns SLUICE_OK or sluice_error(kind, ...), one of the WIT `error` cases;
 *   - config: parsed once per call by the plugin's `parse_config` into its own struct, with the
 *     tiny JSON reader below (top-level string, integer and boolean fields of one object: enough
 *     for a flat config or state; nested values are skipped, not read);
 *   - defaults: `validate` finds nothing, `plan` plans one `update` of the unit, `shift` does
 *     nothing, `finalize` returns the staged state; `prepare`, `stage` and `rollback` fail with
 *     "this plugin does not implement ..." when left NULL;
 *   - logging: sluice_log(level, format, ...), printf-style (the world must import
 *     sluice:deploy/log);
 *   - files: wasi-libc's own stdio, dirent and unistd functions reach the directories the plan
 *     grants (mounted at their guest paths), plus sluice_copy_tree and sluice_remove_tree.
 *
 * Secrets, HTTP, containers and SQL are called through the generated bindings (`plugin.h`,
 * `sluice_deploy_secrets_get` ...) of a world that imports them; this SDK wraps only `log`.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The outcome of a call: ok, or one of the cases of the WIT `error` variant. */
typedef enum sluice_kind {
    /** Success. */
    SLUICE_KIND_OK,
    /** The unit's config is wrong; retrying will not help. */
    SLUICE_KIND_INVALID_CONFIG,
    /** A capability refused the request. */
    SLUICE_KIND_DENIED,
    /** Something the plugin depends on is not reachable right now. */
    SLUICE_KIND_UNAVAILABLE,
    /** Anything else went wrong. */
    SLUICE_KIND_FAILED,
} sluice_kind;

/** What a lifecycle function returns: `SLUICE_OK`, or an error kind and its message. */
typedef struct sluice_result {
    sluice_kind kind;
    /** The message (owned by the SDK), NULL when `kind` is SLUICE_KIND_OK. */
    char *message;
} sluice_result;

/** Success. */
#define SLUICE_OK ((sluice_result){SLUICE_KIND_OK, NULL})

/** An error of `kind` with a printf-style message. */
sluice_result sluice_error(sluice_kind kind, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/** Whether `result` is an error. */
static inline bool sluice_failed(sluice_result result) { return result.kind != SLUICE_KIND_OK; }

/** Returns `expr` from the calling function when it is an error. */
#define SLUICE_TRY(expr)                                                                         \
    do {                                                                                         \
        sluice_result sluice_try_ = (expr);                                                      \
        if (sluice_failed(sluice_try_)) return sluice_try_;                                      \
    } while (0)

/** A printf-style heap string (aborts the instance when out of memory). */
char *sluice_format(const char *format, ...) __attribute__((format(printf, 1, 2)));

/** Who is calling and about what (the WIT `context`). */
typedef struct sluice_context {
    const char *deployment_id;
    const char *environment;
    const char *unit;
    const char *version;
    bool dry_run;
} sluice_context;

/** Problems `validate` found, each at a dotted path of the config ("" for the whole config). */
typedef struct sluice_diagnostics sluice_diagnostics;

/** Reports one problem at `path`. */
void sluice_diagnose(sluice_diagnostics *problems, const char *path, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** What a planned change does (the WIT `change-action`). */
typedef enum sluice_action {
    SLUICE_CREATE,
    SLUICE_UPDATE,
    SLUICE_REPLACE,
    SLUICE_DELETE,
    SLUICE_NO_OP,
} sluice_action;

/** The changes `plan` reports. */
typedef struct sluice_changes sluice_changes;

/** Adds one change to `resource`, with a printf-style detail. */
void sluice_change(sluice_changes *changes, sluice_action action, const char *resource,
                   const char *format, ...) __attribute__((format(printf, 4, 5)));

/** The most endpoints a staged version reports. */
#define SLUICE_MAX_ENDPOINTS 8

/** What `stage` produced (the WIT `staged`); every string is a heap string the SDK takes over. */
typedef struct sluice_staged {
    /** Opaque state handed back to shift, finalize and rollback (usually JSON). */
    char *state;
    /** Where the staged version can be probed; the first is `${staged.endpoint}`. */
    char *endpoints[SLUICE_MAX_ENDPOINTS];
    size_t endpoint_count;
    /** One line for humans. */
    char *summary;
} sluice_staged;

/** Optional features (the WIT `feature`), or-ed together. */
enum {
    SLUICE_FEATURE_ROLLBACK = 1,
    SLUICE_FEATURE_TRAFFIC_SHIFT = 2,
    SLUICE_FEATURE_PLAN = 4,
};

/**
 * A strategy. `config` is what `parse_config` filled in (a `config_size`-byte struct the SDK
 * zeroes first), or the config's JSON text (`const char *`) when `parse_config` is NULL.
 * `current`, `staged` and `snapshot` are NULL when the host passes none.
 */
typedef struct sluice_strategy {
    const char *name;
    const char *version;
    const char *description;
    /** The JSON Schema of a unit's config. */
    const char *config_schema;
    /** SLUICE_FEATURE_* flags. */
    unsigned features;

    size_t config_size;
    sluice_result (*parse_config)(const char *json, void *config);

    void (*validate)(const void *config, sluice_diagnostics *problems);
    sluice_result (*plan)(const sluice_context *ctx, const void *config, const char *current,
                          sluice_changes *changes);
    sluice_result (*prepare)(const sluice_context *ctx, const void *config, const char *current,
                             char **snapshot);
    sluice_result (*stage)(const sluice_context *ctx, const void *config, const char *current,
                           sluice_staged *staged);
    sluice_result (*shift)(const sluice_context *ctx, const void *config, const char *staged,
                           uint8_t percent);
    sluice_result (*finalize)(const sluice_context *ctx, const void *config, const char *staged,
                              char **current);
    sluice_result (*rollback)(const sluice_context *ctx, const void *config, const char *staged,
                              const char *snapshot, const char *current);
} sluice_strategy;

/** The plugin's strategy: every plugin defines this. */
extern const sluice_strategy sluice_plugin;

/** How important a log message is (the WIT `level`). */
typedef enum sluice_level {
    SLUICE_TRACE,
    SLUICE_DEBUG,
    SLUICE_INFO,
    SLUICE_WARN,
    SLUICE_ERROR,
} sluice_level;

/** Writes one printf-style message to the deployment's log. */
void sluice_log(sluice_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/*
 * The JSON reader: `json` is one object; `key` a top-level field of it. A missing field or a
 * `null` leaves `*out` as it was and returns SLUICE_OK; a field of another type, or text that is
 * not a JSON object, is an invalid-config error naming `what` (e.g. "config", "staged state").
 */

/** Reads the string field `key` into a heap string. */
sluice_result sluice_json_string(const char *what, const char *json, const char *key, char **out);
/** Reads the integer field `key`. */
sluice_result sluice_json_int(const char *what, const char *json, const char *key, long long *out);
/** Reads the boolean field `key`. */
sluice_result sluice_json_bool(const char *what, const char *json, const char *key, bool *out);
/** `s` as a JSON string literal (quotes included), or `null` when `s` is NULL; a heap string. */
char *sluice_json_quote(const char *s);

/*
 * Files. Paths are guest paths under a granted directory; symlinks are never followed.
 */

/** Copies the tree `from` to the new directory `to`, counting the regular files copied. */
sluice_result sluice_copy_tree(const char *from, const char *to, size_t *files);
/** Removes `path` and everything under it; nothing there is not an error. */
sluice_result sluice_remove_tree(const char *path);

#endif
