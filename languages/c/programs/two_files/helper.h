#include <stddef.h>

void greeting(char *out, size_t size, const char *name);
