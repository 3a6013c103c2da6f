/* Preloaded into every C and C++ run (the recipes' LD_PRELOAD): when an allocation is refused,
 * it says so once on stderr, in the words the sandbox reads as memory_limit (strerror(ENOMEM)).
 * Without it a program that checks malloc's NULL and exits, or crashes on it, would be a
 * runtime_error, though the refusal was the memory limit's address-space backstop (docs/limits.md).
 * It only reports: every call goes to glibc's own allocator, errno is kept. A program can get
 * around it (raw system calls, its own allocator) and only mislabels its own run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *block, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

static int reported;

static void *checked(void *block, size_t size) {
    if (block == NULL && size != 0 && errno == ENOMEM && !__atomic_exchange_n(&reported, 1, __ATOMIC_RELAXED)) {
        static const char message[] = "glimpse: an allocation was refused: Cannot allocate memory\n";
        int saved = errno;
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void)ignored;
        errno = saved;
    }
    return block;
}

void *malloc(size_t size) { return checked(__libc_malloc(size), size); }
void *calloc(size_t count, size_t size) { return checked(__libc_calloc(count, size), count * size); }
void *realloc(void *block, size_t size) { return checked(__libc_realloc(block, size), size); }
void *memalign(size_t alignment, size_t size) { return checked(__libc_memalign(alignment, size), size); }
void *aligned_alloc(size_t alignment, size_t size) { return checked(__libc_memalign(alignment, size), size); }
void *valloc(size_t size) { return checked(__libc_valloc(size), size); }
void *pvalloc(size_t size) { return checked(__libc_pvalloc(size), size); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *block = checked(__libc_memalign(alignment, size), size);
    if (block == NULL && size != 0) return ENOMEM;
    *result = block;
    return 0;
}

/* The program's own mappings (glibc's allocator maps through its internal mmap, not this one). */
void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    void *region = (void *)syscall(SYS_mmap, address, length, protection, flags, fd, offset);
    if (region == MAP_FAILED) checked(NULL, length);
    return region;
}
void *mmap64(void *address, size_t length, int protection, int flags, int fd, off_t offset)
    __attribute__((alias("mmap")));
