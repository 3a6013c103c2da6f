#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
    char ns[64] = {0};
    readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    int runs = 0;
    DIR *tmp = opendir("/tmp");
    for (struct dirent *entry; tmp && (entry = readdir(tmp));)
        runs += strncmp(entry->d_name, "glimpse-run-", 12) == 0;
    printf("%s %d\n", ns, runs);
}
