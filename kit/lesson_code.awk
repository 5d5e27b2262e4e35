# lesson_code.awk: the chapters' code between "lesson code" markers, as C string macros, so a lesson shows the code that runs.
#
# In a chapter's source, a region to show sits between two comment lines:
#     /* lesson code: NAME */
#     ... the code, compiled and run like any other ...
#     /* end lesson code */
# and becomes `#define LESSON_CODE_NAME "..."`: its lines with the
# region's common leading tabs removed, and indented as flush_region says;
# and `#define LESSON_LINE_NAME N`, N the line number of its first line in
# its file, so a lesson can show the code numbered as a debugger names it.
# A tab after the indentation, an unended region or a name used twice
# stops the build, naming the file and line.

function fail(what) {
	printf "%s:%d: %s\n", FILENAME, FNR, what > "/dev/stderr"
	failed = 1
	exit 1
}

function escape(text,    i, c, out) {
	out = ""
	for (i = 1; i <= length(text); i++) {
		c = substr(text, i, 1)
		out = out (c == "\\" || c == "\"" ? "\\" : "") c
	}
	return out
}

# Print the region's lines as one macro. A line indented by tabs alone
# sets the level, four spaces a tab; a line whose tabs are followed by
# spaces is aligned to something on the line that set the level (at eight
# columns a tab, as the source is read), so it keeps that alignment.
function flush_region(    i, line, tabs, spaces, least, level, column, out) {
	least = -1
	for (i = 1; i <= count; i++) {
		if (lines[i] == "")
			continue
		match(lines[i], /^\t*/)
		if (least < 0 || RLENGTH < least)
			least = RLENGTH
	}
	level = 0
	printf "#define LESSON_CODE_%s \\\n", name
	for (i = 1; i <= count; i++) {
		line = lines[i]
		if (line != "") {
			match(line, /^\t*/)
			tabs = RLENGTH - least
			line = substr(line, RLENGTH + 1)
			match(line, /^ */)
			spaces = RLENGTH
			line = substr(line, spaces + 1)
			if (spaces == 0) {
				level = tabs
				column = 4 * tabs
			} else {
				column = 8 * tabs + spaces - 4 * level
			}
			if (column < 0)
				fail("lesson code " name ": a line is aligned left of its level")
			out = ""
			while (column-- > 0)
				out = out " "
			line = out line
		}
		printf "\t\"%s%s\"%s\n", escape(line), i < count ? "\\n" : "", i < count ? " \\" : ""
	}
	printf "#define LESSON_LINE_%s %d\n\n", name, first
}

BEGIN {
	print "/* lesson_code.h: made by kit/lesson_code.awk from the chapters' sources; do not edit. */"
	print "#ifndef LESSON_CODE_H"
	print "#define LESSON_CODE_H"
	print ""
}

FNR == 1 && name != "" {
	fail("lesson code " name " runs past the end of the file before this one")
}

/^[ \t]*\/\* lesson code: [A-Za-z0-9_]+ \*\/[ \t]*$/ {
	if (name != "")
		fail("lesson code " name " is not ended before another begins")
	name = $0
	sub(/^[ \t]*\/\* lesson code: /, "", name)
	sub(/ \*\/[ \t]*$/, "", name)
	if (name in seen)
		fail("lesson code " name " is defined twice")
	seen[name] = 1
	count = 0
	first = FNR + 1
	next
}

/^[ \t]*\/\* end lesson code \*\/[ \t]*$/ {
	if (name == "")
		fail("end lesson code without a beginning")
	if (count == 0)
		fail("lesson code " name " is empty")
	flush_region()
	name = ""
	next
}

name != "" {
	match($0, /^\t*/)
	if (index(substr($0, RLENGTH + 1), "\t") > 0)
		fail("a tab inside a line of lesson code " name " (only leading tabs are allowed)")
	lines[++count] = $0
}

END {
	if (failed)
		exit 1
	if (name != "")
		fail("lesson code " name " is not ended")
	print "#endif"
}
