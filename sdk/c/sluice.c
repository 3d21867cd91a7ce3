/*
 * The SDK's side of the bindings `wit-bindgen c` generates for the plugin's world (plugin.h):
 * the exported `strategy` interface, on top of the plugin's `sluice_plugin`, and `sluice_log`.
 * Strings the host passes in are owned by the callee, so they are copied to NUL-terminated
 * strings and freed; strings passed back are heap strings the generated post-return frees.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "sluice.h"

/** A printf-style heap string from a va_list. */
static char *vformat(const char *format, va_list args) {
    va_list again;
    va_copy(again, args);
    int length = vsnprintf(NULL, 0, format, args);
    char *text = length < 0 ? NULL : malloc((size_t)length + 1);
    if (!text) abort();
    vsnprintf(text, (size_t)length + 1, format, again);
    va_end(again);
    return text;
}

char *sluice_format(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = vformat(format, args);
    va_end(args);
    return text;
}

sluice_result sluice_error(sluice_kind kind, const char *format, ...) {
    va_list args;
    va_start(args, format);
    sluice_result result = {kind, vformat(format, args)};
    va_end(args);
    return result;
}

void sluice_log(sluice_level level, const char *format, ...) {
    va_list args;
    va_start(args, format);
    plugin_string_t message = {(uint8_t *)vformat(format, args), 0};
    va_end(args);
    message.len = strlen((char *)message.ptr);
    sluice_deploy_log_write((sluice_deploy_log_level_t)level, &message);
    free(message.ptr);
}

/** A WIT string the generated code frees after the call, taking over the heap string `s`. */
static plugin_string_t take(char *s) {
    return (plugin_string_t){(uint8_t *)s, s ? strlen(s) : 0};
}

/** A NUL-terminated copy of the host's string `s` (NULL for none), which is freed. */
static char *owned(plugin_string_t *s) {
    if (!s) return NULL;
    char *text = malloc(s->len + 1);
    if (!text) abort();
    memcpy(text, s->ptr, s->len);
    text[s->len] = '\0';
    plugin_string_free(s);
    return text;
}

/** A growable array of `item_size`-byte items. */
typedef struct growable {
    void *items;
    size_t len;
    size_t capacity;
} growable;

/** Room for one more item at the end of `array`. */
static void *push(growable *array, size_t item_size) {
    if (array->len == array->capacity) {
        array->capacity = array->capacity ? array->capacity * 2 : 4;
        array->items = realloc(array->items, array->capacity * item_size);
        if (!array->items) abort();
    }
    return (char *)array->items + item_size * array->len++;
}

struct sluice_diagnostics {
    growable list;
};

void sluice_diagnose(sluice_diagnostics *problems, const char *path, const char *format, ...) {
    va_list args;
    va_start(args, format);
    exports_sluice_deploy_strategy_diagnostic_t *problem =
        push(&problems->list, sizeof *problem);
    problem->path = take(sluice_format("%s", path));
    problem->message = take(vformat(format, args));
    va_end(args);
}

struct sluice_changes {
    growable list;
};

void sluice_change(sluice_changes *changes, sluice_action action, const char *resource,
                   const char *format, ...) {
    va_list args;
    va_start(args, format);
    exports_sluice_deploy_strategy_change_t *change = push(&changes->list, sizeof *change);
    change->action = (sluice_deploy_types_change_action_t)action;
    change->resource = take(sluice_format("%s", resource));
    change->detail = take(vformat(format, args));
    va_end(args);
}

/** The WIT error for a failed `result`. */
static void to_wit_error(sluice_result result, exports_sluice_deploy_strategy_error_t *err) {
    static const uint8_t tags[] = {
        [SLUICE_KIND_INVALID_CONFIG] = SLUICE_DEPLOY_TYPES_ERROR_INVALID_CONFIG,
        [SLUICE_KIND_DENIED] = SLUICE_DEPLOY_TYPES_ERROR_DENIED,
        [SLUICE_KIND_UNAVAILABLE] = SLUICE_DEPLOY_TYPES_ERROR_UNAVAILABLE,
        [SLUICE_KIND_FAILED] = SLUICE_DEPLOY_TYPES_ERROR_FAILED,
    };
    err->tag = tags[result.kind];
    /* Every case carries one string, at the same place. */
    err->val.failed = take(result.message ? result.message : sluice_format("%s", "error"));
}

/** A call's context and parsed config, as the plugin's functions receive them. */
typedef struct call {
    sluice_context ctx;
    const void *config;
} call;

/** Fills in `call` from the host's arguments (which it frees), parsing the config. */
static sluice_result begin(call *call, exports_sluice_deploy_strategy_context_t *ctx,
                           plugin_string_t *config) {
    if (ctx) {
        call->ctx = (sluice_context){
            .deployment_id = owned(&ctx->deployment_id),
            .environment = owned(&ctx->environment),
            .unit = owned(&ctx->unit),
            .version = owned(&ctx->version),
            .dry_run = ctx->dry_run,
        };
    }
    char *json = owned(config);
    if (!sluice_plugin.parse_config) {
        call->config = json;
        return SLUICE_OK;
    }
    void *parsed = calloc(1, sluice_plugin.config_size ? sluice_plugin.config_size : 1);
    if (!parsed) abort();
    call->config = parsed;
    sluice_result result = sluice_plugin.parse_config(json, parsed);
    free(json);
    return result;
}

/** Ends an exported call with `result`: true on success, else the error in `err`. */
static bool finish(sluice_result result, exports_sluice_deploy_strategy_error_t *err) {
    if (!sluice_failed(result)) return true;
    to_wit_error(result, err);
    return false;
}

/** The error for a lifecycle step the plugin left NULL. */
static sluice_result not_implemented(const char *step) {
    return sluice_error(SLUICE_KIND_FAILED, "this plugin does not implement `%s`", step);
}

void exports_sluice_deploy_strategy_info(exports_sluice_deploy_strategy_plugin_info_t *ret) {
    ret->name = take(sluice_format("%s", sluice_plugin.name));
    ret->version = take(sluice_format("%s", sluice_plugin.version));
    ret->description = take(sluice_format("%s", sluice_plugin.description));
    ret->config_schema = take(sluice_format("%s", sluice_plugin.config_schema));
    static const unsigned flags[] = {SLUICE_FEATURE_ROLLBACK, SLUICE_FEATURE_TRAFFIC_SHIFT,
                                     SLUICE_FEATURE_PLAN};
    static const sluice_deploy_types_feature_t features[] = {
        SLUICE_DEPLOY_TYPES_FEATURE_ROLLBACK, SLUICE_DEPLOY_TYPES_FEATURE_TRAFFIC_SHIFT,
        SLUICE_DEPLOY_TYPES_FEATURE_PLAN};
    ret->features.ptr = malloc(sizeof features);
    if (!ret->features.ptr) abort();
    ret->features.len = 0;
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        if (sluice_plugin.features & flags[i]) ret->features.ptr[ret->features.len++] = features[i];
    }
}

bool exports_sluice_deploy_strategy_validate(plugin_string_t *config,
                                             exports_sluice_deploy_strategy_list_diagnostic_t *err) {
    call call = {0};
    sluice_diagnostics problems = {{0}};
    sluice_result parsed = begin(&call, NULL, config);
    if (sluice_failed(parsed)) {
        sluice_diagnose(&problems, "", "%s", parsed.message);
    } else if (sluice_plugin.validate) {
        sluice_plugin.validate(call.config, &problems);
    }
    err->ptr = problems.list.items;
    err->len = problems.list.len;
    return problems.list.len == 0;
}

bool exports_sluice_deploy_strategy_plan(exports_sluice_deploy_strategy_context_t *ctx,
                                         plugin_string_t *config, plugin_string_t *maybe_current,
                                         exports_sluice_deploy_strategy_list_change_t *ret,
                                         exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_changes changes = {{0}};
    sluice_result result = begin(&call, ctx, config);
    char *current = owned(maybe_current);
    if (!sluice_failed(result) && sluice_plugin.plan) {
        result = sluice_plugin.plan(&call.ctx, call.config, current, &changes);
    } else if (!sluice_failed(result)) {
        sluice_change(&changes, SLUICE_UPDATE, call.ctx.unit, "deploy %s", call.ctx.version);
    }
    ret->ptr = changes.list.items;
    ret->len = changes.list.len;
    return finish(result, err);
}

bool exports_sluice_deploy_strategy_prepare(exports_sluice_deploy_strategy_context_t *ctx,
                                            plugin_string_t *config, plugin_string_t *maybe_current,
                                            plugin_string_t *ret,
                                            exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_result result = begin(&call, ctx, config);
    char *current = owned(maybe_current), *snapshot = NULL;
    if (!sluice_failed(result)) {
        result = sluice_plugin.prepare
                     ? sluice_plugin.prepare(&call.ctx, call.config, current, &snapshot)
                     : not_implemented("prepare");
    }
    *ret = take(snapshot);
    return finish(result, err);
}

bool exports_sluice_deploy_strategy_stage(exports_sluice_deploy_strategy_context_t *ctx,
                                          plugin_string_t *config, plugin_string_t *maybe_current,
                                          exports_sluice_deploy_strategy_staged_t *ret,
                                          exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_staged staged = {0};
    sluice_result result = begin(&call, ctx, config);
    char *current = owned(maybe_current);
    if (!sluice_failed(result)) {
        result = sluice_plugin.stage ? sluice_plugin.stage(&call.ctx, call.config, current, &staged)
                                     : not_implemented("stage");
    }
    ret->state = take(staged.state);
    ret->summary = take(staged.summary);
    ret->endpoints.len = staged.endpoint_count;
    ret->endpoints.ptr = malloc(sizeof(plugin_string_t) * (staged.endpoint_count + 1));
    if (!ret->endpoints.ptr) abort();
    for (size_t i = 0; i < staged.endpoint_count; i++) {
        ret->endpoints.ptr[i] = take(staged.endpoints[i]);
    }
    return finish(result, err);
}

bool exports_sluice_deploy_strategy_shift(exports_sluice_deploy_strategy_context_t *ctx,
                                          plugin_string_t *config, plugin_string_t *staged,
                                          uint8_t percent,
                                          exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_result result = begin(&call, ctx, config);
    char *state = owned(staged);
    if (!sluice_failed(result) && sluice_plugin.shift) {
        result = sluice_plugin.shift(&call.ctx, call.config, state, percent);
    }
    return finish(result, err);
}

bool exports_sluice_deploy_strategy_finalize(exports_sluice_deploy_strategy_context_t *ctx,
                                             plugin_string_t *config, plugin_string_t *staged,
                                             plugin_string_t *ret,
                                             exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_result result = begin(&call, ctx, config);
    char *state = owned(staged), *current = NULL;
    if (!sluice_failed(result) && sluice_plugin.finalize) {
        result = sluice_plugin.finalize(&call.ctx, call.config, state, &current);
    } else if (!sluice_failed(result)) {
        current = sluice_format("%s", state);
    }
    *ret = take(current);
    return finish(result, err);
}

bool exports_sluice_deploy_strategy_rollback(exports_sluice_deploy_strategy_context_t *ctx,
                                             plugin_string_t *config, plugin_string_t *maybe_staged,
                                             plugin_string_t *maybe_snapshot,
                                             plugin_string_t *maybe_current,
                                             exports_sluice_deploy_strategy_error_t *err) {
    call call = {0};
    sluice_result result = begin(&call, ctx, config);
    char *staged = owned(maybe_staged), *snapshot = owned(maybe_snapshot),
         *current = owned(maybe_current);
    if (!sluice_failed(result)) {
        result = sluice_plugin.rollback
                     ? sluice_plugin.rollback(&call.ctx, call.config, staged, snapshot, current)
                     : not_implemented("rollback");
    }
    return finish(result, err);
}
