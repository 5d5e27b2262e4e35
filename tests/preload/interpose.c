/* interpose.c: a small LD_PRELOAD object that tests/test_preload.c runs programs under: their malloc and its kin counted by build/preload's memstats, and a report at exit. */
#define _GNU_SOURCE
#include "memstats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG "preloaded"
#define SITE "interpose.c"

/*
 * This thread's calls into the object now. One inside another is
 * memstats calling malloc or free by name, which would recurse: the
 * report counts them, and the tests want none.
 */
static _Thread_local int depth;
static _Atomic long reentered;
static _Atomic long aligned;      /* allocations made through the aligned calls */
static atomic_flag configured = ATOMIC_FLAG_INIT;

/* Misuse is not printed (ms_stats counts it): the program's output is compared with its plain run's. */
static void quiet(const struct ms_misuse *m, void *context)
{
	(void)m;
	(void)context;
}

static void enter(void)
{
	if (depth++ > 0)
		atomic_fetch_add(&reentered, 1);
	if (!atomic_flag_test_and_set(&configured)) {
		ms_set_misuse_handler(quiet, NULL);
		/* blocks malloc made before the object was bound, or under another name */
		ms_set_foreign_policy(MS_FOREIGN_PASS);
	}
}

static void leave(void)
{
	depth--;
}

void *malloc(size_t size)
{
	enter();
	void *p = ms_alloc_bytes_at(size, TAG, SITE, __LINE__);
	leave();
	return p;
}

void free(void *p)
{
	enter();
	ms_free_at(p, SITE, __LINE__);
	leave();
}

void *calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	enter();
	void *p = ms_alloc_bytes_at(count * size, TAG, SITE, __LINE__);
	leave();
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *p, size_t size)
{
	enter();
	void *q = ms_realloc_bytes_at(p, size, TAG, SITE, __LINE__);
	leave();
	return q;
}

/* glibc's reallocarray calls its own realloc, not the object's: it must be the object's too. */
void *reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, count * size);
}

size_t malloc_usable_size(void *p)
{
	enter();
	size_t size = ms_size(p);
	leave();
	return size;
}

/* An aligned allocation, as every aligned call makes one. */
static void *alloc_aligned(size_t alignment, size_t size)
{
	enter();
	void *p = ms_alloc_aligned_at(alignment, size, TAG, SITE, __LINE__);
	leave();
	atomic_fetch_add(&aligned, 1);
	return p;
}

int posix_memalign(void **p, size_t alignment, size_t size)
{
	if (alignment % sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	void *q = alloc_aligned(alignment, size);
	if (!q)
		return ENOMEM;
	*p = q;
	return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
	return alloc_aligned(alignment, size);
}

/* glibc's memalign takes the power of two at or above an alignment that is none. */
void *memalign(size_t alignment, size_t size)
{
	size_t power = 1;
	while (power < alignment)
		power <<= 1;
	return alloc_aligned(power, size);
}

void *valloc(size_t size)
{
	return alloc_aligned((size_t)sysconf(_SC_PAGESIZE), size);
}

/* glibc's pvalloc: a page-aligned block of whole pages, one at least. */
void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return alloc_aligned(page, size ? (size + page - 1) & ~(page - 1) : page);
}

/* Append "name value\n" to the report. */
static void put(int fd, const char *name, long long value)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %lld\n", name, value);
	if (n > 0 && write(fd, line, (size_t)n) != n)
		_exit(99);
}

/* A figure of /proc/self/status in kB ("VmPeak"), or -1. */
static long long status_kb(const char *name)
{
	char text[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	const char *at = strstr(text, name);
	return at ? strtoll(at + strlen(name) + 1, NULL, 10) : -1;
}

/*
 * The report, to the file $MS_PRELOAD_REPORT names: written as the object
 * is unloaded at exit, from a destructor (a GNU attribute, hence
 * __extension__), since a preloaded object has no main to write it from.
 */
__extension__ __attribute__((destructor)) static void report(void)
{
	const char *path = getenv("MS_PRELOAD_REPORT");
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	/* a 1-byte block's footprint shows which allocator memstats measured: 32 on glibc */
	void *one = malloc(1);
	struct ms_block_info info = { 0 };
	ms_block_info(one, &info);
	free(one);
	struct ms_stats s = ms_stats();
	put(fd, "blocks", s.all.blocks.total);
	put(fd, "misuse", s.misuse_count);
	put(fd, "reentered", atomic_load(&reentered));
	put(fd, "vm_peak_kb", status_kb("VmPeak:"));
	put(fd, "vm_size_kb", status_kb("VmSize:"));
	put(fd, "footprint_of_1", info.bytes[MS_FOOTPRINT]);
	put(fd, "aligned", atomic_load(&aligned));
	close(fd);
}
