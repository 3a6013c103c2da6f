#include <stdio.h>
#include "helper.h"

void greeting(char *out, size_t size, const char *name) {
    snprintf(out, size, "hello from %s", name);
}
