/* process.c: what the kernel and the allocator say, to set beside what memstats counts. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <malloc.h>
#include <unistd.h>

int ms_process_read(struct ms_process *p)
{
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	FILE *statm = fopen("/proc/self/statm", "r");
	if (!statm)
		return -1;
	long long size_pages, resident_pages;
	int fields = fscanf(statm, "%lld %lld", &size_pages, &resident_pages);
	fclose(statm);
	if (fields != 2) {
		errno = EIO;
		return -1;
	}
	struct mallinfo2 mi = mallinfo2();
	*p = (struct ms_process){
		.rss_bytes = resident_pages * sysconf(_SC_PAGESIZE),
		.heap_arena_bytes = (int64_t)mi.arena,
		.heap_used_bytes = (int64_t)mi.uordblks,
		.heap_free_bytes = (int64_t)mi.fordblks,
		.mmapped_bytes = (int64_t)mi.hblkhd,
	};
	return 0;
}
