/*
 * The SDK's JSON reader: finds top-level fields of one object and reads flat values. It scans
 * the text once per lookup and never builds a tree; a nested object or array is skipped whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.h"

/** The kinds of JSON value the reader tells apart. */
typedef enum json_type { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_NESTED } json_type;

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/** The end of the string literal starting at `p` (on its opening quote), or NULL. */
static const char *skip_string(const char *p) {
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && !*++p) return NULL;
    }
    return *p == '"' ? p + 1 : NULL;
}

/** The end of the value starting at `p`, or NULL when it is not one. */
static const char *skip_value(const char *p) {
    p = skip_space(p);
    if (*p == '"') return skip_string(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        do {
            if (*p == '"') {
                if (!(p = skip_string(p))) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') depth--;
            if (!*p) return NULL;
            p++;
        } while (depth > 0);
        return p;
    }
    const char *start = p;
    while (*p && strchr(",}] \t\r\n", *p) == NULL) p++;
    return p > start ? p : NULL;
}

static json_type type_of(const char *value) {
    switch (*value) {
    case '"': return JSON_STRING;
    case 't': case 'f': return JSON_BOOL;
    case 'n': return JSON_NULL;
    case '{': case '[': return JSON_NESTED;
    default: return JSON_NUMBER;
    }
}

static sluice_result not_an_object(const char *what) {
    return sluice_error(SLUICE_KIND_INVALID_CONFIG, "%s is not a JSON object", what);
}

/** Calls `visit` on every top-level field of the object `json`; stops at the first error. */
static sluice_result each_field(const char *what, const char *json,
                                sluice_result (*visit)(const char *key, size_t key_len,
                                                       const char *value, void *data),
                                void *data) {
    const char *p = skip_space(json);
    if (*p++ != '{') return not_an_object(what);
    p = skip_space(p);
    if (*p == '}') return SLUICE_OK;
    for (;;) {
        if (*p != '"') return not_an_object(what);
        const char *key = p + 1, *after = skip_string(p);
        if (!after) return not_an_object(what);
        p = skip_space(after);
        if (*p++ != ':') return not_an_object(what);
        const char *value = skip_space(p);
        if (!(p = skip_value(value))) return not_an_object(what);
        SLUICE_TRY(visit(key, (size_t)(after - 1 - key), value, data));
        p = skip_space(p);
        if (*p == '}') return SLUICE_OK;
        if (*p++ != ',') return not_an_object(what);
        p = skip_space(p);
    }
}

/** What `find` looks for and found. */
typedef struct lookup {
    const char *key;
    const char *value;
} lookup;

static sluice_result match(const char *key, size_t key_len, const char *value, void *data) {
    lookup *wanted = data;
    if (strlen(wanted->key) == key_len && memcmp(key, wanted->key, key_len) == 0) {
        wanted->value = value;
    }
    return SLUICE_OK;
}

/** The value of `key` in `json` (NULL when absent or `null`), checked to be of `type`. */
static sluice_result find(const char *what, const char *json, const char *key, json_type type,
                          const char *type_name, const char **value) {
    lookup wanted = {key, NULL};
    SLUICE_TRY(each_field(what, json, match, &wanted));
    *value = NULL;
    if (!wanted.value || type_of(wanted.value) == JSON_NULL) return SLUICE_OK;
    if (type_of(wanted.value) != type) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG, "%s: `%s` must be %s", what, key, type_name);
    }
    *value = wanted.value;
    return SLUICE_OK;
}

/** Appends the UTF-8 encoding of `code` to `out`. */
static char *put_utf8(char *out, unsigned long code) {
    if (code < 0x80) {
        *out++ = (char)code;
    } else if (code < 0x800) {
        *out++ = (char)(0xC0 | code >> 6);
        *out++ = (char)(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        *out++ = (char)(0xE0 | code >> 12);
        *out++ = (char)(0x80 | (code >> 6 & 0x3F));
        *out++ = (char)(0x80 | (code & 0x3F));
    } else {
        *out++ = (char)(0xF0 | code >> 18);
        *out++ = (char)(0x80 | (code >> 12 & 0x3F));
        *out++ = (char)(0x80 | (code >> 6 & 0x3F));
        *out++ = (char)(0x80 | (code & 0x3F));
    }
    return out;
}

/** Four hex digits at `p`, or -1. */
static long hex4(const char *p) {
    char digits[5] = {0};
    for (int i = 0; i < 4; i++) {
        if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i]) return -1;
        digits[i] = p[i];
    }
    return strtol(digits, NULL, 16);
}

sluice_result sluice_json_string(const char *what, const char *json, const char *key, char **out) {
    const char *value;
    SLUICE_TRY(find(what, json, key, JSON_STRING, "a string", &value));
    if (!value) return SLUICE_OK;
    const char *end = skip_string(value) - 1;
    char *text = malloc((size_t)(end - value) + 1), *o = text;
    if (!text) abort();
    for (const char *p = value + 1; p < end; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        switch (*++p) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            long code = hex4(p + 1);
            if (code < 0) break;
            p += 4;
            if (code >= 0xD800 && code < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                long low = hex4(p + 3);
                if (low >= 0xDC00 && low < 0xE000) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
            }
            o = put_utf8(o, (unsigned long)code);
            break;
        }
        default: *o++ = *p; /* \" \\ \/ */
        }
    }
    *o = '\0';
    free(*out);
    *out = text;
    return SLUICE_OK;
}

sluice_result sluice_json_int(const char *what, const char *json, const char *key, long long *out) {
    const char *value;
    SLUICE_TRY(find(what, json, key, JSON_NUMBER, "an integer", &value));
    if (!value) return SLUICE_OK;
    char *end;
    long long number = strtoll(value, &end, 10);
    if (end == value || strchr(".eE", *end)) {
        return sluice_error(SLUICE_KIND_INVALID_CONFIG, "%s: `%s` must be an integer", what, key);
    }
    *out = number;
    return SLUICE_OK;
}

sluice_result sluice_json_bool(const char *what, const char *json, const char *key, bool *out) {
    const char *value;
    SLUICE_TRY(find(what, json, key, JSON_BOOL, "true or false", &value));
    if (value) *out = *value == 't';
    return SLUICE_OK;
}

char *sluice_json_quote(const char *s) {
    if (!s) return sluice_format("null");
    char *quoted = malloc(strlen(s) * 6 + 3), *o = quoted;
    if (!quoted) abort();
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20) {
            o += sprintf(o, "\\u%04x", *p);
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
    return quoted;
}
