/* The plugin's test, built and run natively by ./test.sh. */
#include <stdio.h>

#include "naming.h"

int main(void) {
    int failed = !release_name_ok("v1.2");
    const char *bad[] = {"", "..", "../v1", "a/b", ".hidden", "v1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (release_name_ok(bad[i])) {
            fprintf(stderr, "%s was accepted as a release name\n", bad[i]);
            failed = 1;
        }
    }
    printf("%s: release names are versions and never leave releases/\n", failed ? "FAIL" : "ok");
    return failed;
}
