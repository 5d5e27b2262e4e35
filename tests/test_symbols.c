/* test_symbols.c: the census symboliser names this test's own code by function and line, a library's by its symbol, and a stripped program's or an unreadable file's by object and offset, never asking debuginfod. */
#define _GNU_SOURCE
#include "test_util.h"

#include "symbols.h"

#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
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
		cmocka_unit_test(test_format_shapes),
		cmocka_unit_test(test_format_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
