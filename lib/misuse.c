/* misuse.c: how a bad call is reported: one line naming its site, then the call is ignored. */
#include "misuse.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>

static void print_to_stderr(const struct ms_misuse *misuse, void *context)
{
	(void)context;
	fprintf(stderr, "%s\n", misuse->message);
}

/* The handler and its context change together, so they sit behind one pointer. */
struct handler {
	ms_misuse_handler *fn;
	void *context;
};

static const struct handler default_handler = { print_to_stderr, NULL };
static struct handler installed;
static _Atomic(const struct handler *) current = &default_handler;
static _Atomic int64_t misuse_count;

void ms_set_misuse_handler(ms_misuse_handler *handler, void *context)
{
	if (!handler) {
		atomic_store_explicit(&current, &default_handler, memory_order_release);
		return;
	}
	installed = (struct handler){ handler, context };
	atomic_store_explicit(&current, &installed, memory_order_release);
}

void ms_misuse_abort(const struct ms_misuse *misuse, void *context)
{
	print_to_stderr(misuse, context);
	abort();
}

static const char *const kind_names[] = {
#define MS_MISUSE_NAME_(id, text) text,
	MS_MISUSE_KINDS(MS_MISUSE_NAME_)
#undef MS_MISUSE_NAME_
};

const char *ms_misuse_kind_name(enum ms_misuse_kind kind)
{
	return (unsigned)kind < MS_MISUSE_KIND_COUNT ? kind_names[kind] : NULL;
}

void ms_misuse(enum ms_misuse_kind kind, const char *function, const char *file, int line,
	       const char *fmt, ...)
{
	/*
	 * The site and up to four names in the detail, each at most one
	 * ms_shown, and room to spare for the wording around them: the
	 * longest message (a mistyped field: field, its type, the type it is
	 * described as, the block's type) is never cut.
	 */
	char message[6 * sizeof(struct ms_shown) + 256];
	struct ms_shown_site site = ms_show_site(file, line);
	int prefix = snprintf(message, sizeof message, "memstats: %s: %s: ", site.text, function);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message + prefix, sizeof message - (size_t)prefix, fmt, ap);
	va_end(ap);
	atomic_fetch_add_explicit(&misuse_count, 1, memory_order_relaxed);
	const struct handler *h = atomic_load_explicit(&current, memory_order_acquire);
	/* An address site has no file to hand on: the handler gets it as shown, "object+0xOFFSET". */
	struct ms_misuse report = line == MS_LINE_ADDRESS
					  ? (struct ms_misuse){ kind, function, site.text, 0, message }
					  : (struct ms_misuse){ kind, function, file ? file : "?", line,
								message };
	h->fn(&report, h->context);
}

int64_t ms_misuse_total(void)
{
	return atomic_load_explicit(&misuse_count, memory_order_relaxed);
}

void ms_misuse_total_reset(void)
{
	atomic_store_explicit(&misuse_count, 0, memory_order_relaxed);
}
