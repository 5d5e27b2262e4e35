/* test_misuse.c: every kind of bad call is reported once, naming its site, and changes no count. */
#define _GNU_SOURCE
#include "test_util.h"

#include "block.h"   /* struct ms_compact_header, MS_COMPACT_MARK */

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

struct tm_pair {
	long a, b, c;
};
static MS_TYPE_LEAF(tm_pair_type, struct tm_pair);

/*
 * Names of 1000 characters, each one letter (tm_long_names fills them):
 * the types A, B and C, A's field pointing at a B, and a file.
 */
enum { TM_LONG = 1000 };
static char tm_long_a[TM_LONG + 1], tm_long_b[TM_LONG + 1], tm_long_c[TM_LONG + 1];
static char tm_long_field[TM_LONG + 1], tm_long_file[TM_LONG + 1];
struct tm_ref {
	struct tm_pair *to;
};
static ms_type tm_long_b_type = { tm_long_b, sizeof(struct tm_pair), NULL, 0, 0 };
static ms_type tm_long_c_type = { tm_long_c, sizeof(struct tm_pair), NULL, 0, 0 };
static const ms_field tm_long_fields[] = {
	{ tm_long_field, MS_FIELD_PTR, offsetof(struct tm_ref, to), 0, &tm_long_b_type },
};
static ms_type tm_long_a_type = { tm_long_a, sizeof(struct tm_ref), tm_long_fields, 1, 0 };

static void tm_long_names(void)
{
	char *const names[] = { tm_long_a, tm_long_b, tm_long_c, tm_long_field, tm_long_file };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		memset(names[i], "ABCfx"[i], TM_LONG);
		names[i][TM_LONG] = '\0';
	}
}

/* `name` as a message shows one of 1000 characters: its first 61 and "...". */
static const char *tm_cut(const char *name, char shown[65])
{
	snprintf(shown, 65, "%.61s...", name);
	return shown;
}

/*
 * Run `child` in a forked process, its argument the write end of a pipe;
 * return what it wrote there (NUL-terminated, in `text` of `size` bytes)
 * and its wait status. `child` ends the process itself.
 */
static int run_in_child(void (*child)(int fd), char *text, size_t size)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
		_exit(0);   /* not reached: the child exits or aborts itself */
	}
	close(fds[1]);
	size_t total = 0;
	ssize_t got;
	while ((got = read(fds[0], text + total, size - 1 - total)) > 0)
		total += (size_t)got;
	text[total] = '\0';
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* ------------------------------------------------------------------ */

/* Freeing what memstats never handed out: a stack variable, a raw malloc block. */
static void test_free_foreign_pointer(void **state)
{
	(void)state;
	struct ms_probe pr;
	_Alignas(16) char stack_bytes[64] = { 0 };
	int stack_int = 0;
	void *live = ms_alloc(&tm_pair_type, 2);   /* something live, so the map is not empty */
	assert_non_null(live);
	char *raw = malloc(48);
	assert_non_null(raw);

	void *const foreign[] = { &stack_int, stack_bytes, raw };
	for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
		ms_probe(&pr, ms_free(foreign[i]));
		assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_free");
	}

	/* the ignored calls left everything usable */
	raw[47] = 1;
	free(raw);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(live, &info), 0);
	ms_free(live);
}

/* A second free of a block this thread freed lately is named a double free, with the first free's site. */
static void test_double_free(void **state)
{
	(void)state;
	struct ms_probe pr;
	void *keep = ms_alloc_bytes(64, "tm keep");
	void *p = ms_alloc(&tm_pair_type, 1);
	assert_non_null(keep);
	assert_non_null(p);
	ms_free(p); const int first = __LINE__;
	char first_site[64];
	snprintf(first_site, sizeof first_site, "test_misuse.c:%d", first);

	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_DOUBLE_FREE, "ms_free");
	assert_non_null(strstr(pr.cap.message, first_site));

	void *q;
	ms_probe(&pr, q = ms_realloc(p, 3));
	assert_probe_refused(&pr, q, MS_MISUSE_DOUBLE_FREE, "ms_realloc", EINVAL);

	assert_i64_equal(ms_live_blocks(), 1);
	ms_free(keep);
}

/*
 * A free long ago (more frees since than a thread remembers, 64) is still
 * refused, as a pointer that is not live.
 */
static void test_double_free_long_after(void **state)
{
	(void)state;
	struct ms_probe pr;
	enum { OTHERS = 100 };
	void *others[OTHERS];
	for (int i = 0; i < OTHERS; i++) {
		others[i] = ms_alloc_bytes(32, "tm others");
		assert_non_null(others[i]);
	}
	void *p = ms_alloc(&tm_pair_type, 1);   /* made last, so no later block takes its address */
	assert_non_null(p);
	ms_free(p);
	for (int i = 0; i < OTHERS; i++)
		ms_free(others[i]);

	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_NOT_LIVE, "ms_free");
}

/* A pointer into a live block is an interior pointer: reported, ignored, the block stays live. */
static void test_interior_pointer(void **state)
{
	(void)state;
	struct ms_probe pr;
	char *p = ms_alloc_bytes(200, "tm interior");
	assert_non_null(p);
	static const size_t offsets[] = { 1, 8, 16, 32, 199 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		ms_probe(&pr, ms_free(p + offsets[i]));
		assert_probe(&pr, MS_MISUSE_INTERIOR, "ms_free");
	}
	void *q;
	ms_probe(&pr, q = ms_realloc(p + 48, 10));
	assert_probe_refused(&pr, q, MS_MISUSE_INTERIOR, "ms_realloc", EINVAL);

	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_int_equal(info.count, 200);
	ms_free(p);
}

/* Report the call `call` (a statement), and hold its message to `want`. */
#define tm_message_is(call, want)                           \
	do {                                                \
		struct ms_capture cap_;                     \
		ms_capture_start(&cap_);                    \
		call;                                       \
		ms_set_misuse_handler(NULL, NULL);          \
		assert_int_equal(cap_.count, 1);            \
		assert_string_equal(cap_.message, (want));  \
	} while (0)

/*
 * Long names, in the message's site or its detail, are cut to 64
 * characters ending in "..."; the reason after them is kept whole, even
 * with five of them in one message.
 */
static void test_long_names_cut_not_the_reason(void **state)
{
	(void)state;
	tm_long_names();
	char a[65], b[65], c[65], field[65], file[65], want[2048];
	tm_cut(tm_long_a, a);
	tm_cut(tm_long_b, b);
	tm_cut(tm_long_c, c);
	tm_cut(tm_long_field, field);
	tm_cut(tm_long_file, file);
	struct tm_ref *r = ms_calloc(&tm_long_a_type, 1);
	assert_non_null(r);
	void *p;

	snprintf(want, sizeof want, "memstats: %s:3: ms_alloc_bytes: cannot register tag '%s': "
		 "it is the name of a described type", file, a);
	tm_message_is(p = ms_alloc_bytes_at(8, tm_long_a, tm_long_file, 3), want);
	assert_null(p);

	r->to = ms_alloc_at(&tm_long_c_type, 1, tm_long_file, 4);
	assert_non_null(r->to);
	snprintf(want, sizeof want, "memstats: %s:5: ms_sizeof_deep: field '%s' of '%s' is "
		 "described as '%s' but points at a block of '%s'; not counted", file, field, a, b, c);
	tm_message_is(ms_sizeof_deep_at(r, MS_REQUESTED, NULL, tm_long_file, 5), want);

	snprintf(want, sizeof want, "memstats: %s:6: ms_free: pointer is 8 bytes into a live block "
		 "of '%s' (%zu bytes) allocated at %s:4", file, c, sizeof(struct tm_pair), file);
	tm_message_is(ms_free_at((char *)r->to + 8, tm_long_file, 6), want);

	ms_free_at(r->to, tm_long_file, 7);
	snprintf(want, sizeof want, "memstats: %s:8: ms_free: double free: this block of '%s' was "
		 "already freed at %s:7", file, c, file);
	tm_message_is(ms_free_at(r->to, tm_long_file, 8), want);

	/* 64 characters are shown whole */
	tm_long_file[64] = '\0';
	snprintf(want, sizeof want, "memstats: %s:9: ms_free: pointer is not a live memstats block "
		 "(never allocated by memstats, or already freed)", tm_long_file);
	tm_message_is(ms_free_at(&p, tm_long_file, 9), want);
	ms_free(r);
}

/* Names with control bytes show escaped in a message, as they print in tables. */
static void test_names_escaped_in_messages(void **state)
{
	(void)state;
	static ms_type odd = { "tm\todd\x1b", 8, NULL, 0, 0 };
	void *o = ms_alloc(&odd, 1);
	assert_non_null(o);
	void *p;
	tm_message_is(p = ms_alloc_bytes_at(8, "tm\todd\x1b", "dir\nfile\xff.c", 10),
		      "memstats: dir\\nfile\\xff.c:10: ms_alloc_bytes: cannot register tag "
		      "'tm\\todd\\x1b': it is the name of a described type");
	assert_null(p);
	ms_free(o);
}

/* ms_realloc(NULL, n) has no type to use: NULL argument, EINVAL. */
static void test_realloc_null(void **state)
{
	(void)state;
	struct ms_probe pr;
	void *p;
	ms_probe(&pr, p = ms_realloc(NULL, 4));
	assert_probe_refused(&pr, p, MS_MISUSE_NULL, "ms_realloc", EINVAL);
}

/* ms_realloc of a pointer memstats did not hand out: reported, EINVAL, the memory untouched. */
static void test_realloc_foreign(void **state)
{
	(void)state;
	struct ms_probe pr;
	char *raw = malloc(32);
	assert_non_null(raw);
	memcpy(raw, "still mine", 11);
	void *p;
	ms_probe(&pr, p = ms_realloc(raw, 100));
	assert_probe_refused(&pr, p, MS_MISUSE_NOT_LIVE, "ms_realloc", EINVAL);
	assert_string_equal(raw, "still mine");
	free(raw);
}

/* count * size overflowing size_t: NULL, errno ENOMEM, for alloc, calloc and realloc alike. */
static void test_count_size_overflow(void **state)
{
	(void)state;
	struct ms_probe pr;
	const size_t too_many = SIZE_MAX / sizeof(struct tm_pair) + 2;
	void *p;

	ms_probe(&pr, p = ms_alloc(&tm_pair_type, too_many));
	assert_probe_refused(&pr, p, MS_MISUSE_OVERFLOW, "ms_alloc", ENOMEM);

	ms_probe(&pr, p = ms_calloc(&tm_pair_type, SIZE_MAX / 2));
	assert_probe_refused(&pr, p, MS_MISUSE_OVERFLOW, "ms_calloc", ENOMEM);

	/* realloc: the failed call leaves the old block as it was */
	struct tm_pair *b = ms_alloc(&tm_pair_type, 2);
	assert_non_null(b);
	b[1].c = 42;
	struct ms_block_info i0, i1;
	assert_int_equal(ms_block_info(b, &i0), 0);
	ms_probe(&pr, p = ms_realloc(b, too_many));
	assert_probe_refused(&pr, p, MS_MISUSE_OVERFLOW, "ms_realloc", ENOMEM);
	assert_int_equal(ms_block_info(b, &i1), 0);
	assert_int_equal(i1.count, 2);
	assert_int_equal(i1.seq, i0.seq);
	assert_int_equal(b[1].c, 42);
	ms_free(b);
}

/* NULL where a string is needed: ms_strdup(NULL), a NULL tag, a NULL type. */
static void test_null_arguments(void **state)
{
	(void)state;
	struct ms_probe pr;
	char *s;
	ms_probe(&pr, s = ms_strdup(NULL));
	assert_probe_refused(&pr, s, MS_MISUSE_NULL, "ms_strdup", EINVAL);

	void *p;
	ms_probe(&pr, p = ms_alloc_bytes(8, NULL));
	assert_probe_refused(&pr, p, MS_MISUSE_NULL, "ms_alloc_bytes", EINVAL);

	ms_probe(&pr, p = ms_alloc(NULL, 1));
	assert_probe_refused(&pr, p, MS_MISUSE_NULL, "ms_alloc", EINVAL);
}

/* A descriptor that cannot be used (size 0): bad type, EINVAL, no row registered. */
static void test_bad_type(void **state)
{
	(void)state;
	static ms_type empty = { "tm empty type", 0, NULL, 0, 0 };
	struct ms_probe pr;
	void *p;
	ms_probe(&pr, p = ms_calloc(&empty, 3));
	assert_probe_refused(&pr, p, MS_MISUSE_BAD_TYPE, "ms_calloc", EINVAL);
	assert_int_equal(ms_stats().rows, pr.before.rows);
	assert_int_equal(atomic_load(&empty.row_), 0);
}

/* The allocator saying no: NULL, errno ENOMEM, reported as out of memory. */
static void test_allocation_failure(void **state)
{
	(void)state;
	struct ms_probe pr;
	void *p;
	ms_probe(&pr, p = ms_alloc_bytes(SIZE_MAX / 2, "tm huge"));
	assert_probe_refused(&pr, p, MS_MISUSE_NO_MEMORY, "ms_alloc_bytes", ENOMEM);

	/* 4 EiB: a size malloc itself is asked for, and refuses */
	ms_probe(&pr, p = ms_alloc(&ms_type_char, (size_t)1 << 62));
	assert_probe_refused(&pr, p, MS_MISUSE_NO_MEMORY, "ms_alloc", ENOMEM);

	/* realloc that cannot grow leaves the block as it was */
	char *b = ms_alloc_bytes(16, "tm huge");
	assert_non_null(b);
	memcpy(b, "unchanged", 10);
	ms_probe(&pr, p = ms_realloc(b, (size_t)1 << 62));
	assert_probe_refused(&pr, p, MS_MISUSE_NO_MEMORY, "ms_realloc", ENOMEM);
	assert_string_equal(b, "unchanged");
	struct ms_block_info info;
	assert_int_equal(ms_block_info(b, &info), 0);
	assert_int_equal(info.count, 16);
	ms_free(b);
}

/* How a test writes over the `header` bytes in front of block `p`, as an underflow would. */
typedef void overwrite_header(unsigned char *p, size_t header);

static void fill_with_a5(unsigned char *p, size_t header)
{
	memset(p - header, 0xA5, header);
}

/* Read block `p`'s compact header, let `change` alter it, write it back. */
static void rewrite_compact(unsigned char *p, void (*change)(struct ms_compact_header *h))
{
	struct ms_compact_header h;
	memcpy(&h, p - sizeof h, sizeof h);
	change(&h);
	memcpy(p - sizeof h, &h, sizeof h);
}

static void mark_cleared(struct ms_compact_header *h)
{
	h->marked_size &= (uint16_t)~MS_COMPACT_MARK;
}

/*
 * The mark cleared and the rest shaped as a full header's last 16 bytes
 * (block.h) that a block could have: 0 bytes asked for, line 1, row 0;
 * only the check word is not a full header's.
 */
static void full_shaped(struct ms_compact_header *h)
{
	h->seq = 0;              /* a full header's requested */
	h->origin = 1;           /* its line */
	h->marked_size = 0;      /* its row, the mark clear */
}

static void clear_mark(unsigned char *p, size_t header)
{
	(void)header;
	rewrite_compact(p, mark_cleared);
}

static void shape_as_full(unsigned char *p, size_t header)
{
	(void)header;
	rewrite_compact(p, full_shaped);
}

/*
 * A program that wrote before the `size` bytes of a block, over its
 * header (`header` bytes, compact or full), as `overwrite` does: free
 * and realloc are refused as corrupt, and nothing reads the block as
 * live.
 */
static void assert_corrupt_header_refused(size_t size, size_t header, overwrite_header *overwrite)
{
	struct ms_probe pr;
	unsigned char *p = ms_alloc_bytes(size, "tm corrupt");
	assert_non_null(p);
	struct ms_block_info info;
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_int_equal(info.header_bytes, header);
	unsigned char saved[32];
	memcpy(saved, p - header, header);
	overwrite(p, header);

	ms_probe(&pr, ms_free(p));
	assert_probe(&pr, MS_MISUSE_CORRUPT, "ms_free");

	void *q;
	ms_probe(&pr, q = ms_realloc(p, 80));
	assert_probe(&pr, MS_MISUSE_CORRUPT, "ms_realloc");
	assert_null(q);
	errno = 0;
	assert_int_equal(ms_block_info(p, &info), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ms_size(p), 0);
	assert_int_equal(errno, EINVAL);

	/* put the header back: the block is whole again and frees cleanly */
	memcpy(p - header, saved, header);
	assert_int_equal(ms_block_info(p, &info), 0);
	assert_int_equal(info.count, size);
	int64_t misuse = ms_stats().misuse_count;
	ms_free(p);
	assert_i64_equal(ms_stats().misuse_count, misuse);
}

static void test_corrupt_header(void **state)
{
	(void)state;
	/* under ASan the header is poisoned: the underflow is ASan's to catch */
	ms_test_require_glibc_malloc_for("; writing over a header is checked with plain malloc");
	assert_corrupt_header_refused(40, 16, fill_with_a5);          /* under 32 KiB: compact */
	assert_corrupt_header_refused(40000, 32, fill_with_a5);       /* full */
}

/*
 * A compact header whose mark was cleared reads as a full header's last
 * 16 bytes, whose first 16 are the memory before the block: it is not
 * sound as one, so it is refused all the same, at 0 bytes (the size
 * read as row 0) as at 40, and when all of it but the check word is
 * what a full header could hold.
 */
static void test_corrupt_compact_mark_cleared(void **state)
{
	(void)state;
	ms_test_require_glibc_malloc_for("; writing over a header is checked with plain malloc");
	assert_corrupt_header_refused(0, 16, clear_mark);
	assert_corrupt_header_refused(40, 16, clear_mark);
	assert_corrupt_header_refused(0, 16, shape_as_full);
	assert_corrupt_header_refused(40, 16, shape_as_full);
}

/* The child of test_row_limit: writes what it saw to `fd`, exits 0 if all was as expected. */
static void row_limit_child(int fd)
{
	char msg[600] = "";
	int code = 0;
	void *old = ms_alloc_bytes(1, "tm before limit");
	struct ms_capture cap;
	ms_capture_start(&cap);
	int added = 0, line = 0;
	void *p = NULL;
	for (; added < 1000000; added++) {
		char *tag = malloc(32);   /* distinct addresses, never freed: the child exits */
		snprintf(tag, 32, "tm limit %d", added);
		struct ms_stats before = ms_stats();
		p = ms_alloc_bytes(1, tag); line = __LINE__;
		if (!p) {
			struct ms_stats after = ms_stats();
			if (memcmp(&before.all, &after.all, sizeof before.all) != 0)
				code = 10;
			break;
		}
		ms_free(p);
	}
	ms_set_misuse_handler(NULL, NULL);
	if (!old)
		code = 11;
	else if (p || cap.count != 1)
		code = 12;
	else if (cap.kind != MS_MISUSE_LIMIT || cap.line != line ||
		 strcmp(cap.function, "ms_alloc_bytes") != 0 ||
		 strcmp(cap.file, "test_misuse.c") != 0)
		code = 13;
	void *again = ms_alloc_bytes(1, "tm before limit");
	if (!again)
		code = 14;
	ms_free(again);
	ms_free(old);
	snprintf(msg, sizeof msg, "code %d after %d new rows; last report (%d): %s", code, added,
		 cap.count, cap.message);
	if (write(fd, msg, strlen(msg)) < 0)
		code = 15;
	_exit(code);
}

/* A forked child registers tags until the row table is full: LIMIT, and old rows still work. */
static void test_row_limit(void **state)
{
	(void)state;
	char msg[601];
	int status = run_in_child(row_limit_child, msg, sizeof msg);
	print_message("child: %s\n", msg);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A custom handler gets kind, function, base file name, line, and a one-line message with "file:line". */
static void test_handler_receives_site(void **state)
{
	(void)state;
	struct ms_capture cap;
	int x;
	ms_capture_start(&cap);
	ms_free(&x); const int line = __LINE__;
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.kind, MS_MISUSE_NOT_LIVE);
	assert_string_equal(cap.function, "ms_free");
	assert_string_equal(cap.file, "test_misuse.c");
	assert_int_equal(cap.line, line);
	char site[64];
	snprintf(site, sizeof site, "test_misuse.c:%d", line);
	assert_non_null(strstr(cap.message, site));
	assert_null(strchr(cap.message, '\n'));
	assert_true(strncmp(cap.message, "memstats: ", 10) == 0);

	/* the _at forms report the site they are given */
	ms_capture_start(&cap);
	ms_free_at(&x, "elsewhere.c", 1234);
	ms_set_misuse_handler(NULL, NULL);
	assert_string_equal(cap.file, "elsewhere.c");
	assert_int_equal(cap.line, 1234);
	assert_non_null(strstr(cap.message, "elsewhere.c:1234"));

	/* the latest handler installed is the one called */
	struct ms_capture first, second;
	ms_capture_start(&first);
	ms_capture_start(&second);
	ms_free(&x);
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(first.count, 0);
	assert_int_equal(second.count, 1);
	assert_i64_equal(ms_stats().misuse_count, 3);

	for (int k = 0; k < MS_MISUSE_KIND_COUNT; k++) {
		assert_non_null(ms_misuse_kind_name((enum ms_misuse_kind)k));
		assert_true(strlen(ms_misuse_kind_name((enum ms_misuse_kind)k)) > 0);
	}
	assert_string_equal(ms_misuse_kind_name(MS_MISUSE_NOT_LIVE), "not a live block");
	assert_string_equal(ms_misuse_kind_name(MS_MISUSE_OVERFLOW), "size overflow");
	assert_null(ms_misuse_kind_name(MS_MISUSE_KIND_COUNT));
}

/* NULL restores the default handler: the message and a newline on stderr, nothing to the old handler. */
static void test_default_handler_restored(void **state)
{
	(void)state;
	struct ms_capture cap;
	ms_capture_start(&cap);
	ms_set_misuse_handler(NULL, NULL);

	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	int x;
	int64_t before = ms_stats().misuse_count;
	ms_free(&x); const int line = __LINE__;
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);

	char text[1024] = "";
	rewind(tmp);
	size_t n = fread(text, 1, sizeof text - 1, tmp);
	text[n] = '\0';
	fclose(tmp);

	assert_int_equal(cap.count, 0);
	assert_i64_equal(ms_stats().misuse_count, before + 1);
	char prefix[128];
	snprintf(prefix, sizeof prefix, "memstats: test_misuse.c:%d: ms_free: ", line);
	if (strncmp(text, prefix, strlen(prefix)) != 0)
		print_error("stderr was \"%s\"\n", text);
	assert_true(strncmp(text, prefix, strlen(prefix)) == 0);
	/* exactly one line */
	assert_true(n > strlen(prefix));
	assert_int_equal(text[n - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + n - 1);
}

/* The child of test_misuse_abort: stderr to `fd`, ms_misuse_abort installed, one bad free. */
static void misuse_abort_child(int fd)
{
	signal(SIGABRT, SIG_DFL);
	if (dup2(fd, STDERR_FILENO) < 0)
		_exit(3);
	ms_set_misuse_handler(ms_misuse_abort, NULL);
	int x;
	ms_free(&x);
	_exit(0);   /* not reached if the handler aborted */
}

/* ms_misuse_abort prints the message and aborts: checked in a forked child. */
static void test_misuse_abort(void **state)
{
	(void)state;
	char text[1024];
	int status = run_in_child(misuse_abort_child, text, sizeof text);
	if (!WIFSIGNALED(status))
		print_error("child exited with status %d\n", WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_true(strncmp(text, "memstats: test_misuse.c:", 24) == 0);
	assert_non_null(strstr(text, ": ms_free: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_free_foreign_pointer),
		ms_test(test_double_free),
		ms_test(test_double_free_long_after),
		ms_test(test_interior_pointer),
		ms_test(test_long_names_cut_not_the_reason),
		ms_test(test_names_escaped_in_messages),
		ms_test(test_realloc_null),
		ms_test(test_realloc_foreign),
		ms_test(test_count_size_overflow),
		ms_test(test_null_arguments),
		ms_test(test_bad_type),
		ms_test(test_allocation_failure),
		ms_test(test_corrupt_header),
		ms_test(test_corrupt_compact_mark_cleared),
		ms_test(test_row_limit),
		ms_test(test_handler_receives_site),
		ms_test(test_default_handler_restored),
		ms_test(test_misuse_abort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
