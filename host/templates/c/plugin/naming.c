#include "naming.h"

#include <ctype.h>
#include <string.h>

bool release_name_ok(const char *version) {
    if (!*version || version[0] == '.' || strpbrk(version, "/\\")) return false;
    for (const unsigned char *c = (const unsigned char *)version; *c; c++) {
        if (iscntrl(*c)) return false;
    }
    return true;
}
