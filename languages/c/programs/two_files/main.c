#include <stdio.h>
#include "helper.h"

int main(void) {
    char text[64];
    greeting(text, sizeof text, "two files");
    puts(text);
    return 0;
}
