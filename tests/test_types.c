/* test_types.c: type descriptors and rows: the macros record the fields right, names and tags are row identities. */
#include "test_util.h"

#include "readonly.h"   /* ms_program_read_only */

#include <gnu/libc-version.h>

/* A struct with one field of each kind, and the leaves it points at. */
struct tt_leaf {
	double value;
};
struct tt_node {
	int id;
	struct tt_node *next;        /* MS_PTR */
	size_t leaf_count;
	struct tt_leaf *leaves;      /* MS_ARRAY, leaf_count long */
	size_t child_count;
	struct tt_node **children;   /* MS_PTR_ARRAY, child_count long */
	char *label;                 /* MS_STRING */
	char inline_name[12];        /* inline: part of sizeof, not a field */
};

static MS_TYPE_LEAF(tt_leaf_type, struct tt_leaf);
static MS_TYPE(tt_node_type, struct tt_node,
	       MS_PTR(struct tt_node, next, &tt_node_type),
	       MS_ARRAY(struct tt_node, leaves, leaf_count, &tt_leaf_type),
	       MS_PTR_ARRAY(struct tt_node, children, child_count, &tt_node_type),
	       MS_STRING(struct tt_node, label));

/* Two descriptors with one name: the second one used is rejected. */
struct tt_dup {
	long x;
};
static MS_TYPE_LEAF(tt_dup_first, struct tt_dup);
static MS_TYPE_LEAF(tt_dup_second, struct tt_dup);

/* The macros fill every field from offsetof/sizeof, in the order written. */
static void test_type_macro_records_fields(void **state)
{
	(void)state;
	/* invariants: a descriptor's table has field_count entries, none outside the struct */
	assert_int_equal(tt_node_type.field_count, 4);
	assert_non_null(tt_node_type.fields);
	for (size_t i = 0; i < tt_node_type.field_count; i++)
		assert_true(tt_node_type.fields[i].offset + sizeof(void *) <= tt_node_type.size);

	/* exact values */
	assert_string_equal(tt_node_type.name, "struct tt_node");
	assert_int_equal(tt_node_type.size, sizeof(struct tt_node));

	const ms_field *f = tt_node_type.fields;
	assert_string_equal(f[0].name, "next");
	assert_int_equal(f[0].kind, MS_FIELD_PTR);
	assert_int_equal(f[0].offset, offsetof(struct tt_node, next));
	assert_ptr_equal(f[0].target, &tt_node_type);

	assert_string_equal(f[1].name, "leaves");
	assert_int_equal(f[1].kind, MS_FIELD_ARRAY);
	assert_int_equal(f[1].offset, offsetof(struct tt_node, leaves));
	assert_int_equal(f[1].len_offset, offsetof(struct tt_node, leaf_count));
	assert_ptr_equal(f[1].target, &tt_leaf_type);

	assert_string_equal(f[2].name, "children");
	assert_int_equal(f[2].kind, MS_FIELD_PTR_ARRAY);
	assert_int_equal(f[2].offset, offsetof(struct tt_node, children));
	assert_int_equal(f[2].len_offset, offsetof(struct tt_node, child_count));
	assert_ptr_equal(f[2].target, &tt_node_type);

	assert_string_equal(f[3].name, "label");
	assert_int_equal(f[3].kind, MS_FIELD_STRING);
	assert_int_equal(f[3].offset, offsetof(struct tt_node, label));
	assert_null(f[3].target);

	/* a leaf type has no field table */
	assert_string_equal(tt_leaf_type.name, "struct tt_leaf");
	assert_int_equal(tt_leaf_type.size, sizeof(struct tt_leaf));
	assert_int_equal(tt_leaf_type.field_count, 0);
	assert_null(tt_leaf_type.fields);
}

/* The built-in descriptors, their rows, and their row names in a summary. */
static void test_builtin_types(void **state)
{
	(void)state;
	assert_string_equal(ms_type_int.name, "int");
	assert_int_equal(ms_type_int.size, sizeof(int));
	assert_int_equal(ms_type_int.field_count, 0);
	assert_string_equal(ms_type_char.name, "char");
	assert_int_equal(ms_type_char.size, 1);
	assert_int_equal(ms_type_char.field_count, 0);
	assert_string_equal(ms_type_bytes.name, "bytes");
	assert_int_equal(ms_type_bytes.size, 1);
	assert_int_equal(ms_type_bytes.field_count, 0);

	int *i = ms_alloc(&ms_type_int, 10);
	char *c = ms_alloc(&ms_type_char, 7);
	unsigned char *b = ms_alloc(&ms_type_bytes, 33);
	assert_non_null(i);
	assert_non_null(c);
	assert_non_null(b);

	ms_summary *s = ms_summarize();
	assert_non_null(s);
	/* invariant: three live blocks, three rows */
	assert_int_equal(ms_summary_count(s), 3);
	assert_row(s, "int", 1, 10 * (int64_t)sizeof(int));
	assert_row(s, "char", 1, 7);
	assert_row(s, "bytes", 1, 33);
	ms_summary_free(s);

	/* a registered type knows its row; the library set it on first use */
	assert_int_not_equal(atomic_load(&ms_type_int.row_), 0);
	assert_int_not_equal(atomic_load(&ms_type_char.row_), atomic_load(&ms_type_int.row_));

	ms_free(i);
	ms_free(c);
	ms_free(b);
}

/* A described type's row counts count * sizeof; the type stays registered across ms_reset. */
static void test_type_rows_count_sizeof(void **state)
{
	(void)state;
	struct tt_node *n = ms_alloc(&tt_node_type, 3);
	assert_non_null(n);
	uint32_t row = atomic_load(&tt_node_type.row_);
	assert_int_not_equal(row, 0);

	struct ms_block_info info;
	assert_int_equal(ms_block_info(n, &info), 0);
	assert_ptr_equal(info.type, &tt_node_type);
	assert_string_equal(info.type_name, "struct tt_node");
	assert_int_equal(info.count, 3);
	assert_i64_equal(info.bytes[MS_REQUESTED], 3 * (int64_t)sizeof(struct tt_node));

	int64_t blocks, requested;
	ms_test_row_now("struct tt_node", &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 3 * (int64_t)sizeof(struct tt_node));
	ms_free(n);

	/* ms_reset keeps registered rows: the same row number, no new row */
	size_t rows = ms_stats().rows;
	assert_int_equal(ms_reset(), 0);
	n = ms_alloc(&tt_node_type, 1);
	assert_non_null(n);
	assert_int_equal(atomic_load(&tt_node_type.row_), row);
	assert_int_equal(ms_stats().rows, rows);
	ms_free(n);
}

/* A second descriptor with a taken name is misuse (BAD_TYPE) at its site; nothing is counted. */
static void test_duplicate_type_name_rejected(void **state)
{
	(void)state;
	struct tt_dup *a = ms_alloc(&tt_dup_first, 2);
	assert_non_null(a);

	struct ms_probe pr;
	struct tt_dup *b;
	ms_probe(&pr, b = ms_alloc(&tt_dup_second, 1));
	/* nothing counted, one more misuse, reported here; NULL and EINVAL; the same rows */
	assert_probe_refused(&pr, b, MS_MISUSE_BAD_TYPE, "ms_alloc", EINVAL);
	assert_int_equal(pr.after.rows, pr.before.rows);
	assert_non_null(strstr(pr.cap.message, "struct tt_dup"));
	assert_int_equal(atomic_load(&tt_dup_second.row_), 0);

	/* calloc with it is rejected too; the first descriptor still works */
	struct ms_capture cap;
	ms_capture_start(&cap);
	assert_null(ms_calloc(&tt_dup_second, 1));
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.kind, MS_MISUSE_BAD_TYPE);
	assert_string_equal(cap.function, "ms_calloc");

	struct tt_dup *c = ms_alloc(&tt_dup_first, 1);
	assert_non_null(c);
	int64_t blocks, requested;
	ms_test_row_now("struct tt_dup", &blocks, &requested);
	assert_i64_equal(blocks, 2);
	assert_i64_equal(requested, 3 * (int64_t)sizeof(struct tt_dup));
	ms_free(a);
	ms_free(c);
}

/* Equal tag text at two addresses is one row; the tag text is copied. */
static void test_tags_share_rows_by_text(void **state)
{
	(void)state;
	char tag1[] = "tt packet";
	char tag2[] = "tt packet";
	assert_ptr_not_equal(tag1, tag2);

	void *a = ms_alloc_bytes(100, tag1);
	void *b = ms_alloc_bytes(28, tag2);
	void *c = ms_alloc_bytes(5, "tt other");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);

	/* the text is copied: scribbling on the caller's array changes nothing */
	memset(tag1, 'X', sizeof tag1 - 1);

	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 2);
	assert_row(s, "tt packet", 2, 128);
	assert_null(ms_summary_find(s, "XXXXXXXXX"));
	assert_row(s, "tt other", 1, 5);
	ms_summary_free(s);

	struct ms_block_info info;
	assert_int_equal(ms_block_info(a, &info), 0);
	assert_string_equal(info.type_name, "tt packet");
	assert_null(info.type);
	assert_int_equal(info.count, 100);

	ms_free(a);
	ms_free(b);
	ms_free(c);
}

/*
 * The row is the tag's text, not its address: one buffer reused with new
 * text (as snprintf into an array does) names a new row, wherever the
 * buffer is: on the stack, in the heap, or in the program's own writable
 * data, the one place a wrong read-only test (ms_program_read_only) could
 * take for a literal's.
 */
static void check_buffer_reused_with_new_text(char *tag, size_t size)
{
	void *p[3];
	for (int i = 0; i < 3; i++) {
		snprintf(tag, size, "tt conn %d", i);
		p[i] = ms_alloc_bytes((size_t)(10 * (i + 1)), tag);
		assert_non_null(p[i]);
	}
	/* read the rows, then free everything, so a failure here leaves nothing behind */
	ms_summary *s = ms_summarize();
	for (int i = 0; i < 3; i++)
		ms_free(p[i]);
	assert_non_null(s);
	size_t rows = ms_summary_count(s);
	int64_t blocks[3], requested[3];
	int found[3];
	for (int i = 0; i < 3; i++) {
		snprintf(tag, size, "tt conn %d", i);
		found[i] = ms_test_row_figures(s, tag, &blocks[i], &requested[i]) != NULL;
	}
	for (size_t i = 0; rows != 3 && i < rows; i++)
		print_error("row \"%s\": %" PRId64 " blocks\n", ms_summary_row(s, i)->name,
			    ms_summary_row(s, i)->g.blocks.current);
	ms_summary_free(s);
	/* invariant: three texts, three rows */
	assert_int_equal(rows, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(found[i]);
		assert_i64_equal(blocks[i], 1);
		assert_i64_equal(requested[i], 10 * (i + 1));
	}
}

static void test_tag_buffer_reused_with_new_text(void **state)
{
	(void)state;
	char on_stack[32];
	static char in_data[32];
	char *in_heap = malloc(32);
	assert_non_null(in_heap);
	check_buffer_reused_with_new_text(on_stack, sizeof on_stack);
	check_buffer_reused_with_new_text(in_data, sizeof in_data);
	check_buffer_reused_with_new_text(in_heap, 32);
	free(in_heap);
}

/*
 * Read-only means an unwritable segment of the program itself: a literal
 * or a const array, whose text cannot change, so memstats need not compare
 * it. Not a library's literal (a library can be unloaded and its addresses
 * reused), nor data written at start-up and protected after (RELRO).
 */
static const char tt_const_tag[] = "tt const";
static char tt_writable_tag[] = "tt writable";
static const char *const tt_relro_table[] = { "tt relro" };

static void test_read_only_addresses(void **state)
{
	(void)state;
	char on_stack[] = "tt stack";
	char *in_heap = malloc(8);
	assert_non_null(in_heap);
	assert_true(ms_program_read_only("tt literal"));
	assert_true(ms_program_read_only(tt_const_tag));
	assert_true(ms_program_read_only(tt_relro_table[0]));   /* the string, not the table */
#ifdef __PIE__
	/* a table of pointers is relocated at start-up, so in a PIE it lies in RELRO */
	assert_false(ms_program_read_only(tt_relro_table));
#endif
	assert_false(ms_program_read_only(tt_writable_tag));
	assert_false(ms_program_read_only(on_stack));
	assert_false(ms_program_read_only(in_heap));
	/* libc's literal, with libc a library (linked -static it would be the program's) */
	assert_false(ms_program_read_only(gnu_get_libc_version()));
	assert_false(ms_program_read_only(NULL));
	free(in_heap);
}

/*
 * A thread remembers its last read-only tag. Runs of one literal, switches
 * between literals, and a buffer after a literal (first with the
 * literal's text, then with new text) each count every block in the row
 * its text names.
 */
static void test_tags_switching_count_by_text(void **state)
{
	(void)state;
	/* a, b: two literals; s: a buffer holding a's text; n: the buffer with new text */
	static const char order[] = "aaabbasna";
	enum { STEPS = sizeof order - 1 };
	char buffer[32] = "tt switch a";
	void *p[STEPS];
	for (size_t i = 0; i < STEPS; i++) {
		const char *tag = order[i] == 'a' ? "tt switch a" : order[i] == 'b' ? "tt switch b" : buffer;
		if (order[i] == 'n')
			strcpy(buffer, "tt switch new");
		p[i] = ms_alloc_bytes(i + 1, tag);
		assert_non_null(p[i]);
	}
	ms_summary *s = ms_summarize();
	for (size_t i = 0; i < STEPS; i++)
		ms_free(p[i]);
	assert_non_null(s);
	assert_int_equal(ms_summary_count(s), 3);
	/* steps 1, 2, 3, 6, 7 (the buffer with the literal's text) and 9 */
	assert_row(s, "tt switch a", 6, 1 + 2 + 3 + 6 + 7 + 9);
	assert_row(s, "tt switch b", 2, 4 + 5);
	assert_row(s, "tt switch new", 1, 8);
	ms_summary_free(s);
}

/* A tag may not be a described type's name (built-in or not): BAD_TYPE at the site. */
static void test_tag_equal_to_type_name_rejected(void **state)
{
	(void)state;
	/* register the type first (it may already be) */
	struct tt_leaf *l = ms_alloc(&tt_leaf_type, 1);
	assert_non_null(l);

	/* a literal, refused every time: a refused tag is never remembered as the last one */
	struct ms_probe pr;
	void *p;
	for (int i = 0; i < 2; i++) {
		ms_probe(&pr, p = ms_alloc_bytes(16, "struct tt_leaf"));
		assert_probe_refused(&pr, p, MS_MISUSE_BAD_TYPE, "ms_alloc_bytes", EINVAL);
		assert_int_equal(pr.after.rows, pr.before.rows);
	}

	/* the built-in names are types too */
	int *ip = ms_alloc(&ms_type_int, 1);
	assert_non_null(ip);
	struct ms_capture cap;
	ms_capture_start(&cap);
	char int_copy[] = "int";
	p = ms_alloc_bytes(4, int_copy);
	ms_set_misuse_handler(NULL, NULL);
	assert_null(p);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.kind, MS_MISUSE_BAD_TYPE);

	ms_free(ip);
	ms_free(l);
}

/* A descriptor whose name an existing tag already has is rejected: the name is the row. */
static void test_type_name_equal_to_tag_rejected(void **state)
{
	(void)state;
	void *t = ms_alloc_bytes(8, "tt handmade");
	assert_non_null(t);
	static ms_type handmade = { "tt handmade", 4, NULL, 0, 0 };

	struct ms_capture cap;
	ms_capture_start(&cap);
	void *p = ms_alloc(&handmade, 1); const int line = __LINE__;
	ms_set_misuse_handler(NULL, NULL);
	assert_null(p);
	assert_misuse(&cap, MS_MISUSE_BAD_TYPE, "ms_alloc", "test_types.c", line);

	int64_t blocks, requested;
	ms_test_row_now("tt handmade", &blocks, &requested);
	assert_i64_equal(blocks, 1);
	assert_i64_equal(requested, 8);
	ms_free(t);
}

/*
 * The empty tag would be a row with no name: refused as an empty type
 * name is, every time (a literal is never remembered as the last tag),
 * and from a buffer that held a registered tag before.
 */
static void test_empty_tag_rejected(void **state)
{
	(void)state;
	char buffer[] = "tt was a tag";
	void *held = ms_alloc_bytes(8, buffer);
	assert_non_null(held);
	buffer[0] = '\0';

	struct ms_probe pr;
	void *p;
	const char *const tags[] = { "", "", buffer };
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		ms_probe(&pr, p = ms_alloc_bytes(16, tags[i]));
		assert_probe_refused(&pr, p, MS_MISUSE_BAD_TYPE, "ms_alloc_bytes", EINVAL);
		assert_int_equal(pr.after.rows, pr.before.rows);
		assert_non_null(strstr(pr.cap.message, ": tag '' is invalid: it has no name"));
	}
	ms_summary *s = ms_summarize();
	assert_non_null(s);
	assert_null(ms_summary_find(s, ""));
	assert_row(s, "tt was a tag", 1, 8);
	ms_summary_free(s);
	ms_free(held);
}

/* A malformed descriptor (size 0, a pointer field without a target) is BAD_TYPE. */
static void test_malformed_descriptor_rejected(void **state)
{
	(void)state;
	static ms_type zero_size = { "tt zero", 0, NULL, 0, 0 };
	static const ms_field no_target[] = { { "p", MS_FIELD_PTR, 0, 0, NULL } };
	static ms_type bad_field = { "tt bad field", sizeof(void *), no_target, 1, 0 };
	struct ms_stats before = ms_stats();

	struct ms_capture cap;
	ms_capture_start(&cap);
	assert_null(ms_alloc(&zero_size, 1));
	assert_int_equal(cap.kind, MS_MISUSE_BAD_TYPE);
	assert_null(ms_alloc(&bad_field, 1));
	assert_int_equal(cap.kind, MS_MISUSE_BAD_TYPE);
	ms_set_misuse_handler(NULL, NULL);
	assert_int_equal(cap.count, 2);

	struct ms_stats after = ms_stats();
	assert_gauges_equal(&after.all, &before.all);
	assert_int_equal(after.rows, before.rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_type_macro_records_fields),
		ms_test(test_builtin_types),
		ms_test(test_type_rows_count_sizeof),
		ms_test(test_duplicate_type_name_rejected),
		ms_test(test_tags_share_rows_by_text),
		ms_test(test_tag_buffer_reused_with_new_text),
		ms_test(test_read_only_addresses),
		ms_test(test_tags_switching_count_by_text),
		ms_test(test_tag_equal_to_type_name_rejected),
		ms_test(test_type_name_equal_to_tag_rejected),
		ms_test(test_empty_tag_rejected),
		ms_test(test_malformed_descriptor_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
