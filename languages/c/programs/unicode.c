#include <stdio.h>

int main(void) {
    puts("héllo wörld 🌍 — 你好");
    return 0;
}
