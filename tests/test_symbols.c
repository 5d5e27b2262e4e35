/* test_symbols.c: the census symboliser names this test's own code by function and line, a library's by its symbol, and a stripped program's or an unreadable file's by object and offset, never asking debuginfod. */
#define _GNU_SOURCE
#include "test_util.h"

#include "golden.h"
#include "symbols.h"

#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Where code is: the mapping that holds it, as census records it.      */
/* ------------------------------------------------------------------ */

struct located {
	char path[4096];
	uint64_t offset;     /* address - mapping start + mapping offset */
};

/* The file and file offset of `address` in this process, read from /proc/self/maps. */
static void locate(const void *address, struct located *where)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	assert_non_null(maps);
	char line[4096 + 256];
	int found = 0;
	while (!found && fgets(line, sizeof line, maps)) {
		uintptr_t start, end;
		uint64_t offset;
		int path_at = 0;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %" SCNx64 " %*s %*s %n", &start, &end,
			   &offset, &path_at) != 3 || path_at == 0)
			continue;
		if ((uintptr_t)address < start || (uintptr_t)address >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		assert_true(line[path_at] == '/');
		snprintf(where->path, sizeof where->path, "%s", line + path_at);
		where->offset = (uintptr_t)address - start + offset;
		found = 1;
	}
	fclose(maps);
	assert_true(found);
}

/* The address of `symbol` in the loaded object `soname` itself, not an interposer's (ASan's strdup). */
static const void *symbol_in(const char *soname, const char *symbol)
{
	void *handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
	assert_non_null(handle);
	const void *address = dlsym(handle, symbol);
	dlclose(handle);
	return ms_test_found(address, __FILE__, __LINE__, "%s in %s", symbol, soname);
}

/* 1 when a debug file for the ELF file `path` is installed by build ID, so its lines are known. */
static int debug_file_installed(const char *path)
{
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	const unsigned char *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, (const void **)&id);
	int installed = 0;
	if (len > 1) {
		char debug[256];
		int at = snprintf(debug, sizeof debug, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (ssize_t i = 1; i < len; i++)
			at += snprintf(debug + at, sizeof debug - (size_t)at, "%02x", id[i]);
		snprintf(debug + at, sizeof debug - (size_t)at, ".debug");
		installed = access(debug, R_OK) == 0;
	}
	elf_end(elf);
	close(fd);
	return installed;
}

/* The file offset of the ELF file's entry point (_start), from its program headers. */
static uint64_t entry_offset(const char *path)
{
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	GElf_Ehdr ehdr;
	assert_non_null(gelf_getehdr(elf, &ehdr));
	uint64_t offset = 0;
	for (int i = 0; i < ehdr.e_phnum && offset == 0; i++) {
		GElf_Phdr phdr;
		assert_non_null(gelf_getphdr(elf, i, &phdr));
		if (phdr.p_type == PT_LOAD && ehdr.e_entry >= phdr.p_vaddr &&
		    ehdr.e_entry < phdr.p_vaddr + phdr.p_filesz)
			offset = ehdr.e_entry - phdr.p_vaddr + phdr.p_offset;
	}
	elf_end(elf);
	close(fd);
	assert_true(offset != 0);
	return offset;
}

/* census_place_format of `place` into a buffer of `n` bytes, checked against `expected`. */
static void assert_formats(const struct census_place *place, size_t n, const char *expected)
{
	char buf[512];
	assert_true(n <= sizeof buf);
	memset(buf, 'X', sizeof buf);
	census_place_format(place, buf, n);
	assert_string_equal(buf, expected);
	assert_true(strlen(buf) < n);
}

/* ------------------------------------------------------------------ */
/* This test's own code, built with -g.                                 */
/* ------------------------------------------------------------------ */

/* Where the call in known_caller returns to: the address malloc's caller would leave. */
__attribute__((noinline)) static const void *return_address(void)
{
	return __builtin_return_address(0);
}

static volatile int after_the_call;

/*
 * A function whose lines are known: the call's return address lies in
 * its body, between these two line numbers. The store after the call
 * keeps it a call (a tail call would jump, returning to our caller).
 */
static const int known_caller_first = __LINE__;
__attribute__((noinline)) static const void *known_caller(void)
{
	const void *back = return_address();
	after_the_call = 1;
	return back;
}
static const int known_caller_last = __LINE__;

/* A name longer than a census_place holds (135 characters), which it keeps cut with "...". */
#define LONG_NAME                                                                          \
	known_caller_whose_name_is_longer_than_the_one_hundred_and_twenty_seven_characters_that_a_census_place_keeps_of_it_so_it_is_cut_there_x
__attribute__((noinline)) static const void *LONG_NAME(void)
{
	const void *back = return_address();
	after_the_call = 2;
	return back;
}
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* The return address inside known_caller is named known_caller, this file and a line of it. */
static void test_names_own_function(void **state)
{
	(void)state;
	struct located entry, call;
	locate((const void *)(uintptr_t)known_caller, &entry);
	locate(known_caller(), &call);
	assert_string_equal(call.path, entry.path);
	assert_true(call.offset > entry.offset);

	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, call.path, call.offset, &place), 0);
	assert_string_equal(place.function, "known_caller");
	assert_i64_equal(place.function_offset, call.offset - entry.offset);
	assert_string_equal(place.source, "test_symbols.c");
	assert_i64_gt(place.line, known_caller_first);
	assert_i64_lt(place.line, known_caller_last);
	assert_string_equal(place.object, ms_test_base_name(call.path));
	assert_i64_equal(place.offset, call.offset);
	char expected[256];
	snprintf(expected, sizeof expected, "known_caller (test_symbols.c:%d)", place.line);
	assert_formats(&place, sizeof expected, expected);

	/* Asked again, the file is not opened again and the answer is the same. */
	struct census_place again;
	assert_int_equal(census_symbols_find(s, call.path, call.offset, &again), 0);
	assert_memory_equal(&again, &place, sizeof place);
	census_symbols_free(s);
}

/* A function name too long for the place is kept cut, ending in "...", and printed so. */
static void test_long_function_name_cut(void **state)
{
	(void)state;
	const char *name = STRINGIFY(LONG_NAME);
	assert_int_equal(strlen(name), 135);
	struct located call;
	locate(LONG_NAME(), &call);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, call.path, call.offset, &place), 0);
	assert_int_equal(strlen(place.function), sizeof place.function - 1);
	assert_memory_equal(place.function, name, sizeof place.function - 4);
	assert_string_equal(place.function + sizeof place.function - 4, "...");
	census_symbols_free(s);
}

/*
 * An offset is a return address: the byte before it is named. One byte
 * past the entry is the function at +0x1; the entry itself is the byte
 * before the function, never the function.
 */
static void test_names_the_byte_before(void **state)
{
	(void)state;
	struct located entry;
	locate((const void *)(uintptr_t)known_caller, &entry);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, entry.path, entry.offset + 1, &place), 0);
	assert_string_equal(place.function, "known_caller");
	assert_i64_equal(place.function_offset, 1);
	assert_i64_ge(place.line, known_caller_first);
	assert_i64_lt(place.line, known_caller_last);
	assert_int_equal(census_symbols_find(s, entry.path, entry.offset, &place), 0);
	assert_string_not_equal(place.function, "known_caller");
	assert_i64_equal(place.offset, entry.offset);
	census_symbols_free(s);
}

/* ------------------------------------------------------------------ */
/* Libraries and a stripped program.                                    */
/* ------------------------------------------------------------------ */

/*
 * libc's strdup is named by its symbol (glibc's own name for it,
 * __strdup, where libc6-dbg's full symbol table is installed), with its
 * source line exactly when that debug file is there.
 */
static void test_names_libc_function(void **state)
{
	(void)state;
	struct located where;
	locate(symbol_in("libc.so.6", "strdup"), &where);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, where.path, where.offset + 1, &place), 0);
	if (strcmp(place.function, "__strdup") != 0)
		assert_string_equal(place.function, "strdup");
	assert_i64_equal(place.function_offset, 1);
	assert_string_equal(place.object, ms_test_base_name(where.path));
	char expected[512];
	if (debug_file_installed(where.path)) {
		assert_string_equal(place.source, "strdup.c");
		assert_i64_gt(place.line, 0);
		snprintf(expected, sizeof expected, "%s (strdup.c:%d)", place.function, place.line);
	} else {
		assert_string_equal(place.source, "");
		assert_int_equal(place.line, 0);
		snprintf(expected, sizeof expected, "strdup+0x1 (%s)", place.object);
	}
	assert_formats(&place, sizeof expected, expected);
	census_symbols_free(s);
}

/* A stripped library (libdw, which this test links) is named by its dynamic symbol, with no line. */
static void test_names_dynamic_symbol(void **state)
{
	(void)state;
	struct located where;
	locate(symbol_in("libdw.so.1", "dwfl_begin"), &where);
	if (debug_file_installed(where.path)) {
		print_message("%s has its debug file installed, so it is not stripped of lines\n",
			      where.path);
		skip();
	}
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, where.path, where.offset + 1, &place), 0);
	assert_string_equal(place.function, "dwfl_begin");
	assert_string_equal(place.source, "");
	assert_int_equal(place.line, 0);
	char expected[512];
	snprintf(expected, sizeof expected, "dwfl_begin+0x1 (%s)", ms_test_base_name(where.path));
	assert_formats(&place, sizeof expected, expected);
	census_symbols_free(s);
}

#define STRIPPED_PROGRAM "/usr/bin/ls"

/* Debian's ls has only dynamic symbols, none for its code: its entry point is ls+0x.... */
static void test_stripped_program_is_object_offset(void **state)
{
	(void)state;
	if (debug_file_installed(STRIPPED_PROGRAM)) {
		print_message("%s has its debug file installed, so it has symbols\n", STRIPPED_PROGRAM);
		skip();
	}
	uint64_t entry = entry_offset(STRIPPED_PROGRAM);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, STRIPPED_PROGRAM, entry + 1, &place), 0);
	assert_string_equal(place.function, "");
	assert_string_equal(place.source, "");
	assert_int_equal(place.line, 0);
	assert_string_equal(place.object, "ls");
	char expected[64];
	snprintf(expected, sizeof expected, "ls+0x%" PRIx64, entry + 1);
	assert_formats(&place, sizeof expected, expected);
	census_symbols_free(s);
}

/* An offset in no loaded segment of a readable file: found, named by object and offset only. */
static void test_offset_outside_the_file(void **state)
{
	(void)state;
	struct located entry;
	locate((const void *)(uintptr_t)known_caller, &entry);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, entry.path, UINT64_C(0x7000000000), &place), 0);
	assert_string_equal(place.function, "");
	assert_int_equal(place.line, 0);
	char expected[512];
	snprintf(expected, sizeof expected, "%s+0x7000000000", ms_test_base_name(entry.path));
	assert_formats(&place, sizeof expected, expected);
	census_symbols_free(s);
}

/* A file that is missing or no ELF: -1 with errno, and the place still says object+offset. */
static void test_unreadable_file(void **state)
{
	(void)state;
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	for (int twice = 0; twice < 2; twice++) {
		errno = 0;
		assert_int_equal(census_symbols_find(s, "/nonexistent/lib/libgone.so.1", 0x4a2c, &place),
				 -1);
		assert_int_equal(errno, ENOENT);
		assert_string_equal(place.object, "libgone.so.1");
		assert_string_equal(place.function, "");
		assert_formats(&place, 64, "libgone.so.1+0x4a2c");
	}

	char dir[] = "/tmp/test_symbols.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/notelf.so", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("not an ELF file, only text\n", f);
	assert_int_equal(fclose(f), 0);
	errno = 0;
	assert_int_equal(census_symbols_find(s, path, 0x10, &place), -1);
	assert_int_equal(errno, ENOEXEC);
	assert_formats(&place, 64, "notelf.so+0x10");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	census_symbols_free(s);
}

/*
 * With a debuginfod server named, a file with no debug info here is
 * still not asked for: the client would make its cache directory before
 * its first query (and the server, on a port where none listens, would
 * refuse it at once, never reaching the network).
 */
static void test_debuginfod_never_asked(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_symbols.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cache[64];
	snprintf(cache, sizeof cache, "%s/cache", dir);
	assert_int_equal(setenv("DEBUGINFOD_URLS", "http://127.0.0.1:1", 1), 0);
	assert_int_equal(setenv("DEBUGINFOD_CACHE_PATH", cache, 1), 0);

	struct located where;
	locate(symbol_in("libdw.so.1", "dwfl_begin"), &where);
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, STRIPPED_PROGRAM, entry_offset(STRIPPED_PROGRAM) + 1,
					     &place), 0);
	assert_int_equal(census_symbols_find(s, where.path, where.offset + 1, &place), 0);
	assert_string_equal(place.function, "dwfl_begin");
	census_symbols_free(s);

	unsetenv("DEBUGINFOD_URLS");
	unsetenv("DEBUGINFOD_CACHE_PATH");
	struct stat st;
	assert_int_equal(stat(cache, &st), -1);
	assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------------ */
/* The cache of answers, a file per ELF file.                           */
/* ------------------------------------------------------------------ */

/*
 * A cache test's files: a copy of this test program (its code at the same
 * offsets, known_caller's lines known), watched for opens, and a cache
 * directory that CENSUS_SYMBOL_CACHE names, not yet made.
 */
struct cache_case {
	char dir[64];
	char elf[128];
	char cache[128];
	struct located call;   /* known_caller's call, at the copy's path */
	int watch;             /* inotify: the copy's opens */
};

/* `from` copied to `to` (made anew). */
static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fclose(in), 0);
	assert_int_equal(fclose(out), 0);
}

/*
 * Closes are watched too: inotify folds an event into the unread one
 * before it when they are the same, so only opens parted by closes count
 * one each (an open while the file is held open may still be folded).
 */
#define WATCHED (IN_OPEN | IN_CLOSE_NOWRITE)

static void cache_case_begin(struct cache_case *c)
{
	snprintf(c->dir, sizeof c->dir, "/tmp/test_symbols.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->elf, sizeof c->elf, "%s/copy", c->dir);
	snprintf(c->cache, sizeof c->cache, "%s/cache", c->dir);
	locate(known_caller(), &c->call);
	copy_file(c->call.path, c->elf);
	snprintf(c->call.path, sizeof c->call.path, "%s", c->elf);
	assert_int_equal(setenv("CENSUS_SYMBOL_CACHE", c->cache, 1), 0);
	c->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(c->watch >= 0);
	assert_true(inotify_add_watch(c->watch, c->elf, WATCHED) >= 0);
}

/* The opens of the copy since the last call. */
static int opens(struct cache_case *c)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int count = 0;
	ssize_t n;
	while ((n = read(c->watch, buf, sizeof buf)) > 0)
		for (char *at = buf; at < buf + n; at += sizeof(struct inotify_event) +
						      ((struct inotify_event *)at)->len)
			count += (((struct inotify_event *)at)->mask & IN_OPEN) != 0;
	assert_true(n < 0 && errno == EAGAIN);
	return count;
}

static void cache_case_end(struct cache_case *c)
{
	close(c->watch);
	assert_int_equal(setenv("CENSUS_SYMBOL_CACHE", ms_test_symbol_cache, 1), 0);
	ms_test_remove_flat_dir(c->cache);
	assert_int_equal(ms_test_remove_flat_dir(c->dir), 0);
}

/* The files in `dir` (0 when it is not there); the path of the last into `one`. */
static int files_in(const char *dir, char *one, size_t n)
{
	DIR *listing = opendir(dir);
	if (listing == NULL)
		return 0;
	int count = 0;
	for (struct dirent *e; (e = readdir(listing));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			count++;
			if (one && (size_t)snprintf(one, n, "%s/", dir) + strlen(e->d_name) < n)
				strcat(one, e->d_name);
		}
	closedir(listing);
	return count;
}

/* One symboliser's answer for the call in the copy. */
static struct census_place look_up_copy(const struct cache_case *c)
{
	census_symbols *s = census_symbols_new();
	assert_non_null(s);
	struct census_place place;
	assert_int_equal(census_symbols_find(s, c->elf, c->call.offset, &place), 0);
	census_symbols_free(s);
	return place;
}

/* The answer looked up in the file itself: known_caller, on one of its lines. */
static void assert_true_answer(const struct census_place *place)
{
	assert_string_equal(place->function, "known_caller");
	assert_string_equal(place->source, "test_symbols.c");
	assert_i64_gt(place->line, known_caller_first);
	assert_i64_lt(place->line, known_caller_last);
}

/* The cache file's text with `from` replaced by `to` (same length), written back. */
static void rewrite_cache(const char *path, const char *from, const char *to)
{
	assert_int_equal(strlen(from), strlen(to));
	char *text = golden_read_file(path);
	assert_non_null(text);
	char *at = strstr(text, from);
	assert_non_null(at);
	memcpy(at, to, strlen(to));
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs(text, out);
	assert_int_equal(fclose(out), 0);
	free(text);
}

/* A look-up with a cache writes one file there, keyed by the ELF file's path, holding the answer. */
static void test_cache_written(void **state)
{
	(void)state;
	struct cache_case c;
	cache_case_begin(&c);
	assert_int_equal(files_in(c.cache, NULL, 0), 0);
	struct census_place place = look_up_copy(&c);
	assert_true_answer(&place);
	char path[256];
	assert_int_equal(files_in(c.cache, path, sizeof path), 1);
	char *text = golden_read_file(path);
	assert_non_null(text);
	char first[512];
	snprintf(first, sizeof first, "%.*s", (int)strcspn(text, "\n"), text);
	assert_true(!strncmp(first, "census-symbols ", strlen("census-symbols ")));
	assert_non_null(strstr(first, c.elf));
	char answer[256];
	snprintf(answer, sizeof answer, "\n%" PRIx64 " %" PRIx64 " %d known_caller test_symbols.c\n",
		 place.offset, place.function_offset, place.line);
	assert_non_null(strstr(text, answer));
	free(text);
	cache_case_end(&c);
}

/*
 * A second symboliser answers from the cache: it opens the ELF file once,
 * for its identity and build ID, where the first opened it for its
 * symbols and lines too; and an answer edited in the cache file is what
 * it gives, so the answer can only have come from there.
 */
static void test_cache_answers(void **state)
{
	(void)state;
	struct cache_case c;
	cache_case_begin(&c);
	struct census_place first = look_up_copy(&c);
	assert_true_answer(&first);
	assert_i64_gt(opens(&c), 1);
	struct census_place second = look_up_copy(&c);
	assert_int_equal(opens(&c), 1);
	assert_memory_equal(&second, &first, sizeof first);

	char path[256];
	assert_int_equal(files_in(c.cache, path, sizeof path), 1);
	rewrite_cache(path, " known_caller ", " from_cache__ ");
	struct census_place third = look_up_copy(&c);
	assert_int_equal(opens(&c), 1);
	assert_string_equal(third.function, "from_cache__");
	assert_i64_equal(third.line, first.line);
	cache_case_end(&c);
}

/*
 * A changed file is looked up again, its cached answers left aside: a new
 * mtime (touched), and a new inode at the same path with the old mtime
 * (a copy put in its place). The cache's answer is edited first, so an
 * answer from the cache would show.
 */
static void test_changed_file_looked_up_again(void **state)
{
	(void)state;
	struct cache_case c;
	cache_case_begin(&c);
	struct census_place first = look_up_copy(&c);
	assert_true_answer(&first);
	char path[256];
	assert_int_equal(files_in(c.cache, path, sizeof path), 1);
	rewrite_cache(path, " known_caller ", " from_cache__ ");
	assert_string_equal(look_up_copy(&c).function, "from_cache__");
	opens(&c);

	struct stat st;
	assert_int_equal(stat(c.elf, &st), 0);
	struct timespec later[2] = { st.st_atim, st.st_mtim };
	later[1].tv_sec += 10;
	assert_int_equal(utimensat(AT_FDCWD, c.elf, later, 0), 0);
	struct census_place touched = look_up_copy(&c);
	assert_true_answer(&touched);
	assert_i64_gt(opens(&c), 1);
	assert_int_equal(files_in(c.cache, NULL, 0), 2);   /* the old key's file, and the new */

	/* the same bytes and mtime, at a new inode: its cache file too is edited first */
	assert_int_equal(files_in(c.cache, NULL, 0), 2);
	DIR *listing = opendir(c.cache);
	assert_non_null(listing);
	for (struct dirent *e; (e = readdir(listing));) {
		if (strlen(c.cache) + strlen(e->d_name) + 2 > sizeof path)
			continue;
		memcpy(path, c.cache, strlen(c.cache));
		path[strlen(c.cache)] = '/';
		strcpy(path + strlen(c.cache) + 1, e->d_name);
		char *text = e->d_name[0] == '.' ? NULL : golden_read_file(path);
		if (text && strstr(text, " known_caller "))
			rewrite_cache(path, " known_caller ", " from_cache__ ");
		free(text);
	}
	closedir(listing);
	assert_string_equal(look_up_copy(&c).function, "from_cache__");
	char fresh[128];
	snprintf(fresh, sizeof fresh, "%s/fresh", c.dir);
	copy_file(c.elf, fresh);
	assert_int_equal(utimensat(AT_FDCWD, fresh, later, 0), 0);
	assert_int_equal(rename(fresh, c.elf), 0);
	close(c.watch);
	c.watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(c.watch >= 0 && inotify_add_watch(c.watch, c.elf, WATCHED) >= 0);
	struct census_place moved = look_up_copy(&c);
	assert_true_answer(&moved);
	assert_i64_gt(opens(&c), 1);
	cache_case_end(&c);
}

/* `name`'s value, to be put back by restore_env (NULL: it was unset). */
static char *saved_env(const char *name)
{
	const char *value = getenv(name);
	return value ? strdup(value) : NULL;
}

static void restore_env(const char *name, char *value)
{
	if (value)
		assert_int_equal(setenv(name, value, 1), 0);
	else
		unsetenv(name);
	free(value);
}

/*
 * CENSUS_SYMBOL_CACHE set and empty: no cache, neither in XDG_CACHE_HOME
 * nor in HOME, which are then tried with it unset, to show a file would
 * land there.
 */
static void test_empty_cache_env_writes_nothing(void **state)
{
	(void)state;
	struct cache_case c;
	cache_case_begin(&c);
	char *home = saved_env("HOME"), *xdg = saved_env("XDG_CACHE_HOME");
	char home_dir[128], xdg_dir[128], under[160];
	snprintf(home_dir, sizeof home_dir, "%s/home", c.dir);
	snprintf(xdg_dir, sizeof xdg_dir, "%s/xdg", c.dir);
	assert_int_equal(mkdir(home_dir, 0700), 0);
	assert_int_equal(mkdir(xdg_dir, 0700), 0);
	assert_int_equal(setenv("HOME", home_dir, 1), 0);
	assert_int_equal(setenv("XDG_CACHE_HOME", xdg_dir, 1), 0);

	assert_int_equal(setenv("CENSUS_SYMBOL_CACHE", "", 1), 0);
	for (int twice = 0; twice < 2; twice++) {
		struct census_place place = look_up_copy(&c);
		assert_true_answer(&place);
		assert_i64_gt(opens(&c), 1);   /* looked up in the file each time */
	}
	assert_int_equal(files_in(home_dir, NULL, 0), 0);
	assert_int_equal(files_in(xdg_dir, NULL, 0), 0);
	assert_int_equal(files_in(c.cache, NULL, 0), 0);

	/* unset, the cache is XDG_CACHE_HOME's, and without that HOME's */
	unsetenv("CENSUS_SYMBOL_CACHE");
	look_up_copy(&c);
	snprintf(under, sizeof under, "%s/census", xdg_dir);
	assert_int_equal(files_in(under, NULL, 0), 1);
	unsetenv("XDG_CACHE_HOME");
	look_up_copy(&c);
	snprintf(under, sizeof under, "%s/.cache/census", home_dir);
	assert_int_equal(files_in(under, NULL, 0), 1);
	ms_test_remove_flat_dir(under);
	snprintf(under, sizeof under, "%s/.cache", home_dir);
	assert_int_equal(rmdir(under), 0);
	assert_int_equal(rmdir(home_dir), 0);
	snprintf(under, sizeof under, "%s/census", xdg_dir);
	ms_test_remove_flat_dir(under);
	assert_int_equal(rmdir(xdg_dir), 0);
	restore_env("HOME", home);
	restore_env("XDG_CACHE_HOME", xdg);
	cache_case_end(&c);
}

/*
 * A cache file that is not whole is not trusted: the ELF file is looked up
 * again, and the answer is its own. Each damage is made to a good file
 * whose answer was edited first, so a trusted one would show.
 */
static void test_corrupt_cache_ignored(void **state)
{
	(void)state;
	struct cache_case c;
	cache_case_begin(&c);
	struct census_place first = look_up_copy(&c);
	assert_true_answer(&first);
	char path[256];
	assert_int_equal(files_in(c.cache, path, sizeof path), 1);
	char *good = golden_read_file(path);
	assert_non_null(good);
	char *edited = strdup(good);
	char *at = strstr(edited, " known_caller ");
	assert_non_null(at);
	memcpy(at, " from_cache__ ", strlen(" from_cache__ "));
	size_t key_end = strcspn(edited, "\n") + 1;
	char *answer_line = edited + key_end;
	size_t answer_len = strcspn(answer_line, "\n");

	/* each damage as bytes written over the whole file */
	char damaged[6][8192];
	size_t lengths[6];
	const char *what[6];
	int n = 0;
	/* binary garbage */
	what[n] = "garbage";
	for (size_t i = 0; i < 512; i++)
		damaged[n][i] = (char)(i * 37 + 11);
	lengths[n++] = 512;
	/* another file's key in the first line */
	what[n] = "another key";
	lengths[n] = (size_t)snprintf(damaged[n], sizeof damaged[n], "census-symbols 2 /bin/other 1 2 3 4.5 debug none\n%s",
				      answer_line);
	n++;
	/* cut in the middle of the answer's source name */
	what[n] = "cut short";
	lengths[n] = key_end + (size_t)(strstr(answer_line, "test_symbols.c") - answer_line) + 4;
	memcpy(damaged[n], edited, lengths[n]);
	n++;
	/* the answer line whole, but what should follow it gone */
	what[n] = "ends after the answer";
	lengths[n] = key_end + answer_len + 1;
	memcpy(damaged[n], edited, lengths[n]);
	n++;
	/* a NUL byte inside the answer line */
	what[n] = "NUL in a line";
	lengths[n] = strlen(edited);
	memcpy(damaged[n], edited, lengths[n]);
	damaged[n++][key_end + answer_len - 3] = '\0';
	/* empty */
	what[n] = "empty";
	lengths[n++] = 0;

	for (int i = 0; i < n; i++) {
		assert_true(lengths[i] <= sizeof damaged[i]);
		FILE *out = fopen(path, "wb");
		assert_non_null(out);
		assert_int_equal(fwrite(damaged[i], 1, lengths[i], out), lengths[i]);
		assert_int_equal(fclose(out), 0);
		opens(&c);
		struct census_place place = look_up_copy(&c);
		if (strcmp(place.function, "known_caller") != 0 ||
		    strcmp(place.source, "test_symbols.c") != 0 || place.line != first.line)
			fail_msg("a cache file %s was trusted: %s (%s:%d)", what[i], place.function,
				 place.source, place.line);
		assert_i64_gt(opens(&c), 1);
	}

	/* the edited file itself, whole, is trusted: the damage is what was refused */
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	fputs(edited, out);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(look_up_copy(&c).function, "from_cache__");
	free(edited);
	free(good);
	cache_case_end(&c);
}

/* ------------------------------------------------------------------ */
/* The text.                                                            */
/* ------------------------------------------------------------------ */

/* A place made by hand: `function` and `line` may be "" and 0. */
static struct census_place place_of(const char *function, uint64_t function_offset,
				    const char *source, int line, const char *object,
				    uint64_t offset)
{
	struct census_place p;
	memset(&p, 0, sizeof p);
	snprintf(p.function, sizeof p.function, "%s", function);
	p.function_offset = function_offset;
	snprintf(p.source, sizeof p.source, "%s", source);
	p.line = line;
	snprintf(p.object, sizeof p.object, "%s", object);
	p.offset = offset;
	return p;
}

/* The three shapes, and a line with no function. */
static void test_format_shapes(void **state)
{
	(void)state;
	struct census_place p = place_of("parse_value", 0x1a, "cJSON.c", 1203, "libcjson.so.1.7.15",
					 0x4a2c);
	assert_formats(&p, 64, "parse_value (cJSON.c:1203)");
	p = place_of("parse_value", 0x1a, "", 0, "libcjson.so.1.7.15", 0x4a2c);
	assert_formats(&p, 64, "parse_value+0x1a (libcjson.so.1.7.15)");
	p = place_of("", 0, "", 0, "ls", 0x4a2c);
	assert_formats(&p, 64, "ls+0x4a2c");
	p = place_of("", 0, "main.c", 7, "a.out", 0x1139);
	assert_formats(&p, 64, "a.out+0x1139 (main.c:7)");
}

/* A long name is cut with "..." so that the rest still shows; failing that, the end is cut. */
static void test_format_cuts(void **state)
{
	(void)state;
	struct census_place p = place_of("a_rather_long_function_name", 0x1a, "cJSON.c", 12, "x.so",
					 0x4a2c);
	/* 40 characters: they fit in 41 bytes */
	assert_formats(&p, 41, "a_rather_long_function_name (cJSON.c:12)");
	assert_formats(&p, 40, "a_rather_long_function_... (cJSON.c:12)");
	assert_formats(&p, 19, "a_... (cJSON.c:12)");
	assert_formats(&p, 18, "a... (cJSON.c:12)");
	/* the rest alone leaves no room for a character of the name: the end is cut */
	assert_formats(&p, 17, "a_rather_long...");
	assert_formats(&p, 5, "a...");
	assert_formats(&p, 4, "...");
	assert_formats(&p, 3, "a_");
	assert_formats(&p, 1, "");

	p = place_of("", 0, "", 0, "libwith_a_long_name.so.1", 0x4a2c);
	assert_formats(&p, 16, "libwi...+0x4a2c");

	/* n == 0 writes nothing */
	char untouched = 'X';
	census_place_format(&p, &untouched, 0);
	assert_int_equal(untouched, 'X');
}

int main(void)
{
	/*
	 * No test may reach a debuginfod server, whatever the environment
	 * names (Debian's libdebuginfod-common names one in login shells);
	 * test_debuginfod_never_asked names one on purpose, where none listens.
	 */
	unsetenv("DEBUGINFOD_URLS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_own_function),
		cmocka_unit_test(test_names_the_byte_before),
		cmocka_unit_test(test_long_function_name_cut),
		cmocka_unit_test(test_names_libc_function),
		cmocka_unit_test(test_names_dynamic_symbol),
		cmocka_unit_test(test_stripped_program_is_object_offset),
		cmocka_unit_test(test_offset_outside_the_file),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_debuginfod_never_asked),
		cmocka_unit_test(test_cache_written),
		cmocka_unit_test(test_cache_answers),
		cmocka_unit_test(test_changed_file_looked_up_again),
		cmocka_unit_test(test_empty_cache_env_writes_nothing),
		cmocka_unit_test(test_corrupt_cache_ignored),
		cmocka_unit_test(test_format_shapes),
		cmocka_unit_test(test_format_cuts),
	};
	/* every symboliser here keeps its cache in a directory of the run's own */
	return cmocka_run_group_tests(tests, ms_test_symbol_cache_setup, ms_test_symbol_cache_teardown);
}
