/* sizeof.c: how big a block is, alone or with everything its described fields reach. */
#include "sizeof.h"
#include "block.h"
#include "bookkeeping.h"
#include "fault.h"
#include "misuse.h"
#include "pagemap.h"
#include "table.h"
#include "text.h"
#include "types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The visited set: a bit per 16-byte granule, for one sizing          */
/* ------------------------------------------------------------------ */

/*
 * Laid out like the page map (pagemap.h): only blocks ms_block_lookup has
 * found live are tested or marked, and malloc starts those on distinct
 * 16-byte granules, so a block is one bit, in leaves of 4 KiB covering
 * 512 KiB of address space, made on first use. Blocks allocated together
 * share a few leaves, so a walk over a million blocks touches 512 KiB of
 * bits where a hash of their addresses touched 48 MiB at random. It lives
 * for one sizing call and comes from malloc, freed at its end (the page
 * map's nodes are permanent). Instead of the page map's 2 MiB root, the
 * few leaves one sizing makes are found through a small hash of their
 * regions, with the last leaf used kept at hand: most steps of a walk stay
 * in the region of the step before.
 */
#define REGION_SHIFT (MS_GRANULE_SHIFT + MS_LEAF_BITS)   /* the address space one leaf covers */

struct visited_leaf {
	uint64_t words[MS_LEAF_WORDS];
};

struct region_slot {
	uintptr_t region;                /* address >> REGION_SHIFT */
	struct visited_leaf *leaf;       /* NULL: an empty slot */
};

struct visited {
	struct region_slot *slots;
	size_t capacity;                 /* a power of two, or 0 before the first leaf */
	size_t used;
	uintptr_t last_region;           /* where `last_leaf` lies, if not NULL */
	struct visited_leaf *last_leaf;
};

static struct region_slot *region_find(struct region_slot *slots, size_t capacity,
				       uintptr_t region)
{
	size_t i = (size_t)((region * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (capacity - 1);
	while (slots[i].leaf && slots[i].region != region)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

/* The leaf of `region`, or NULL if none is made yet. */
static struct visited_leaf *leaf_of(struct visited *v, uintptr_t region)
{
	if (v->last_leaf && v->last_region == region)
		return v->last_leaf;
	struct visited_leaf *leaf = v->capacity ? region_find(v->slots, v->capacity, region)->leaf
						: NULL;
	if (leaf) {
		v->last_region = region;
		v->last_leaf = leaf;
	}
	return leaf;
}

/* Make the leaf of `region`, which has none yet; NULL if memory ran out. */
static struct visited_leaf *make_leaf(struct visited *v, uintptr_t region)
{
	if (v->used * 2 >= v->capacity) {      /* at most half full: probes stay short */
		size_t capacity = v->capacity ? v->capacity * 2 : 16;
		struct region_slot *slots = ms_raw_calloc(capacity, sizeof *slots);
		if (!slots)
			return NULL;
		for (size_t i = 0; i < v->capacity; i++)
			if (v->slots[i].leaf)
				*region_find(slots, capacity, v->slots[i].region) = v->slots[i];
		ms_raw_free(v->slots);
		v->slots = slots;
		v->capacity = capacity;
	}
	struct visited_leaf *leaf = ms_raw_calloc(1, sizeof *leaf);
	if (!leaf)
		return NULL;
	*region_find(v->slots, v->capacity, region) = (struct region_slot){ region, leaf };
	v->used++;
	v->last_region = region;
	v->last_leaf = leaf;
	return leaf;
}

/* Where block `p`'s bit lies in a leaf. */
static size_t word_of(uintptr_t p)
{
	return (size_t)(p >> (MS_GRANULE_SHIFT + 6)) % MS_LEAF_WORDS;
}

static uint64_t bit_of(uintptr_t p)
{
	return UINT64_C(1) << ((p >> MS_GRANULE_SHIFT) % 64);
}

static bool visited_test(struct visited *v, const void *p)
{
	struct visited_leaf *leaf = leaf_of(v, (uintptr_t)p >> REGION_SHIFT);
	return leaf && (leaf->words[word_of((uintptr_t)p)] & bit_of((uintptr_t)p));
}

/* Mark the live block `p` visited; false if memory ran out. */
static bool visited_mark(struct visited *v, const void *p)
{
	uintptr_t region = (uintptr_t)p >> REGION_SHIFT;
	struct visited_leaf *leaf = leaf_of(v, region);
	if (!leaf && !(leaf = make_leaf(v, region)))
		return false;
	leaf->words[word_of((uintptr_t)p)] |= bit_of((uintptr_t)p);
	return true;
}

static void visited_free(struct visited *v)
{
	for (size_t i = 0; i < v->capacity; i++)
		ms_raw_free(v->slots[i].leaf);
	ms_raw_free(v->slots);
}

/* ------------------------------------------------------------------ */
/* Where each block was counted, for sized trees only                  */
/* ------------------------------------------------------------------ */

struct tnode;

/*
 * A shared block's node in a sized tree says where the block was counted,
 * so a tree keeps, beside the visited bits, each counted block's node:
 * open addressing with linear probing, at most half full. Plain deep
 * sizing needs only the bits and never makes it. It lives only for one
 * sizing, so the plain addresses in it never hide a leak from a leak checker.
 */
struct counted {
	uintptr_t block;          /* 0: empty slot */
	struct tnode *node;       /* the tree node that counted it, or its nearest ancestor */
	int below;                /* counted below `node`, past the tree's detail */
};

struct counted_map {
	struct counted *slots;
	size_t capacity;          /* a power of two */
	size_t used;
};

static size_t slot_of(uintptr_t block, size_t capacity)
{
	return (size_t)(((block >> 4) * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (capacity - 1);
}

static struct counted *counted_find(struct counted_map *m, uintptr_t block)
{
	size_t i = slot_of(block, m->capacity);
	while (m->slots[i].block && m->slots[i].block != block)
		i = (i + 1) & (m->capacity - 1);
	return &m->slots[i];
}

/* Room for one more entry; false, and the map unchanged, if memory ran out. */
static bool counted_make_room(struct counted_map *m)
{
	if (m->used * 2 < m->capacity)
		return true;
	size_t capacity = m->capacity ? m->capacity * 2 : 256;
	struct counted *old = m->slots;
	size_t old_capacity = m->capacity;
	m->slots = ms_raw_calloc(capacity, sizeof *m->slots);
	if (!m->slots) {
		m->slots = old;
		return false;
	}
	m->capacity = capacity;
	for (size_t i = 0; i < old_capacity; i++)
		if (old[i].block)
			*counted_find(m, old[i].block) = old[i];
	ms_raw_free(old);
	return true;
}

/* ------------------------------------------------------------------ */
/* Tree nodes while the traversal builds them                           */
/* ------------------------------------------------------------------ */

struct tnode {
	char *name;
	int64_t size, flat;
	struct tnode *parent, *counted_at;
	int counted_below, untracked, mistyped;
	struct tnode **kids;
	size_t kid_count, kid_capacity;
	size_t order;             /* creation order: ties in the sort keep it */
	size_t final_index;       /* its place in the finished tree */
};

/* ------------------------------------------------------------------ */
/* The traversal                                                       */
/* ------------------------------------------------------------------ */

/*
 * Depth-first, in field declaration order, without recursion: a stack of
 * iterators, each yielding the next pointer to follow. An iterator is
 * popped as it yields its last pointer, so a linked list of any length
 * keeps the stack one frame deep.
 */
struct frame {
	const unsigned char *base;     /* the objects (WALK) or pointers (POINTERS) */
	const ms_type *type;           /* WALK: the objects' type; POINTERS: the target */
	size_t count;                  /* objects or pointers */
	size_t element, field;         /* the cursor */
	bool pointers;                 /* POINTERS: an MS_PTR_ARRAY's block */
	const char *field_name;        /* POINTERS: the array field, for messages */
	const ms_type *owner;          /* POINTERS: the struct holding that field */
	struct tnode *node;            /* the nearest tree node above what this yields */
	int depth;                     /* depth of the nodes this frame's pointers make */
};

/* One pointer to follow, and what its field says about it. */
struct reference {
	const void *target;
	enum ms_field_kind kind;
	const ms_type *type;           /* the type it points at (NULL for strings) */
	size_t len;                    /* MS_ARRAY / MS_PTR_ARRAY: elements */
	const char *field_name;        /* NULL at the root */
	const ms_type *owner;          /* the struct holding the field */
	size_t index;                  /* element index, or NO_INDEX */
	bool entry;                    /* an entry of an MS_PTR_ARRAY, named "[index]" */
};

#define NO_INDEX SIZE_MAX

struct sizing {
	const char *function;          /* the public call, for messages */
	enum ms_notion notion;
	int detail;                    /* deepest node kept; -1: no tree */
	const char *file;
	int line;
	struct ms_deep found;
	int64_t every_notion[MS_NOTION_COUNT];   /* found.bytes in each notion */
	struct visited visited;
	struct counted_map counted;    /* only with a tree */
	struct frame *stack;
	size_t depth, stack_capacity;
	size_t nodes;                  /* made so far */
	bool out_of_memory;
};

/* Room for one more child of `parent`; false, and `parent` unchanged, if memory ran out. */
static bool make_room_for_kid(struct tnode *parent)
{
	if (parent->kid_count < parent->kid_capacity)
		return true;
	size_t capacity = parent->kid_capacity * 2 + 4;
	struct tnode **kids = ms_raw_realloc(parent->kids, capacity * sizeof *kids);
	if (!kids)
		return false;
	parent->kids = kids;
	parent->kid_capacity = capacity;
	return true;
}

static struct tnode *new_node(struct sizing *z, struct tnode *parent, const char *name_a,
			      const char *name_b, size_t index)
{
	struct tnode *n = ms_raw_calloc(1, sizeof *n);
	size_t len = strlen(name_a) + strlen(name_b) + 32;
	char *name = ms_raw_malloc(len);
	if (!n || !name || (parent && !make_room_for_kid(parent))) {
		ms_raw_free(n);
		ms_raw_free(name);
		z->out_of_memory = true;
		return NULL;
	}
	if (index == NO_INDEX)
		snprintf(name, len, "%s%s", name_a, name_b);
	else if (name_b[0])
		snprintf(name, len, "[%zu].%s", index, name_b);
	else
		snprintf(name, len, "[%zu]", index);
	n->name = name;
	n->parent = parent;
	n->order = z->nodes++;
	if (parent)
		parent->kids[parent->kid_count++] = n;
	return n;
}

/* A new frame on top of the stack, for the caller to fill; NULL if memory ran out. */
static struct frame *push(struct sizing *z)
{
	if (z->depth == z->stack_capacity) {
		size_t capacity = z->stack_capacity * 2 + 16;
		struct frame *grown = ms_raw_realloc(z->stack, capacity * sizeof *grown);
		if (!grown) {
			z->out_of_memory = true;
			return NULL;
		}
		z->stack = grown;
		z->stack_capacity = capacity;
	}
	return &z->stack[z->depth++];
}

static const char *describe_field(const struct reference *r, char *buf, size_t cap)
{
	if (!r->field_name)
		return "the block";
	if (r->entry)
		snprintf(buf, cap, "field '%s[%zu]' of '%s'", ms_show(r->field_name).text, r->index,
			 ms_show(r->owner->name).text);
	else
		snprintf(buf, cap, "field '%s' of '%s'", ms_show(r->field_name).text,
			 ms_show(r->owner->name).text);
	return buf;
}

/* The elements of `type` a block of `requested` bytes holds. */
static size_t capacity_of(uint64_t requested, size_t element_size)
{
	return (size_t)(requested / element_size);
}

/* The tree node of reference `r` below `above`, named after its field. */
static struct tnode *new_field_node(struct sizing *z, const struct reference *r,
				    struct tnode *above)
{
	const char *name = r->field_name ? r->field_name : "";
	/* Pointer-array entries, and elements of a pointer type, are just "[i]". */
	const char *leaf_name =
		r->entry || (r->index != NO_INDEX && strcmp(name, "*") == 0) ? "" : name;
	return new_node(z, above, "", leaf_name, r->index);
}

/*
 * Follow one reference (not NULL): count its block unless already counted,
 * make its tree node if within detail, and push an iterator over what it holds.
 */
static struct tnode *follow(struct sizing *z, const struct reference *r, struct tnode *above,
			   int depth)
{
	bool in_tree = depth <= z->detail && (above || !r->field_name);
	char where[2 * sizeof(struct ms_shown) + 64];   /* describe_field: two names, an index */

	struct ms_header t;
	struct ms_block_sizes sizes;
	if (!ms_block_lookup(r->target, &t, &sizes)) {
		z->found.untracked++;
		ms_misuse(MS_MISUSE_UNTRACKED, z->function, z->file, z->line,
			  "%s points at memory memstats did not hand out (or inside a block); "
			  "not counted",
			  describe_field(r, where, sizeof where));
		struct tnode *n = in_tree ? new_field_node(z, r, above) : NULL;
		if (n)
			n->untracked = 1;
		return n;
	}

	if (visited_test(&z->visited, r->target)) {
		z->found.shared++;
		struct tnode *n = in_tree ? new_field_node(z, r, above) : NULL;
		if (n) {
			const struct counted *c = counted_find(&z->counted, (uintptr_t)r->target);
			n->counted_at = c->node;
			n->counted_below = c->below;
		}
		return n;
	}

	/* What the block holds, as its field describes it. */
	const struct ms_row_info *row = ms_row_get(t.row);
	const ms_type *walk_as = r->field_name ? r->type : row->type;
	if (r->field_name && r->kind != MS_FIELD_PTR_ARRAY && r->kind != MS_FIELD_STRING &&
	    row->type && row->type != walk_as) {
		ms_misuse(MS_MISUSE_BAD_TYPE, z->function, z->file, z->line,
			  "%s is described as '%s' but points at a block of '%s'; not counted",
			  describe_field(r, where, sizeof where), ms_show(walk_as->name).text,
			  ms_show(row->name).text);
		struct tnode *n = in_tree ? new_field_node(z, r, above) : NULL;
		if (n)
			n->mistyped = 1;
		return n;
	}

	bool building_tree = z->detail >= 0;
	if (!visited_mark(&z->visited, r->target) ||
	    (building_tree && !counted_make_room(&z->counted))) {
		z->out_of_memory = true;
		return NULL;
	}
	int64_t bytes = sizes.bytes[z->notion];
	z->found.bytes += bytes;
	for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
		z->every_notion[notion] += sizes.bytes[notion];
	z->found.blocks++;
	struct tnode *n = NULL;
	if (in_tree) {
		n = r->field_name ? new_field_node(z, r, above)
				  : new_node(z, NULL, row->name, "", NO_INDEX);
		if (n && !r->field_name && row->type && t.requested != row->element_size) {
			char *named = ms_raw_malloc(strlen(row->name) + 32);
			if (named) {
				snprintf(named, strlen(row->name) + 32, "%s[%zu]", row->name,
					 capacity_of(t.requested, row->element_size));
				ms_raw_free(n->name);
				n->name = named;
			} else {
				z->out_of_memory = true;   /* a root named wrongly is no tree to return */
			}
		}
	}
	if (n)
		n->flat = bytes;
	/* Bytes go to the node that counted them; finish_tree adds subtrees up. */
	struct tnode *owner = n ? n : above;
	if (owner)
		owner->size += bytes;
	if (building_tree) {
		*counted_find(&z->counted, (uintptr_t)r->target) =
			(struct counted){ (uintptr_t)r->target, n ? n : above, n == NULL };
		z->counted.used++;
	}

	if (r->kind == MS_FIELD_STRING || !walk_as)
		return n;
	size_t element_size = r->kind == MS_FIELD_PTR_ARRAY ? sizeof(void *) : walk_as->size;
	size_t capacity = capacity_of(t.requested, element_size);
	size_t count = !r->field_name ? capacity : r->kind == MS_FIELD_PTR ? 1 : r->len;
	if (count > capacity) {
		ms_misuse(MS_MISUSE_BAD_TYPE, z->function, z->file, z->line,
			  "%s says %zu elements but its block holds %zu; walking %zu",
			  describe_field(r, where, sizeof where), count, capacity, capacity);
		count = capacity;
	}
	if (count == 0 || (r->kind != MS_FIELD_PTR_ARRAY && walk_as->field_count == 0))
		return n;
	struct frame *f = push(z);
	if (f)
		*f = (struct frame){
			.base = r->target,
			.type = walk_as,
			.count = count,
			.pointers = r->kind == MS_FIELD_PTR_ARRAY,
			.field_name = r->field_name,
			.owner = r->owner,
			.node = n ? n : above,
			.depth = n ? depth + 1 : z->detail + 1,
		};
	return n;
}

/* The next reference the top frame yields; pops the frame as it runs out. */
static struct reference next_reference(struct sizing *z, struct tnode **above, int *depth)
{
	struct frame *f = &z->stack[z->depth - 1];
	struct reference r = { 0 };
	*above = f->node;
	*depth = f->depth;
	if (f->pointers) {
		memcpy(&r.target, f->base + f->element * sizeof(void *), sizeof r.target);
		r = (struct reference){ r.target, MS_FIELD_PTR, f->type,   0,
					f->field_name, f->owner, f->element, true };
		f->element++;
	} else {
		const ms_field *field = &f->type->fields[f->field];
		const unsigned char *object = f->base + f->element * f->type->size;
		memcpy(&r.target, object + field->offset, sizeof r.target);
		if (field->kind == MS_FIELD_ARRAY || field->kind == MS_FIELD_PTR_ARRAY)
			memcpy(&r.len, object + field->len_offset, sizeof r.len);
		r.kind = field->kind;
		r.type = field->target;
		r.field_name = field->name;
		r.owner = f->type;
		r.index = f->count > 1 ? f->element : NO_INDEX;
		if (++f->field == f->type->field_count) {
			f->field = 0;
			f->element++;
		}
	}
	if (f->element == f->count)
		z->depth--;          /* yielded its last: pop before following */
	return r;
}

/* Size from `p`; returns the tree's root, NULL without a tree or on failure. */
static struct tnode *size_from(struct sizing *z, const void *p)
{
	struct reference top = { .target = p, .kind = MS_FIELD_PTR, .index = NO_INDEX };
	struct tnode *root = follow(z, &top, NULL, 0);
	while (z->depth && !z->out_of_memory) {
		struct tnode *above;
		int depth;
		struct reference r = next_reference(z, &above, &depth);
		if (r.target)            /* a NULL pointer holds nothing */
			follow(z, &r, above, depth);
	}
	return root;
}

/* ------------------------------------------------------------------ */
/* The finished tree: one array, children contiguous, in BFS order      */
/* ------------------------------------------------------------------ */

struct tree_block {
	size_t count;
	size_t bytes;                  /* this allocation, counted as bookkeeping */
	struct ms_sized nodes[];       /* nodes[0] is the root */
};

static int by_size_then_order(const void *a, const void *b)
{
	const struct tnode *x = *(struct tnode *const *)a, *y = *(struct tnode *const *)b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every node of the tree under `root` into `queue`, breadth first. */
static void breadth_first(struct tnode *root, struct tnode **queue)
{
	size_t next = 0;
	queue[next++] = root;
	for (size_t i = 0; i < next; i++)
		for (size_t k = 0; k < queue[i]->kid_count; k++)
			queue[next++] = queue[i]->kids[k];
}

static void free_tnodes(struct tnode **queue, size_t count, bool names)
{
	for (size_t i = 0; i < count; i++) {
		if (names)
			ms_raw_free(queue[i]->name);
		ms_raw_free(queue[i]->kids);
		ms_raw_free(queue[i]);
	}
	ms_raw_free(queue);
}

/* Free a partial tree when there is no memory for a queue: depth first, by hand. */
static void free_tnodes_slowly(struct tnode *n)
{
	while (n) {
		if (n->kid_count) {
			n = n->kids[--n->kid_count];
			continue;
		}
		struct tnode *parent = n->parent;
		ms_raw_free(n->name);
		ms_raw_free(n->kids);
		ms_raw_free(n);
		n = parent;
	}
}

static struct ms_sized *finish_tree(struct tnode *root, size_t count, const struct ms_deep *totals)
{
	struct tnode **queue = ms_raw_malloc(count * sizeof *queue);
	size_t bytes = sizeof(struct tree_block) + count * sizeof(struct ms_sized);
	struct tree_block *tree = queue ? ms_raw_calloc(1, bytes) : NULL;
	if (!tree) {
		ms_raw_free(queue);
		free_tnodes_slowly(root);
		return NULL;
	}
	breadth_first(root, queue);
	for (size_t i = count; i-- > 1;)          /* children before parents */
		queue[i]->parent->size += queue[i]->size;
	for (size_t i = 0; i < count; i++)
		if (queue[i]->kid_count > 1)
			qsort(queue[i]->kids, queue[i]->kid_count, sizeof *queue[i]->kids,
			      by_size_then_order);
	breadth_first(root, queue);      /* sorting reordered the children */
	tree->count = count;
	tree->bytes = bytes;
	ms_bookkeeping_add((int64_t)bytes);
	for (size_t i = 0; i < count; i++)
		queue[i]->final_index = i;
	size_t first_child = 1;
	for (size_t i = 0; i < count; i++) {
		struct tnode *t = queue[i];
		struct ms_sized *n = &tree->nodes[i];
		n->name = t->name;
		n->size = t->size;
		n->flat = t->flat;
		n->untracked = t->untracked;
		n->mistyped = t->mistyped;
		n->counted_below = t->counted_below;
		n->counted_at = t->counted_at ? &tree->nodes[t->counted_at->final_index] : NULL;
		n->parent = t->parent ? &tree->nodes[t->parent->final_index] : NULL;
		n->child_count = t->kid_count;
		n->children = t->kid_count ? &tree->nodes[first_child] : NULL;
		first_child += t->kid_count;
	}
	tree->nodes[0].totals = *totals;
	free_tnodes(queue, count, false);
	return tree->nodes;
}

void ms_sized_free(struct ms_sized *tree)
{
	if (!tree)
		return;
	struct tree_block *block =
		(struct tree_block *)((char *)tree - offsetof(struct tree_block, nodes));
	for (size_t i = 0; i < block->count; i++)
		ms_raw_free(block->nodes[i].name);
	ms_bookkeeping_add(-(int64_t)block->bytes);
	ms_raw_free(block);
}

/* ------------------------------------------------------------------ */
/* The public calls                                                    */
/* ------------------------------------------------------------------ */

/* Check the arguments every sizing call shares; reports and sets errno if bad. */
static bool start_sizing(const void *p, enum ms_notion notion, const char *function,
			 const char *file, int line)
{
	struct ms_header t;
	struct ms_block_sizes sizes;
	if ((unsigned)notion >= MS_NOTION_COUNT) {
		ms_misuse(MS_MISUSE_NULL, function, file, line, "no such size notion: %d",
			  (int)notion);
		errno = EINVAL;
		return false;
	}
	if (!ms_block_lookup(p, &t, &sizes)) {
		ms_report_not_live(p, function, file, line);
		errno = EINVAL;
		return false;
	}
	return true;
}

static void end_sizing(struct sizing *z)
{
	visited_free(&z->visited);
	ms_raw_free(z->counted.slots);
	ms_raw_free(z->stack);
	if (z->out_of_memory) {
		ms_misuse(MS_MISUSE_NO_MEMORY, z->function, z->file, z->line,
			  "no memory to finish sizing");
		errno = ENOMEM;
	}
}

int64_t ms_sizeof_flat_at(const void *p, enum ms_notion notion, const char *file, int line)
{
	struct ms_header t;
	struct ms_block_sizes sizes;
	if (!p && (unsigned)notion < MS_NOTION_COUNT)
		return 0;
	if (!start_sizing(p, notion, "ms_sizeof_flat", file, line))
		return -1;
	ms_block_lookup(p, &t, &sizes);
	return sizes.bytes[notion];
}

int64_t ms_sizeof_deep_at(const void *p, enum ms_notion notion, struct ms_deep *found,
			  const char *file, int line)
{
	if (found)
		*found = (struct ms_deep){ 0, 0, 0, 0 };
	if (!p && (unsigned)notion < MS_NOTION_COUNT)
		return 0;
	if (!start_sizing(p, notion, "ms_sizeof_deep", file, line))
		return -1;
	struct sizing z = { .function = "ms_sizeof_deep", .notion = notion, .detail = -1,
			    .file = file, .line = line };
	size_from(&z, p);
	end_sizing(&z);
	if (z.out_of_memory)
		return -1;
	if (found)
		*found = z.found;
	return z.found.bytes;
}

int ms_deep_many(const void *const *roots, size_t count,
		 int64_t (*each)[MS_NOTION_COUNT], const char *function, const char *file, int line)
{
	struct sizing z = { .function = function, .notion = MS_REQUESTED, .detail = -1,
			    .file = file, .line = line };
	for (size_t i = 0; i < count && !z.out_of_memory; i++) {
		int64_t before[MS_NOTION_COUNT];
		memcpy(before, z.every_notion, sizeof before);
		if (roots[i])
			size_from(&z, roots[i]);
		for (int notion = 0; notion < MS_NOTION_COUNT; notion++)
			each[i][notion] = z.every_notion[notion] - before[notion];
	}
	end_sizing(&z);
	return z.out_of_memory ? -1 : 0;
}

struct ms_sized *ms_sized_at(const void *p, int detail, enum ms_notion notion, const char *file,
			     int line)
{
	if (!p) {
		ms_misuse(MS_MISUSE_NULL, "ms_sized", file, line, "pointer is NULL");
		errno = EINVAL;
		return NULL;
	}
	if (!start_sizing(p, notion, "ms_sized", file, line))
		return NULL;
	struct sizing z = { .function = "ms_sized", .notion = notion,
			    .detail = detail > 0 ? detail : 0, .file = file, .line = line };
	struct tnode *root = size_from(&z, p);
	struct ms_sized *tree = NULL;
	if (root && !z.out_of_memory)
		tree = finish_tree(root, z.nodes, &z.found);   /* frees the nodes if it fails */
	else if (root)
		free_tnodes_slowly(root);
	z.out_of_memory = !tree;     /* so end_sizing reports any failure, once */
	end_sizing(&z);
	return tree;
}

char *ms_sized_path(const struct ms_sized *node)
{
	size_t len = 1;
	for (const struct ms_sized *n = node; n && n->parent; n = n->parent)
		len += strlen(n->name) + 1;
	char *path = ms_raw_malloc(len);
	if (!path) {
		errno = ENOMEM;
		return NULL;
	}
	/* Fill from the end: each name, with a '.' before it unless it is an index. */
	char *at = path + len - 1;
	*at = '\0';
	for (const struct ms_sized *n = node; n && n->parent; n = n->parent) {
		size_t k = strlen(n->name);
		at -= k;
		memcpy(at, n->name, k);
		if (n->parent->parent && n->name[0] != '[')
			*--at = '.';
	}
	if (at != path)
		memmove(path, at, strlen(at) + 1);
	return path;
}

/* The note after a node's sizes: where a shared block was counted, or that it is untracked. */
static int print_note(const struct ms_sized *n, FILE *out)
{
	if (n->untracked)
		return fputs(" (untracked: not from memstats)", out) < 0 ? -1 : 0;
	if (n->mistyped)
		return fputs(" (not counted: a block of another type)", out) < 0 ? -1 : 0;
	if (!n->counted_at)
		return 0;
	char *path = ms_sized_path(n->counted_at);
	if (!path)
		return -1;
	int failed = fprintf(out, " (shared: counted %s ", n->counted_below ? "under" : "at") < 0;
	failed |= path[0] ? ms_text_print(path, out) : fputs("the root", out) == EOF;
	failed |= fputc(')', out) == EOF;
	ms_raw_free(path);
	return failed ? -1 : 0;
}

/*
 * Children are indented 4 spaces a level down to this depth, and no
 * further: a deeper line starts where a line at this depth does and says
 * its depth. Indentation that grew without end made a chain's printed
 * size grow with its depth squared (a million links: 2 TB of spaces),
 * and helps the eye little past the width of a screen.
 */
#define INDENT_DEPTH 16

/* The start of a node's line at `depth`: 0, or -1 if writing failed. */
static int print_indent(int depth, FILE *out)
{
	if (depth <= INDENT_DEPTH)
		return fprintf(out, "%*s", 4 * depth, "") < 0 ? -1 : 0;
	return fprintf(out, "%*s[depth %d] ", 4 * INDENT_DEPTH, "", depth) < 0 ? -1 : 0;
}

int ms_sized_print(const struct ms_sized *tree, FILE *out)
{
	if (!tree || !out) {
		errno = EINVAL;
		return -1;
	}
	/* Pre-order without recursion: down to the first child, else across, else up. */
	int depth = 0;
	bool failed = false;
	for (const struct ms_sized *n = tree; n && !failed;) {
		failed = print_indent(depth, out) < 0 || ms_text_print(n->name, out) < 0 ||
			 fprintf(out, " size=%lld flat=%lld", (long long)n->size,
				 (long long)n->flat) < 0 ||
			 print_note(n, out) < 0 || fputc('\n', out) == EOF;
		if (n->child_count) {
			n = &n->children[0];
			depth++;
			continue;
		}
		while (n->parent && n + 1 == n->parent->children + n->parent->child_count) {
			n = n->parent;
			depth--;
		}
		n = n->parent ? n + 1 : NULL;
	}
	return ms_print_end(out, failed);
}
