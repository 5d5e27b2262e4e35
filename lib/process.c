/* process.c: what the kernel and the allocator say, to set beside what memstats counts. */
#define _GNU_SOURCE
#include "process.h"
#include "block.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
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

int ms_process_threads(void)
{
	/* open and read, not stdio: a misuse report asks, and must not call malloc */
	char stat[512];   /* the first 20 fields take at most about 420 bytes */
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, stat, sizeof stat - 1);
	close(fd);
	if (got <= 0)
		return -1;
	stat[got] = '\0';
	/*
	 * Field 2, the program's name in parentheses, may itself hold spaces
	 * and ')', so fields are counted from the last ')': the space before
	 * field 3, then one space a field up to field 20, num_threads.
	 */
	char *at = strrchr(stat, ')');
	for (int field = 3; at && field <= 20; field++)
		at = strchr(at + 1, ' ');
	return at ? (int)strtol(at + 1, NULL, 10) : -1;
}

int ms_malloc_block_info(void *block, struct ms_malloc_block *info)
{
	if (!block || !info) {
		errno = EINVAL;
		return -1;
	}
	/* the same rule as a tracked block's (block.h): a chunk header only where it is glibc's */
	size_t header = 0;
	size_t usable = ms_facts() & MS_FACTS_GLIBC_CHUNKS ? ms_chunk_usable(block, &header)
							   : ms_raw_usable_size(block);
	*info = (struct ms_malloc_block){ usable, usable + header, header != 0,
					  header == MS_MAPPED_CHUNK_HEADER };
	return 0;
}
