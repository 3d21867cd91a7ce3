/* Pure logic, tested natively without wasm (./test.sh): no host call here. */
#ifndef NAMING_H
#define NAMING_H

#include <stdbool.h>

/** Whether `version` can name a release directory (it then names it as it is). */
bool release_name_ok(const char *version);

#endif
