/* text.c: names as memstats prints them, control bytes and invalid UTF-8 escaped, long names cut; call sites as file:line or object+offset. */
#define _GNU_SOURCE     /* dladdr */
#include "text.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/*
 * One character of a name as printed: `in` bytes of the name become
 * `text`, `len` bytes long, which takes `width` columns.
 */
struct unit {
	size_t in;
	char text[9];   /* the longest is a C1 control's two escaped bytes, "\xc2\x9b" */
	size_t len;
	size_t width;
};

/*
 * The length (2 to 4) of the well-formed UTF-8 sequence at `s`, or 0:
 * Unicode's table of well-formed sequences, so no overlong form, no
 * surrogate and nothing above U+10FFFF passes. A NUL fails the byte
 * checks, so nothing past the end is read.
 */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;   /* the range of the second byte */
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* The character or byte at `name` (not its NUL), as printed. */
static struct unit next_unit(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	struct unit u = { .in = 1 };
	size_t sequence = s[0] >= 0x80 ? utf8_sequence(s) : 0;
	/* U+0080..U+009F are control characters too: some terminals obey them */
	bool c1 = sequence == 2 && s[0] == 0xc2 && s[1] < 0xa0;
	if (sequence && !c1) {
		memcpy(u.text, s, sequence);
		u.in = u.len = sequence;
		u.width = 1;
		return u;
	}
	if (c1)
		u.in = 2;
	if (s[0] == '\n' || s[0] == '\t' || s[0] == '\\') {
		u.text[0] = '\\';
		u.text[1] = s[0] == '\n' ? 'n' : s[0] == '\t' ? 't' : '\\';
		u.len = 2;
	} else if (s[0] >= 0x20 && s[0] < 0x7f) {
		u.text[0] = (char)s[0];
		u.len = 1;
	} else {
		for (size_t i = 0; i < u.in; i++)
			u.len += (size_t)snprintf(u.text + u.len, sizeof u.text - u.len, "\\x%02x", s[i]);
	}
	u.width = u.len;
	return u;
}

size_t ms_text_width(const char *name)
{
	size_t width = 0;
	for (const char *at = name; *at;) {
		struct unit u = next_unit(at);
		width += u.width;
		at += u.in;
	}
	return width;
}

int ms_text_print(const char *name, FILE *out)
{
	/* What prints as it is goes out in runs, so a plain name is one write. */
	const char *run = name;
	int failed = 0;
	for (const char *at = name; *at;) {
		struct unit u = next_unit(at);
		if (u.len != u.in || memcmp(u.text, at, u.in) != 0) {
			failed |= fwrite(run, 1, (size_t)(at - run), out) != (size_t)(at - run);
			failed |= fwrite(u.text, 1, u.len, out) != u.len;
			run = at + u.in;
		}
		at += u.in;
	}
	failed |= fputs(run, out) == EOF;
	return failed ? -1 : 0;
}

size_t ms_text_clip(const char *name, size_t columns, char *buf)
{
	/* `fits`: the length and width of what is kept if "..." must follow */
	size_t len = 0, width = 0, fits_len = 0, fits_width = 0;
	for (const char *at = name; *at;) {
		struct unit u = next_unit(at);
		if (width + u.width > columns) {
			memcpy(buf + fits_len, "...", 4);
			return fits_width + 3;
		}
		memcpy(buf + len, u.text, u.len);
		len += u.len;
		width += u.width;
		if (width + 3 <= columns) {
			fits_len = len;
			fits_width = width;
		}
		at += u.in;
	}
	buf[len] = '\0';
	return width;
}

struct ms_shown ms_show(const char *name)
{
	struct ms_shown shown;
	ms_text_clip(name, MS_SHOWN_COLUMNS, shown.text);
	return shown;
}

const char *ms_code_object(const void *address, uintptr_t *offset)
{
	Dl_info info;
	if (!dladdr(address, &info) || !info.dli_fname) {
		*offset = (uintptr_t)address;
		return "?";
	}
	*offset = (uintptr_t)address - (uintptr_t)info.dli_fbase;
	const char *slash = strrchr(info.dli_fname, '/');
	return slash ? slash + 1 : info.dli_fname;
}

struct ms_shown_site ms_show_site(const char *file, int line)
{
	struct ms_shown_site shown;
	uintptr_t offset = 0;
	bool address = line == MS_LINE_ADDRESS;
	const char *name = address ? ms_code_object(file, &offset) : file ? file : "?";
	ms_text_clip(name, MS_SHOWN_COLUMNS, shown.text);
	size_t len = strlen(shown.text);
	if (address)
		snprintf(shown.text + len, sizeof shown.text - len, "+0x%" PRIxPTR, offset);
	else
		snprintf(shown.text + len, sizeof shown.text - len, ":%d", line);
	return shown;
}
