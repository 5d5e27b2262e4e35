/* json_run.c: the cJSON workload alone, one hook set a process, the program make bench-json and bench-json-profile run: each round's time and how close together cJSON's nodes land, for memstats' hooks and for counting hooks that copy one part of its layout each. */
#define _DEFAULT_SOURCE
#include "bench.h"
#include "memstats.h"

#include <cjson/cJSON.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ROUNDS_MAX 64
#define NEAR 4096                 /* a node this close to the one parsed before shares its page */
#define MIN_USABLE 24             /* glibc's smallest block, which memstats pads requests to */

/*
 * Counting hooks that copy one part of what memstats does to a block, so
 * the gap between counting and tracked can be cut into parts: the size
 * memstats asked malloc for with one 32-byte header on every block (the
 * request padded to 24 bytes, plus the header), that header written at
 * alloc and read at free, and the layouts weighed against it: a 16-byte
 * header (memstats' compact one now, lib/block.h), with or without the
 * padding, or none at all with the row and size kept in a side table.
 */
struct layout {
	const char *name;
	size_t header;            /* bytes before the program's; 0: malloc(n) as it is */
	bool pad;                 /* pad a request to MIN_USABLE first, as memstats does */
	bool touch;               /* write the header at alloc, read it at free */
	bool side;                /* keep 8 bytes per block in a side table */
};
static const struct layout layouts[] = {
	{ "pad32", 32, true, false, false },
	{ "header32", 32, true, true, false },
	{ "header16", 16, true, true, false },
	{ "header16-unpadded", 16, false, true, false },
	{ "side", 0, false, false, true },
};
#define LAYOUTS (sizeof layouts / sizeof layouts[0])
static const struct layout *layout;

/*
 * The side table: 8 bytes for every 16-byte granule of a 1 GiB window
 * that starts below the first block, as a page-map-like table indexed by
 * address would be; its pages are touched only where blocks are.
 */
#define SIDE_WINDOW ((uintptr_t)1 << 30)
static uint64_t *side_table;
static uintptr_t side_base;
static volatile uint64_t header_sum;   /* what the header reads add up to, so they are not dropped */

static uint64_t *side_entry(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (!side_table) {
		side_table = mmap(NULL, SIDE_WINDOW / 16 * sizeof *side_table, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (side_table == MAP_FAILED)
			bench_fail("no address space for the side table");
		side_base = (a & ~(SIDE_WINDOW / 4 - 1)) - SIDE_WINDOW / 4;
	}
	if (a < side_base || a - side_base >= SIDE_WINDOW)
		bench_fail("a block outside the side table's window");
	return &side_table[(a - side_base) / 16];
}

static void *layout_malloc(size_t size)
{
	json_counted.allocs++;
	json_counted.bytes += size;
	size_t header = layout->header;
	unsigned char *block = malloc((layout->pad && size < MIN_USABLE ? MIN_USABLE : size) + header);
	if (!block)
		return NULL;
	if (layout->touch) {
		uint64_t h[4] = { json_counted.allocs, (uintptr_t)block, size, 1 };
		memcpy(block, h, header);
	}
	if (layout->side)
		*side_entry(block) = (uint64_t)size << 16 | 1;
	return block + header;
}

static void layout_free(void *p)
{
	json_counted.frees++;
	if (!p)
		return;
	unsigned char *block = (unsigned char *)p - layout->header;
	if (layout->touch) {
		uint64_t h[4];
		memcpy(h, block, layout->header);
		header_sum += h[0] ^ h[2];
	}
	if (layout->side) {
		uint64_t *entry = side_entry(block);
		header_sum += *entry;
		*entry = 0;
	}
	free(block);
}

/* Install hook set `name`: false if there is none of that name. */
static bool use_hooks(const char *name)
{
	static const char *const sets[JSON_HOOK_SETS] = { "raw", "counting", "tracked" };
	for (int i = 0; i < JSON_HOOK_SETS; i++)
		if (strcmp(name, sets[i]) == 0) {
			json_hooks_use((enum json_hooks)i);
			return true;
		}
	for (size_t i = 0; i < LAYOUTS; i++)
		if (strcmp(name, layouts[i].name) == 0) {
			static cJSON_Hooks hooks = { layout_malloc, layout_free };
			layout = &layouts[i];
			cJSON_InitHooks(&hooks);
			return true;
		}
	return false;
}

/* Nodes, and how many lie within NEAR bytes of the node cJSON made before them. */
struct locality {
	uint64_t nodes, near;
	uintptr_t last;
};

/* Walk the tree in the order cJSON parsed it: each node, then its children. */
static void walk(const cJSON *node, struct locality *l)
{
	for (; node; node = node->next) {
		uintptr_t a = (uintptr_t)node;
		l->near += l->nodes && (a > l->last ? a - l->last : l->last - a) < NEAR;
		l->nodes++;
		l->last = a;
		walk(node->child, l);
	}
}

/*
 * One round: the parse and the delete timed, the walk between them, if
 * `l` asks for it, not. On a fresh heap the nodes always lie in parse
 * order, so there the walk is left out, and a profile sees only the parse
 * and the delete.
 */
static double round_ns(const struct json_document *doc, struct locality *l)
{
	uint64_t start = bench_now_ns();
	cJSON *tree = cJSON_ParseWithLength(doc->text, doc->length);
	uint64_t parsed = bench_now_ns();
	if (!tree)
		bench_fail("cJSON could not parse the generated document");
	if (l)
		walk(tree, l);
	uint64_t walked = bench_now_ns();
	cJSON_Delete(tree);
	return (double)(parsed - start + bench_now_ns() - walked);
}

/* The size classes printed by `sizes`: what cJSON asks for, band by band. */
static const struct {
	size_t up_to;
	const char *name;
} bands[] = {
	{ 8, "1-8" }, { 16, "9-16" }, { 24, "17-24" }, { 40, "25-40" }, { 63, "41-63" },
	{ 64, "64 (a node)" }, { 128, "65-128" }, { SIZE_MAX, "129-" },
};
#define BANDS (sizeof bands / sizeof bands[0])
static uint64_t band_blocks[BANDS], band_bytes[BANDS], band_raw_chunks[BANDS],
	band_tracked_chunks[BANDS];
static bool sizing_failed;

/* glibc's chunk for malloc(n): the size word and the bytes, in 16-byte steps, 32 at least. */
static size_t chunk_of(size_t n)
{
	size_t chunk = (n + 8 + 15) & ~(size_t)15;
	return chunk < 32 ? 32 : chunk;
}

/*
 * A tracked block, its chunk as memstats reports it: the footprint (the
 * usable size and glibc's size word) and memstats' header in front.
 */
static void *sizing_malloc(size_t size)
{
	size_t b = 0;
	while (size > bands[b].up_to)
		b++;
	void *p = ms_alloc_bytes(size, "cJSON");
	struct ms_block_info info;
	if (!p || ms_block_info(p, &info) != 0) {
		sizing_failed = true;
		return p;
	}
	band_blocks[b]++;
	band_bytes[b] += size;
	band_raw_chunks[b] += chunk_of(size);
	band_tracked_chunks[b] += (uint64_t)info.bytes[MS_FOOTPRINT] + info.header_bytes;
	return p;
}

static void sizing_free(void *p)
{
	ms_free(p);
}

/* One parse, its requests counted by size: blocks per MB, and the chunks raw and tracked. */
static void print_sizes(const struct json_document *doc)
{
	static cJSON_Hooks hooks = { sizing_malloc, sizing_free };
	cJSON_InitHooks(&hooks);
	json_parse_delete(doc);
	if (sizing_failed)
		bench_fail("a tracked block could not be made or read");
	uint64_t blocks = 0, raw = 0, tracked = 0;
	for (size_t b = 0; b < BANDS; b++) {
		blocks += band_blocks[b];
		raw += band_raw_chunks[b];
		tracked += band_tracked_chunks[b];
	}
	double mb = (double)doc->length / 1e6;
	printf("one parse of %.2f MB: %llu blocks per parse, %.0f blocks per MB of JSON\n", mb,
	       (unsigned long long)blocks, (double)blocks / mb);
	printf("%-12s %8s %10s %12s %14s %14s\n", "asked (B)", "share", "blocks/MB", "mean asked",
	       "raw chunk", "tracked chunk");
	for (size_t b = 0; b < BANDS; b++)
		if (band_blocks[b])
			printf("%-12s %7.1f%% %10.0f %12.1f %14.1f %14.1f\n", bands[b].name,
			       100.0 * (double)band_blocks[b] / (double)blocks,
			       (double)band_blocks[b] / mb,
			       (double)band_bytes[b] / (double)band_blocks[b],
			       (double)band_raw_chunks[b] / (double)band_blocks[b],
			       (double)band_tracked_chunks[b] / (double)band_blocks[b]);
	printf("heap per parse: raw %.1f MB of chunks, tracked %.1f MB (%.2fx)\n", (double)raw / 1e6,
	       (double)tracked / 1e6, (double)tracked / (double)raw);
}

static int usage(void)
{
	fputs("usage: memstats-json [--fresh] HOOKS ROUNDS\n"
	      "       memstats-json sizes\n"
	      "  Parses and deletes make bench's 4 MB document ROUNDS times through HOOKS:\n"
	      "  raw, counting, tracked (make bench's three), or counting hooks that copy\n"
	      "  part of memstats' layout: pad32 (its request sizes), header32 (and a\n"
	      "  32-byte header written and read), header16, header16-unpadded (not\n"
	      "  padded to 24 bytes first), side (8 bytes a block in a side table). Prints each round's ms and the share of nodes within 4 KiB\n"
	      "  of the node parsed before; --fresh trims the heap before each round.\n"
	      "  sizes: the blocks cJSON asks for in one parse, by size.\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	bool fresh = argc > 1 && strcmp(argv[1], "--fresh") == 0;
	argv += fresh;
	argc -= fresh;
	struct json_document doc;
	if (argc == 2 && !fresh && strcmp(argv[1], "sizes") == 0) {
		json_document_make(&doc, JSON_BYTES, JSON_SEED);
		print_sizes(&doc);
		json_document_free(&doc);
		return 0;
	}
	char *end;
	long rounds = argc == 3 ? strtol(argv[2], &end, 10) : 0;
	if (argc != 3 || *end || rounds < 1 || rounds > ROUNDS_MAX)
		return usage();
	json_document_make(&doc, JSON_BYTES, JSON_SEED);
	if (!use_hooks(argv[1]))
		return usage();
	double ms[ROUNDS_MAX];
	for (long r = 0; r < rounds; r++) {
		if (fresh)
			malloc_trim(0);
		struct locality l = { 0, 0, 0 };
		ms[r] = round_ns(&doc, fresh ? NULL : &l) / 1e6;
		printf("round %ld: %.1f ms", r + 1, ms[r]);
		if (!fresh)
			printf(", %.0f%% of nodes within 4 KiB of the one before",
			       100.0 * (double)l.near / (double)l.nodes);
		printf("\n");
	}
	if (rounds > 1)
		printf("%s%s: median %.1f ms per parse+delete, rounds 2-%ld\n", argv[1],
		       fresh ? " (fresh)" : "", bench_median(ms + 1, (size_t)rounds - 1), rounds);
	json_document_free(&doc);
	return 0;
}
