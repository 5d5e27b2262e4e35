/* symbols.c: names code addresses offline, from the ELF files and their debug info, with elfutils' libdwfl. */
#define _POSIX_C_SOURCE 200809L
#include "symbols.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Each file gets a Dwfl of its own, reported offline once and kept. One
 * Dwfl for all of them would lay the files out side by side in one
 * address space, which nothing here needs: every look-up names its file,
 * so its module is found by path, never by address, and a file that
 * fails to open or parse leaves the others alone.
 */

/* A PT_LOAD segment: the file bytes [offset, offset + size) load at vaddr. */
struct segment {
	uint64_t offset, size, vaddr;
	int executable;
};

struct file {
	char *path;
	Dwfl *dwfl;                 /* NULL when the file could not be read */
	Dwfl_Module *module;
	Dwarf_Addr bias;            /* the module's address is a segment's vaddr plus this */
	int error;                  /* errno of the failed read */
	struct segment *segments;
	size_t segment_count;
};

struct census_symbols {
	struct file **files;
	size_t count, capacity;
};

/*
 * libdwfl's own search for separate debug info, but never debuginfod.
 * dwfl_standard_find_debuginfo asks a debuginfod server when the
 * environment names one (DEBUGINFOD_URLS) and nothing on this machine
 * matched, which would fetch files over the network while a census is
 * read. Without a server named it asks none, so it is used as it is;
 * with one, only the build-id directory (/usr/lib/debug/.build-id, where
 * Debian's -dbg and -dbgsym packages install) is searched, which
 * dwfl_build_id_find_debuginfo does without debuginfod.
 */
static int find_debuginfo_here(Dwfl_Module *module, void **userdata, const char *name,
			       Dwarf_Addr base, const char *file_name, const char *debuglink,
			       GElf_Word crc, char **debuginfo_name)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	if (urls == NULL || urls[0] == '\0')
		return dwfl_standard_find_debuginfo(module, userdata, name, base, file_name,
						    debuglink, crc, debuginfo_name);
	return dwfl_build_id_find_debuginfo(module, userdata, name, base, file_name, debuglink,
					    crc, debuginfo_name);
}

/*
 * find_elf is asked only for a module reported without its file; every
 * module here is reported with a descriptor already open, so it is never
 * called, and would not reach debuginfod if it were (it finds a file by
 * build ID for a module that has one, which an offline one does not).
 */
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo_here,
	.section_address = dwfl_offline_section_address,
};

census_symbols *census_symbols_new(void)
{
	return calloc(1, sizeof(census_symbols));
}

/* `path` after its last '/'. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* `text` into `dst` of size `cap` (at least 4), ended with "..." if it does not fit. */
static void copy_cut(char *dst, size_t cap, const char *text)
{
	size_t len = strlen(text);
	if (len < cap) {
		memcpy(dst, text, len + 1);
		return;
	}
	memcpy(dst, text, cap - 4);
	memcpy(dst + cap - 4, "...", 4);
}

/* The file's PT_LOAD segments into f->segments: 0, or -1 with errno set. */
static int read_segments(struct file *f, Elf *elf)
{
	size_t count;
	if (elf_getphdrnum(elf, &count) != 0) {
		errno = ENOEXEC;
		return -1;
	}
	f->segments = calloc(count ? count : 1, sizeof *f->segments);
	if (f->segments == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) == NULL || phdr.p_type != PT_LOAD)
			continue;
		f->segments[f->segment_count++] = (struct segment){
			.offset = phdr.p_offset,
			.size = phdr.p_filesz,
			.vaddr = phdr.p_vaddr,
			.executable = (phdr.p_flags & PF_X) != 0,
		};
	}
	return 0;
}

/* Open `f->path` as a Dwfl module: 0, or -1 with errno set (f->dwfl is then NULL). */
static int open_file(struct file *f)
{
	/*
	 * Opened here first only for the reason it cannot be, which libdwfl
	 * keeps to itself; libdwfl then opens it again, so that the
	 * descriptor is never shared between our cleanup and its own.
	 */
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	f->dwfl = dwfl_begin(&offline_callbacks);
	if (f->dwfl == NULL) {
		errno = ENOMEM;
		return -1;
	}
	f->module = dwfl_report_offline(f->dwfl, f->path, f->path, -1);
	Elf *elf = NULL;
	if (f->module == NULL || dwfl_report_end(f->dwfl, NULL, NULL) != 0 ||
	    (elf = dwfl_module_getelf(f->module, &f->bias)) == NULL) {
		dwfl_end(f->dwfl);
		f->dwfl = NULL;
		errno = ENOEXEC;
		return -1;
	}
	if (read_segments(f, elf) != 0) {
		dwfl_end(f->dwfl);
		f->dwfl = NULL;
		return -1;
	}
	return 0;
}

/*
 * The file at `path`, opened on its first look-up; a file that could not
 * be read is kept too, with its errno, so it is tried once. NULL, errno
 * set, only when memory for it ran out.
 */
static struct file *file_of(census_symbols *s, const char *path)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->files[i]->path, path) == 0)
			return s->files[i];
	if (s->count == s->capacity) {
		size_t capacity = s->capacity ? 2 * s->capacity : 16;
		struct file **files = realloc(s->files, capacity * sizeof *files);
		if (files == NULL)
			return NULL;
		s->files = files;
		s->capacity = capacity;
	}
	struct file *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->path = strdup(path);
	if (f->path == NULL) {
		free(f);
		return NULL;
	}
	if (open_file(f) != 0)
		f->error = errno;
	s->files[s->count++] = f;
	return f;
}

/*
 * The segment holding file offset `offset`: an executable one first,
 * since a file page can be both the end of one segment and the start of
 * the next in files linked without separate code pages.
 */
static const struct segment *segment_of(const struct file *f, uint64_t offset)
{
	const struct segment *found = NULL;
	for (size_t i = 0; i < f->segment_count; i++) {
		const struct segment *seg = &f->segments[i];
		if (offset < seg->offset || offset - seg->offset >= seg->size)
			continue;
		if (seg->executable)
			return seg;
		if (found == NULL)
			found = seg;
	}
	return found;
}

int census_symbols_find(census_symbols *s, const char *path, uint64_t file_offset,
			struct census_place *place)
{
	memset(place, 0, sizeof *place);
	copy_cut(place->object, sizeof place->object, base_name(path));
	place->offset = file_offset;
	struct file *f = file_of(s, path);
	if (f == NULL)
		return -1;
	if (f->dwfl == NULL) {
		errno = f->error;
		return -1;
	}
	/*
	 * A return address is the byte after its call, which may be the first
	 * byte of the next line or, after a call that never returns, of the
	 * next function: the byte before it is in the call itself, so that is
	 * what is named, and the offset reported is the one given.
	 */
	if (file_offset == 0)
		return 0;
	const struct segment *seg = segment_of(f, file_offset - 1);
	if (seg == NULL)
		return 0;
	Dwarf_Addr address = file_offset - 1 - seg->offset + seg->vaddr + f->bias;

	GElf_Off into;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(f->module, address, &into, &sym, NULL, NULL, NULL);
	if (name != NULL && name[0] != '\0') {
		copy_cut(place->function, sizeof place->function, name);
		place->function_offset = into + 1;
	}
	Dwfl_Line *line = dwfl_module_getsrc(f->module, address);
	int number = 0;
	const char *source = line ? dwfl_lineinfo(line, NULL, &number, NULL, NULL, NULL) : NULL;
	if (source != NULL && number > 0) {
		copy_cut(place->source, sizeof place->source, base_name(source));
		place->line = number;
	}
	return 0;
}

void census_place_format(const struct census_place *place, char *buf, size_t n)
{
	if (n == 0)
		return;
	/* The text is a name then the rest: the name is what gets cut first. */
	const char *name = place->function[0] ? place->function : place->object;
	char where[160] = "";
	if (place->line > 0)
		snprintf(where, sizeof where, " (%s:%d)", place->source, place->line);
	char rest[sizeof where + sizeof place->object + 32];
	if (place->function[0] && place->line > 0)
		snprintf(rest, sizeof rest, "%s", where);
	else if (place->function[0])
		snprintf(rest, sizeof rest, "+0x%" PRIx64 " (%s)", place->function_offset,
			 place->object);
	else
		snprintf(rest, sizeof rest, "+0x%" PRIx64 "%s", place->offset, where);

	size_t name_len = strlen(name), rest_len = strlen(rest);
	if (name_len + rest_len < n) {
		snprintf(buf, n, "%s%s", name, rest);
		return;
	}
	/* Cut the name, keeping at least its first character before "...". */
	if (rest_len + 4 < n) {
		int keep = (int)(n - 1 - rest_len - 3);
		snprintf(buf, n, "%.*s...%s", keep, name, rest);
		return;
	}
	/* Not even that fits: the text's start, then "..." where there is room. */
	char whole[sizeof place->function + sizeof rest];
	snprintf(whole, sizeof whole, "%s%s", name, rest);
	size_t keep = n > 3 ? n - 4 : n - 1;
	memcpy(buf, whole, keep);
	buf[keep] = '\0';
	if (n > 3)
		strcat(buf, "...");
}

void census_symbols_free(census_symbols *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->count; i++) {
		struct file *f = s->files[i];
		if (f->dwfl)
			dwfl_end(f->dwfl);
		free(f->segments);
		free(f->path);
		free(f);
	}
	free(s->files);
	free(s);
}
