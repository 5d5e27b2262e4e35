/* test_big.c: sizing big and deep structures: long lists and wide trees without running out of stack or printing quadratic text, and blocks far apart. */
#define _GNU_SOURCE /* fopencookie, strsignal */
#include "sizing.h"

#include <sys/wait.h>
#include <unistd.h>

/* A singly linked list cell. */
struct ts_link {
	struct ts_link *next;
	long value;
};
static MS_TYPE(ts_link_type, struct ts_link, MS_PTR(struct ts_link, next, &ts_link_type));

enum { TS_LIST_LENGTH = 200000, TS_LIST_DETAIL = 1000 };

/* A list of `length` cells made by ms_alloc, the head first. */
static struct ts_link *ts_new_list(long length)
{
	struct ts_link *head = NULL;
	for (long i = 0; i < length; i++) {
		struct ts_link *cell = ms_alloc(&ts_link_type, 1);
		assert_non_null(cell);
		cell->next = head;
		cell->value = i;
		head = cell;
	}
	return head;
}

static void ts_free_list(struct ts_link *head)
{
	while (head) {
		struct ts_link *next = head->next;
		ms_free(head);
		head = next;
	}
}

/*
 * In a child process (a stack overflow must not take the other tests
 * with it): deep-size the list and build a sized tree 1000 levels deep.
 * Returns 0, or a code naming the first check that failed.
 */
static int ts_list_child(const struct ts_link *head)
{
	const int64_t n = TS_LIST_LENGTH, cell = (int64_t)sizeof(struct ts_link);
	struct ms_deep found;
	int64_t deep = ms_sizeof_deep_found(head, MS_REQUESTED, &found);
	if (deep != n * cell)
		return 10;
	if (found.blocks != n || found.shared != 0 || found.untracked != 0)
		return 11;
	struct ms_sized *tree = ms_sized(head, TS_LIST_DETAIL, MS_REQUESTED);
	if (!tree)
		return 12;
	if (tree->size != deep || tree->totals.bytes != deep || tree->totals.blocks != n)
		return 13;
	const struct ms_sized *node = tree;
	for (int depth = 0; depth <= TS_LIST_DETAIL; depth++) {
		if (node->size != (n - depth) * cell || node->flat != cell)
			return 14;
		if (depth == TS_LIST_DETAIL)
			break;
		if (node->child_count != 1 || strcmp(node->children[0].name, "next") != 0)
			return 15;
		node = &node->children[0];
	}
	if (node->child_count != 0)
		return 16;
	ms_sized_free(tree);
	return 0;
}

/* A 200,000-cell linked list sizes without running out of stack. */
static void test_long_list_no_stack_overflow(void **state)
{
	(void)state;
	struct ts_link *head = ts_new_list(TS_LIST_LENGTH);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ts_list_child(head));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		print_error("sizing the list was killed by signal %d (%s): a stack overflow?\n",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		print_error("sizing the list failed check %d (see ts_list_child)\n",
			    WEXITSTATUS(status));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* and here too, in every notion: the sum of the cells */
	int64_t want[MS_NOTION_COUNT] = { 0 };
	for (const struct ts_link *c = head; c; c = c->next)
		for (int k = 0; k < MS_NOTION_COUNT; k++)
			want[k] += ms_test_block_bytes(c, (enum ms_notion)k);
	for (int k = 0; k < MS_NOTION_COUNT; k++)
		assert_i64_equal(ms_sizeof_deep(head, (enum ms_notion)k), want[k]);
	ts_free_list(head);
}

/*
 * The indentation of a printed tree stops at 16 levels (64 spaces); a
 * deeper line says its depth instead. ts_indent writes what a line
 * at `depth` starts with, for the exact check below.
 */
enum { TS_INDENT_LEVELS = 16 };
static int ts_indent(char *buf, size_t cap, int depth)
{
	int levels = depth < TS_INDENT_LEVELS ? depth : TS_INDENT_LEVELS;
	if (depth <= TS_INDENT_LEVELS)
		return snprintf(buf, cap, "%*s", 4 * levels, "");
	return snprintf(buf, cap, "%*s[depth %d] ", 4 * levels, "", depth);
}

/* A 20-cell list prints 4 spaces a level down to 16 levels, then "[depth N] " there. */
static void test_sized_print_deep_shape(void **state)
{
	(void)state;
	enum { LENGTH = 20 };
	const long long cell = (long long)sizeof(struct ts_link);
	struct ts_link *head = ts_new_list(LENGTH);
	struct ms_sized *t = ms_sized(head, LENGTH, MS_REQUESTED);
	assert_non_null(t);
	char want[LENGTH * 128] = "";
	size_t len = 0;
	for (int depth = 0; depth < LENGTH; depth++) {
		len += (size_t)ts_indent(want + len, sizeof want - len, depth);
		len += (size_t)snprintf(want + len, sizeof want - len, "%s size=%lld flat=%lld\n",
					depth ? "next" : "struct ts_link", (LENGTH - depth) * cell, cell);
	}
	char *text = ts_print_tree(t);
	assert_string_equal(text, want);
	free(text);
	ms_sized_free(t);
	ts_free_list(head);
}

/* What a printed text came to, counted as it is written, up to a budget of bytes. */
struct ts_count {
	size_t budget, bytes, lines, line, longest;
};

static ssize_t ts_count_write(void *cookie, const char *buf, size_t size)
{
	struct ts_count *c = cookie;
	if (size > c->budget - c->bytes)
		return 0;   /* a write error: the printer gives up */
	for (size_t i = 0; i < size; i++) {
		if (buf[i] != '\n') {
			c->line++;
			continue;
		}
		c->lines++;
		c->longest = c->line > c->longest ? c->line : c->longest;
		c->line = 0;
	}
	c->bytes += size;
	return (ssize_t)size;
}

/*
 * A 100,000-cell list sized whole prints in O(depth) bytes: a line a
 * cell, none of them 128 bytes long (4 spaces a level would have made
 * 20 GB, the last line alone 400 KB).
 */
static void test_sized_print_deep_list_linear(void **state)
{
	(void)state;
	enum { LENGTH = 100000, LINE_MOST = 128 };
	struct ts_link *head = ts_new_list(LENGTH);
	struct ms_sized *t = ms_sized(head, LENGTH, MS_REQUESTED);
	assert_non_null(t);
	struct ts_count c = { .budget = (size_t)LENGTH * LINE_MOST };
	FILE *f = fopencookie(&c, "w", (cookie_io_functions_t){ .write = ts_count_write });
	assert_non_null(f);
	int printed = ms_sized_print(t, f);
	int closed = fclose(f);
	ms_sized_free(t);
	ts_free_list(head);
	if (printed != 0 || closed != 0)
		print_error("printing stopped after %zu bytes, %zu lines\n", c.bytes, c.lines);
	assert_int_equal(printed, 0);
	assert_int_equal(closed, 0);
	assert_int_equal(c.lines, LENGTH);
	assert_true(c.longest < LINE_MOST);
}

/* A 100,000-node binary tree sizes (deep, and as a full sized tree) and completes. */
static void test_big_tree_sizes(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct ts_node **all = malloc(N * sizeof *all);
	assert_non_null(all);
	for (size_t i = 0; i < N; i++) {
		all[i] = ms_calloc(&ts_node_type, 1);
		assert_non_null(all[i]);
	}
	for (size_t i = 0; i < N; i++) {
		all[i]->left = 2 * i + 1 < N ? all[2 * i + 1] : NULL;
		all[i]->right = 2 * i + 2 < N ? all[2 * i + 2] : NULL;
	}
	struct ms_deep found;
	assert_i64_equal(ms_sizeof_deep_found(all[0], MS_REQUESTED, &found), N * TS_NODE_SIZE);
	assert_i64_equal(found.blocks, N);
	assert_i64_equal(found.shared, 0);
	int64_t usable = 0;
	for (size_t i = 0; i < N; i++)
		usable += ms_test_block_bytes(all[i], MS_USABLE);
	assert_i64_equal(ms_sizeof_deep(all[0], MS_USABLE), usable);

	struct ts_facts f;
	struct ms_sized *t = ms_sized(all[0], 3, MS_REQUESTED);
	ts_check_tree(t, 3, &f, __FILE__, __LINE__);
	assert_i64_equal(t->size, N * TS_NODE_SIZE);
	assert_i64_equal(f.nodes, 15);
	free(f.all);
	ms_sized_free(t);

	t = ms_sized(all[0], 64, MS_REQUESTED);
	ts_check_tree(t, 64, &f, __FILE__, __LINE__);
	assert_i64_equal(f.nodes, N);
	assert_i64_equal(f.sum_flat, N * TS_NODE_SIZE);
	assert_int_equal(f.max_depth, 16);          /* floor(log2(100000)) */
	free(f.all);
	ms_sized_free(t);

	for (size_t i = 0; i < N; i++)
		ms_free(all[i]);
	free(all);
}

/* A node as big as a visited-set leaf's reach, so each lies in its own 512 KiB of address space. */
struct ts_far {
	struct ts_far *next, *prev;
	char pad[600 * 1024];
};
static MS_TYPE(ts_far_type, struct ts_far,
	       MS_PTR(struct ts_far, next, &ts_far_type),
	       MS_PTR(struct ts_far, prev, &ts_far_type));

/* A ring of blocks far apart, linked both ways: each counted once, and every other reference shared. */
static void test_far_apart_blocks_counted_once(void **state)
{
	(void)state;
	enum { N = 24 };
	struct ts_far *ring[N];
	for (size_t i = 0; i < N; i++) {
		ring[i] = ms_alloc(&ts_far_type, 1);
		assert_non_null(ring[i]);
	}
	for (size_t i = 0; i < N; i++) {
		ring[i]->next = ring[(i + 1) % N];
		ring[i]->prev = ring[(i + N - 1) % N];
	}
	struct ms_deep found;
	assert_i64_equal(ms_sizeof_deep_found(ring[0], MS_REQUESTED, &found), N * (int64_t)sizeof(struct ts_far));
	assert_i64_equal(found.blocks, N);
	assert_i64_equal(found.shared, N + 1);      /* 2N references, N - 1 of them counting */

	/* the whole walk as a tree: every shared node names where its block was counted */
	struct ts_facts f;
	struct ms_sized *t = ms_sized(ring[0], N, MS_REQUESTED);
	ts_check_tree(t, N, &f, __FILE__, __LINE__);
	assert_i64_equal(f.nodes, 2 * N + 1);
	assert_i64_equal(f.shared_nodes, N + 1);
	free(f.all);
	ms_sized_free(t);

	for (size_t i = 0; i < N; i++)
		ms_free(ring[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ms_test(test_long_list_no_stack_overflow),
		ms_test(test_sized_print_deep_shape),
		ms_test(test_sized_print_deep_list_linear),
		ms_test(test_big_tree_sizes),
		ms_test(test_far_apart_blocks_counted_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
