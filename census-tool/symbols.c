/* symbols.c: names code addresses offline, from the ELF files and their debug info, with elfutils' libdwfl, loaded only when a file's cached answers do not say. */
#define _POSIX_C_SOURCE 200809L
#include "symbols.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/*
 * A function symbol of a file, as its module's address. The file's
 * functions are sorted once, on its first look-up, because
 * dwfl_module_addrinfo reads the whole symbol table on every call: 89% of
 * the time of a look-up in libc with its debug file (about 140 us each);
 * a binary search over the table takes about a microsecond.
 */
struct function {
	Dwarf_Addr address;
	Dwarf_Addr end;         /* past its last byte; a sizeless one's is its section's */
	int sizeless;           /* no size: it runs to the next function or its section's end */
	const char *name;       /* in the file's string table, held by its Dwfl */
	int rank;               /* 0 global, 1 weak, 2 local: which name wins at one address */
};

struct file {
	char *path;
	Dwfl *dwfl;                 /* NULL when the file could not be read */
	Dwfl_Module *module;
	Dwarf_Addr bias;            /* the module's address is a segment's vaddr plus this */
	int error;                  /* errno of the failed read */
	struct segment *segments;
	size_t segment_count;
	struct function *functions;   /* by address, then preference; NULL until first needed */
	size_t function_count;
	int opened;                 /* open_file was tried: the file is read only on a cache miss */
	char *cache_path;           /* its answers kept from run to run; NULL: no cache */
	struct answer *answers;     /* by offset */
	size_t answer_count, answer_capacity;
	int answers_added;          /* the cache file is rewritten as the symboliser ends */
};

/*
 * One look-up's answer, kept in a cache file per ELF file from run to run.
 * Reading a file's debug info is most of a census of a small program: libc's
 * debug file (libc6-dbg) has its DWARF compressed, and libdw inflates all of
 * it, about 200 million instructions (90 ms here), to name one site in
 * strdup; a census of `git log` took 7x the program's time for it. The sites
 * a program allocates from are the same run after run, as file offsets, so
 * a second census names them from the cache without opening the file.
 */
struct answer {
	uint64_t offset;
	uint64_t function_offset;
	int line;
	char function[sizeof ((struct census_place *)0)->function];
	char source[sizeof ((struct census_place *)0)->source];
};

struct census_symbols {
	struct file **files;
	size_t count, capacity;
};

/*
 * Separate debug info is looked for by build ID in /usr/lib/debug
 * (.build-id/xx/yyyy.debug, where Debian's -dbg and -dbgsym packages put
 * it, dwz's shared files included), never through debuginfod.
 * dwfl_standard_find_debuginfo would also search by the file's debuglink
 * name, but when nothing here matched it then loads libdebuginfod (and
 * with it libcurl and a TLS library), and asks a server whenever the
 * environment names one (DEBUGINFOD_URLS, which Debian's
 * libdebuginfod-common sets in login shells): files fetched over the
 * network while a census is read. dwfl_build_id_find_debuginfo is the
 * part of it that stays on this machine.
 */
static Dwfl_Callbacks offline_callbacks;

/*
 * libdw (and libelf behind it) is opened only when a look-up misses the
 * cache: loading it and the four compression libraries it needs was most
 * of the driver's own start (about 360,000 instructions in the dynamic
 * linker, a third of a census of `true`), and a program censused before
 * is named from the cache alone. Each call goes through `dw`, filled by
 * dlsym from the declarations libdw's headers give.
 */
#define LIBDW_SONAME "libdw.so.1"
#define LIBDW_CALLS(X)                                                                      \
	X(dwfl_begin) X(dwfl_end) X(dwfl_report_offline) X(dwfl_report_end)                 \
	X(dwfl_module_getelf) X(dwfl_module_getsymtab) X(dwfl_module_getsym_info)           \
	X(dwfl_module_getsrc) X(dwfl_lineinfo) X(dwfl_build_id_find_elf)                    \
	X(dwfl_build_id_find_debuginfo) X(dwfl_offline_section_address) X(elf_getphdrnum)   \
	X(gelf_getphdr) X(elf_getscn) X(gelf_getshdr)

static struct {
#define LIBDW_FIELD(name) __typeof__(name) *name;
	LIBDW_CALLS(LIBDW_FIELD)
#undef LIBDW_FIELD
} dw;

/* `name` from `lib` into the function pointer at `call`, NULL meeting NULL: 0, or -1 when it is not there. */
static int look_up_call(void *lib, const char *name, void *call, size_t size)
{
	/* POSIX's way from dlsym's void * to a function: the bytes copied, the sizes being one */
	void *found = dlsym(lib, name);
	if (size != sizeof found)
		return -1;
	memcpy(call, &found, sizeof found);
	return found ? 0 : -1;
}

/* libdw's calls into `dw`, on the first call: 0, or -1 (errno ELIBACC) when it cannot be loaded. */
static int load_libdw(void)
{
	static int state;   /* 0 not tried, 1 loaded, -1 failed: tried once */
	if (state == 0) {
		/* libelf's calls too: dlsym looks through libdw's dependencies after libdw */
		void *lib = dlopen(LIBDW_SONAME, RTLD_LAZY | RTLD_LOCAL);
		state = lib ? 1 : -1;
#define LIBDW_LOAD(name) \
		if (state > 0 && look_up_call(lib, #name, &dw.name, sizeof dw.name) != 0) \
			state = -1;
		LIBDW_CALLS(LIBDW_LOAD)
#undef LIBDW_LOAD
		offline_callbacks = (Dwfl_Callbacks){
			/*
			 * find_elf is asked only for a module reported without its
			 * file; every module here is reported by path, so it is
			 * never called.
			 */
			.find_elf = dw.dwfl_build_id_find_elf,
			.find_debuginfo = dw.dwfl_build_id_find_debuginfo,
			.section_address = dw.dwfl_offline_section_address,
		};
	}
	if (state < 0)
		errno = ELIBACC;
	return state > 0 ? 0 : -1;
}

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

/* ------------------------------------------------------------------ */
/* The answers' cache: a file per ELF file, under the cache directory  */
/* ------------------------------------------------------------------ */

/* $CENSUS_SYMBOL_CACHE names the directory; set but empty, no cache is kept. */
#define CACHE_ENV "CENSUS_SYMBOL_CACHE"
#define CACHE_FORMAT "census-symbols 1"

/* The cache directory into `buf`: 0, or -1 when there is none. */
static int cache_dir(char *buf, size_t n)
{
	const char *env = getenv(CACHE_ENV);
	int len = -1;
	if (env)
		len = *env ? snprintf(buf, n, "%s", env) : -1;
	else if ((env = getenv("XDG_CACHE_HOME")) && *env)
		len = snprintf(buf, n, "%s/census", env);
	else if ((env = getenv("HOME")) && *env)
		len = snprintf(buf, n, "%s/.cache/census", env);
	return len > 0 && (size_t)len < n ? 0 : -1;
}

/*
 * The GNU build ID of the ELF file open as `fd`, its first `cap` bytes
 * into `id`: its length, or 0 for none. Read from the program headers'
 * notes by hand, so a cache hit needs no libelf: every file a census
 * names was mapped to run, so it has program headers, and is of this
 * machine's class and byte order (anything else is "none", which only
 * leaves a debug file out of the key).
 */
static size_t build_id_of(int fd, unsigned char *id, size_t cap)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		unsigned char notes[4096];
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != (ssize_t)sizeof ph)
			return 0;
		if (ph.p_type != PT_NOTE || ph.p_filesz > sizeof notes ||
		    pread(fd, notes, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			continue;
		/* a note's name and description are each padded to the segment's alignment, 4 or 8 */
		size_t align = ph.p_align == 8 ? 8 : 4, at = 0;
		while (at + sizeof(Elf64_Nhdr) <= ph.p_filesz) {
			Elf64_Nhdr nh;
			memcpy(&nh, notes + at, sizeof nh);
			size_t name_at = at + sizeof nh;
			size_t desc_at = name_at + (nh.n_namesz + align - 1) / align * align;
			size_t next = desc_at + (nh.n_descsz + align - 1) / align * align;
			if (nh.n_namesz > ph.p_filesz || nh.n_descsz > ph.p_filesz || desc_at + nh.n_descsz > ph.p_filesz)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == sizeof ELF_NOTE_GNU &&
			    memcmp(notes + name_at, ELF_NOTE_GNU, sizeof ELF_NOTE_GNU) == 0) {
				size_t len = nh.n_descsz < cap ? nh.n_descsz : cap;
				memcpy(id, notes + desc_at, len);
				return len;
			}
			at = next;
		}
	}
	return 0;
}

/*
 * What the answers for `path` depend on, as one line: the file's identity
 * and time (a rebuilt file is a new key), and the same of the separate
 * debug file its build ID names, or "none" (installing libc6-dbg after a
 * census must bring the lines in). 0, or -1: no key, no cache.
 */
static int cache_key(const char *path, char *key, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	char debug[128] = "none";
	unsigned char id[64];
	size_t id_len = build_id_of(fd, id, sizeof id);
	if (id_len > 1) {
		char where[sizeof "/usr/lib/debug/.build-id//.debug" + 2 * sizeof id];
		int at = snprintf(where, sizeof where, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (size_t i = 1; i < id_len; i++)
			at += snprintf(where + at, sizeof where - (size_t)at, "%02x", id[i]);
		snprintf(where + at, sizeof where - (size_t)at, ".debug");
		struct stat d;
		if (stat(where, &d) == 0)
			snprintf(debug, sizeof debug, "%ju %jd %jd.%09ld", (uintmax_t)d.st_ino,
				 (intmax_t)d.st_size, (intmax_t)d.st_mtim.tv_sec, d.st_mtim.tv_nsec);
	}
	close(fd);
	int len = snprintf(key, n, "%s %ju %ju %jd %jd.%09ld debug %s", path, (uintmax_t)st.st_dev,
			   (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
			   st.st_mtim.tv_nsec, debug);
	return len > 0 && (size_t)len < n && !strchr(key, '\n') ? 0 : -1;
}

/* The answer for `offset` among f's, or NULL. */
static const struct answer *answer_of(const struct file *f, uint64_t offset)
{
	size_t low = 0, high = f->answer_count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (f->answers[mid].offset == offset)
			return &f->answers[mid];
		if (f->answers[mid].offset < offset)
			low = mid + 1;
		else
			high = mid;
	}
	return NULL;
}

/* `a` among f's answers, in offset order; one already there is left as it is. */
static void add_answer(struct file *f, const struct answer *a)
{
	size_t at = 0, high = f->answer_count;
	while (at < high) {
		size_t mid = at + (high - at) / 2;
		if (f->answers[mid].offset == a->offset)
			return;
		if (f->answers[mid].offset < a->offset)
			at = mid + 1;
		else
			high = mid;
	}
	if (f->answer_count == f->answer_capacity) {
		size_t capacity = f->answer_capacity ? 2 * f->answer_capacity : 64;
		struct answer *grown = realloc(f->answers, capacity * sizeof *grown);
		if (grown == NULL)
			return;   /* the answer is only not kept */
		f->answers = grown;
		f->answer_capacity = capacity;
	}
	memmove(&f->answers[at + 1], &f->answers[at], (f->answer_count - at) * sizeof *f->answers);
	f->answers[at] = *a;
	f->answer_count++;
}

/* A name as the cache keeps it: "-" for none; a name with a space in it, or "-" itself, is not kept. */
static int cacheable(const char *name)
{
	return strcmp(name, "-") != 0 && strpbrk(name, " \t\n\r\v\f") == NULL;
}

/* Keep what a look-up found, to be written as the symboliser ends. */
static void remember(struct file *f, const struct census_place *place)
{
	if (f->cache_path == NULL || !cacheable(place->function) || !cacheable(place->source))
		return;
	struct answer a = { .offset = place->offset, .function_offset = place->function_offset,
			    .line = place->line };
	memcpy(a.function, place->function, sizeof a.function);
	memcpy(a.source, place->source, sizeof a.source);
	add_answer(f, &a);
	f->answers_added = 1;
}

/* FNV-1a: the cache file's name from its key (the key itself is its first line, and checked). */
static uint64_t hash_of(const char *text)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		h = (h ^ *c) * UINT64_C(0x100000001b3);
	return h;
}

/* Find f's cache file and read the answers in it, if it has any for this very file. */
static void cache_load(struct file *f)
{
	char dir[2048], key[4096 + 256];
	if (cache_dir(dir, sizeof dir) != 0 || cache_key(f->path, key, sizeof key) != 0)
		return;
	size_t len = strlen(dir) + 32;
	f->cache_path = malloc(len);
	if (f->cache_path == NULL)
		return;
	snprintf(f->cache_path, len, "%s/%016" PRIx64 ".symbols", dir, hash_of(key));
	FILE *in = fopen(f->cache_path, "re");
	if (in == NULL)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && strncmp(line, CACHE_FORMAT " ", sizeof CACHE_FORMAT) == 0 &&
	    strcmp(line + sizeof CACHE_FORMAT, key) == 0) {
		while (getline(&line, &cap, in) > 0) {
			struct answer a = { 0 };
			if (sscanf(line, "%" SCNx64 " %" SCNx64 " %d %127s %127s", &a.offset,
				   &a.function_offset, &a.line, a.function, a.source) != 5)
				continue;
			if (strcmp(a.function, "-") == 0)
				a.function[0] = '\0';
			if (strcmp(a.source, "-") == 0)
				a.source[0] = '\0';
			add_answer(f, &a);
		}
	}
	free(line);
	fclose(in);
	f->answers_added = 0;
}

/* `path`'s parent directories, then itself, made where missing. */
static void make_dirs(char *path)
{
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	mkdir(path, 0700);
}

/*
 * Write f's answers if it found new ones: to a file of this process's
 * first, renamed over the cache file, so a census reading it meanwhile
 * sees the old answers or the new, never half of them. A cache that
 * cannot be written is only not kept.
 */
static void cache_save(const struct file *f)
{
	char dir[2048], key[4096 + 256];
	if (f->cache_path == NULL || !f->answers_added || cache_dir(dir, sizeof dir) != 0 ||
	    cache_key(f->path, key, sizeof key) != 0)
		return;
	make_dirs(dir);
	char temporary[2048 + 64];
	snprintf(temporary, sizeof temporary, "%s.%ld.tmp", f->cache_path, (long)getpid());
	FILE *out = fopen(temporary, "we");
	if (out == NULL)
		return;
	fprintf(out, "%s %s\n", CACHE_FORMAT, key);
	for (size_t i = 0; i < f->answer_count; i++) {
		const struct answer *a = &f->answers[i];
		fprintf(out, "%" PRIx64 " %" PRIx64 " %d %s %s\n", a->offset, a->function_offset,
			a->line, a->function[0] ? a->function : "-", a->source[0] ? a->source : "-");
	}
	if (fclose(out) != 0 || rename(temporary, f->cache_path) != 0)
		unlink(temporary);
}

/* The file's PT_LOAD segments into f->segments: 0, or -1 with errno set. */
static int read_segments(struct file *f, Elf *elf)
{
	size_t count;
	if (dw.elf_getphdrnum(elf, &count) != 0) {
		errno = ENOEXEC;
		return -1;
	}
	f->segments = calloc(count ? count : 1, sizeof *f->segments);
	if (f->segments == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		GElf_Phdr phdr;
		if (dw.gelf_getphdr(elf, (int)i, &phdr) == NULL || phdr.p_type != PT_LOAD)
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
	if (load_libdw() != 0)
		return -1;
	f->dwfl = dw.dwfl_begin(&offline_callbacks);
	if (f->dwfl == NULL) {
		errno = ENOMEM;
		return -1;
	}
	f->module = dw.dwfl_report_offline(f->dwfl, f->path, f->path, -1);
	Elf *elf = NULL;
	if (f->module == NULL || dw.dwfl_report_end(f->dwfl, NULL, NULL) != 0 ||
	    (elf = dw.dwfl_module_getelf(f->module, &f->bias)) == NULL) {
		dw.dwfl_end(f->dwfl);
		f->dwfl = NULL;
		errno = ENOEXEC;
		return -1;
	}
	if (read_segments(f, elf) != 0) {
		dw.dwfl_end(f->dwfl);
		f->dwfl = NULL;
		return -1;
	}
	return 0;
}

/*
 * The file at `path`, with its cached answers; it is opened on the first
 * look-up the cache cannot answer (look_up), and a file that could not be
 * read is kept too, with its errno, so it is tried once. NULL, errno set,
 * only when memory for it ran out.
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
	cache_load(f);
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

static int function_order(const void *a, const void *b)
{
	const struct function *x = a, *y = b;
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	/* a symbol with a size says more than one without */
	return x->sizeless - y->sizeless;
}

/* The file's function symbols into f->functions, sorted: 0, or -1 when memory ran out. */
static int read_functions(struct file *f)
{
	int count = dw.dwfl_module_getsymtab(f->module);
	f->functions = calloc(count > 0 ? (size_t)count : 1, sizeof *f->functions);
	if (f->functions == NULL)
		return -1;
	for (int i = 1; i < count; i++) {
		GElf_Sym sym;
		GElf_Addr address;
		GElf_Word shndx;
		Elf *elf;
		Dwarf_Addr bias;
		const char *name =
			dw.dwfl_module_getsym_info(f->module, i, &sym, &address, &shndx, &elf, &bias);
		if (name == NULL)
			continue;
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		if (name[0] == '\0' || shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		struct function fn = {
			.address = address,
			.end = address + sym.st_size,
			.name = name,
			.rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2,
		};
		if (sym.st_size == 0) {
			/* _init and hand-written assembly: no further than their section (.init, not .plt) */
			GElf_Shdr shdr;
			Elf_Scn *scn = dw.elf_getscn(elf, shndx);
			if (scn == NULL || dw.gelf_getshdr(scn, &shdr) == NULL)
				continue;
			fn.sizeless = 1;
			fn.end = shdr.sh_addr + shdr.sh_size + bias;
		}
		f->functions[f->function_count++] = fn;
	}
	qsort(f->functions, f->function_count, sizeof *f->functions, function_order);
	return 0;
}

/*
 * The function covering `address`: the one starting last at or below it
 * whose size reaches it, or a sizeless one with no function starting
 * between them. A few starts are looked back over, for a function that
 * holds another's symbol inside it.
 */
static const struct function *function_at(const struct file *f, Dwarf_Addr address)
{
	size_t low = 0, high = f->function_count;
	while (low < high) {        /* the first function starting above `address` */
		size_t mid = low + (high - low) / 2;
		if (f->functions[mid].address <= address)
			low = mid + 1;
		else
			high = mid;
	}
	Dwarf_Addr next = low < f->function_count ? f->functions[low].address : (Dwarf_Addr)-1;
	for (size_t back = 0; back < 8 && low > 0; back++) {
		/* the first of the functions sharing a start is the preferred name */
		size_t i = low - 1;
		while (i > 0 && f->functions[i - 1].address == f->functions[i].address)
			i--;
		const struct function *fn = &f->functions[i];
		if (address < fn->end && (!fn->sizeless || (back == 0 && address < next)))
			return fn;
		low = i;
	}
	return NULL;
}

/* Name `file_offset` in `f` from the file itself, `place` holding its object and offset already. */
static int look_up(struct file *f, uint64_t file_offset, struct census_place *place)
{
	if (!f->opened) {
		f->opened = 1;
		if (open_file(f) != 0)
			f->error = errno;
	}
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

	if (f->functions == NULL && read_functions(f) != 0)
		return -1;
	const struct function *fn = function_at(f, address);
	if (fn != NULL) {
		copy_cut(place->function, sizeof place->function, fn->name);
		place->function_offset = address - fn->address + 1;
	}
	Dwfl_Line *line = dw.dwfl_module_getsrc(f->module, address);
	int number = 0;
	const char *source = line ? dw.dwfl_lineinfo(line, NULL, &number, NULL, NULL, NULL) : NULL;
	if (source != NULL && number > 0) {
		copy_cut(place->source, sizeof place->source, base_name(source));
		place->line = number;
	}
	return 0;
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
	const struct answer *known = answer_of(f, file_offset);
	if (known != NULL) {
		memcpy(place->function, known->function, sizeof place->function);
		place->function_offset = known->function_offset;
		memcpy(place->source, known->source, sizeof place->source);
		place->line = known->line;
		return 0;
	}
	if (look_up(f, file_offset, place) != 0)
		return -1;
	remember(f, place);
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
		cache_save(f);
		if (f->dwfl)
			dw.dwfl_end(f->dwfl);
		free(f->segments);
		free(f->functions);
		free(f->answers);
		free(f->cache_path);
		free(f->path);
		free(f);
	}
	free(s->files);
	free(s);
}
