# Makefile: the one entry point of the memstats workbook (see README.md).
#
# Builds live in separate trees so their objects never mix:
#   build/plain  -O2 -g, what `make`, `make chapterN` and `make test` use
#   build/asan   -fsanitize=address,undefined, what `make check` uses
#   build/bench  -O2 -g, no sanitizers, what `make bench` uses
#   build/fault  ASan+UBSan and -DMS_FAULT_INJECTION: allocation failure on demand
#   build/tsan   -fsanitize=thread, what `make check-tsan` uses
#   build/fuzz   clang, libFuzzer with ASan+UBSan, what `make fuzz` uses

CC      ?= cc
CSTD    := -std=c17
WARN    := -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
DEPFLAGS = -MMD -MP
LDLIBS  := -pthread
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV := ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TSAN    := -fsanitize=thread

LIB_SRC     := $(sort $(wildcard lib/*.c))
KIT_SRC     := $(sort $(wildcard kit/*.c))
CHAPTER_SRC := $(sort $(wildcard chapters/chapter[0-9]*_*.c))
# What more than one chapter uses: chapters/chapters.c.
SHARED_SRC  := $(filter-out $(CHAPTER_SRC),$(wildcard chapters/*.c))
# tests/test_util.c holds the helpers every test shares (tests/test_util.h), not a test.
TEST_UTIL_SRC := tests/test_util.c
TEST_SRC    := $(filter-out $(TEST_UTIL_SRC),$(sort $(wildcard tests/test_*.c)))
# tests/checkers_probe.c is a program of its own, run under valgrind by make check.
PROBE_SRC   := tests/checkers_probe.c
TESTLIB_SRC := $(TEST_UTIL_SRC) $(filter-out tests/test_% $(PROBE_SRC),$(wildcard tests/*.c))

# The parts of the workbook, each a top directory, and the include path
# each part's files are compiled with: their own part and the parts they
# may use, nothing else, so an include across the line does not compile.
# make check-parts holds every #include "..." to the same lists, relative
# ones ("../kit/lesson.h") too.
#   lib        the library, on its own
#   kit        the lesson kit every program prints with, on the library
#   chapters, exercises, bench, census-tool: on the library and the kit, never on each other
#   tests      on what they test (build/gen holds the chapters' lesson code)
# An exercise's tests (its test.c, exercises/test_*.c and the helpers only
# they include) are the exercises' part with the tests' helpers.
INCLUDES_lib       := -Ilib
INCLUDES_kit       := -Ikit -Ilib
INCLUDES_chapters  := -Ichapters -Ikit -Ilib -Ibuild/gen
INCLUDES_exercises := -Iexercises -Ikit -Ilib
INCLUDES_bench     := -Ibench -Ikit -Ilib
INCLUDES_census-tool := -Icensus-tool -Ikit -Ilib
INCLUDES_tests     := -Itests -Ichapters -Ikit -Ilib -Icensus-tool
INCLUDES_exercise-tests := -Iexercises -Itests -Ikit -Ilib
EXERCISE_TEST_FILES := exercises/%/test.c exercises/test_%.c exercises/strategy_test.h
# The part of a file: $(1) = its path from the top.
part_of = $(if $(filter $(EXERCISE_TEST_FILES),$(1)),exercise-tests,$(firstword $(subst /, ,$(1))))
includes = $(INCLUDES_$(call part_of,$(1)))

# Chapter 6's program of its own (chapters/chapter6/), which the chapter runs
# under ./census: plain C that knows nothing of memstats, so it is built on
# its own, -O0 -g, so that each malloc's return address lies in the function
# and on the line that calls it (at -O2 gcc may inline a function, or turn its
# last call into a jump, and the census would name its caller); a break of it
# is built beside the chapter's break. The chapter finds both, and ./census,
# from the workbook's top, given as CHAPTER6_TOP.
CHAPTER6_PROGRAM_SRC := chapters/chapter6/wordcount.c
CHAPTER6_PROGRAM     := build/plain/chapters/chapter6/wordcount

# chapters/chapter1_summary.c -> chapter1
chapter_name = $(firstword $(subst _, ,$(notdir $(basename $(1)))))
CHAPTERS    := $(foreach c,$(CHAPTER_SRC),$(call chapter_name,$(c)))

VALGRIND := valgrind --quiet --error-exitcode=1 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all
# Chapters that leak on purpose: tests/valgrind-check.sh holds valgrind's
# "definitely lost" to the figure they print, and every other kind to 0.
LEAKING_CHAPTERS := chapter4

.PHONY: all deps test check plots bless clean help bench bench-callgrind bench-tools
all: $(CHAPTERS) census

help:
	@echo "make              the library and every chapter"
	@echo "make chapterN     ./chapterN, one lesson"
	@echo "make chapterN BREAK=name  ./chapterN with one of its lesson's Break it changes"
	@echo "make census       ./census -- PROGRAM ARGS: any program's heap, by site, size class and time"
	@echo "make deps         install what the tests and the benchmark need (cmocka, gnuplot, valgrind, clang, other mallocs, cJSON)"
	@echo "make test         every cmocka test"
	@echo "make check        the tests under ASan+UBSan, the chapters under valgrind, the five below"
	@echo "make check-headers  lib's headers: each names its owning .c, and their includes form no cycle"
	@echo "make check-parts  every #include within what its part may use (the layout in README.md)"
	@echo "make check-fault  every chapter and call with each of its allocations failing in turn"
	@echo "make check-tsan   the threaded tests under ThreadSanitizer"
	@echo "make check-fuzz   the fuzz target, a bounded run from the committed seeds"
	@echo "make fuzz         the fuzz target for FUZZ_SECONDS (default 60)"
	@echo "make plots        the chapters' data and plots in plots/out/"
	@echo "make bless        rewrite tests/expected/ and the lessons' output blocks"
	@echo "make exercises    check your exercises/*/exercise.c in order; stops at the first unsolved"
	@echo "make solutions    check every reference solution (make test does too)"
	@echo "make strategies   ./strategies, every reference strategy compared (MINE=1: yours where solved)"
	@echo "make bench        memstats against raw malloc: the table, plots/out/bench.png"
	@echo "make bench-callgrind  instructions per tracked and raw pair, under callgrind"
	@echo "make bench-tools  the churn under heaptrack and valgrind beside raw malloc and memstats"
	@echo "make bench-census ./census, heaptrack and plain runs of real programs: wall time and ratios"
	@echo "make bench-json   case 8's cJSON parse+delete through memstats and layouts that copy parts of it"
	@echo "make bench-json-profile  case 8 under callgrind and cachegrind: instructions and misses by function"
	@echo "make clean        remove build/ and the chapter programs"

# The code a lesson shows is cut from the chapters' sources between
# "lesson code" markers, so it is always the code that runs.
LESSON_CODE_H := build/gen/lesson_code.h
LESSON_CODE_SRC := $(CHAPTER_SRC) $(sort $(wildcard chapters/chapter[0-9]*_*.h)) $(CHAPTER6_PROGRAM_SRC)
$(LESSON_CODE_H): kit/lesson_code.awk $(LESSON_CODE_SRC)
	@mkdir -p $(@D)
	awk -f kit/lesson_code.awk $(LESSON_CODE_SRC) > $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------------------
# One template per build tree: $(1) = tree name, $(2) = extra flags.
define BUILD_TREE
$(1)_DIR  := build/$(1)
$(1)_LIB  := build/$(1)/libmemstats.a
$(1)_LIBO := $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC))
$(1)_KITO := $$(patsubst %.c,build/$(1)/%.o,$$(KIT_SRC))
$(1)_SHAREDO := $$(patsubst %.c,build/$(1)/%.o,$$(SHARED_SRC))
$(1)_NOMAIN := $$(patsubst %.c,build/$(1)/%.nomain.o,$$(CHAPTER_SRC))
$(1)_TESTLIBO := $$(patsubst %.c,build/$(1)/%.o,$$(TESTLIB_SRC))
$(1)_TESTUTILO := $$(patsubst %.c,build/$(1)/%.o,$$(TEST_UTIL_SRC))
$(1)_TESTS := $$(patsubst tests/%.c,build/$(1)/tests/%,$$(TEST_SRC))

build/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS) $(2) $$(DEPFLAGS) $$(call includes,$$<) -c $$< -o $$@

build/$(1)/%.nomain.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS) $(2) $$(DEPFLAGS) -DMS_NO_MAIN $$(call includes,$$<) -c $$< -o $$@

# A chapter includes the lesson code, which must exist before its first build.
$$(patsubst %.c,build/$(1)/%.o,$$(CHAPTER_SRC)) $$($(1)_NOMAIN): $$(LESSON_CODE_H)

$$($(1)_LIB): $$($(1)_LIBO)
	@rm -f $$@
	$$(AR) rcs $$@ $$^

build/$(1)/tests/test_%: build/$(1)/tests/test_%.o $$($(1)_TESTLIBO) $$($(1)_NOMAIN) $$($(1)_SHAREDO) \
		$$($(1)_KITO) $$($(1)_LIB)
	$$(CC) $$(CFLAGS) $(2) $$^ -o $$@ -lcmocka $$(LDLIBS)

-include $$(wildcard build/$(1)/*/*.d)
endef

$(eval $(call BUILD_TREE,plain,))
$(eval $(call BUILD_TREE,asan,$(SAN)))
$(eval $(call BUILD_TREE,bench,))
$(eval $(call BUILD_TREE,fault,$(SAN) -DMS_FAULT_INJECTION))
$(eval $(call BUILD_TREE,tsan,$(TSAN)))

# What memstats tells valgrind, checked by tests/valgrind-check.sh in make check.
build/plain/tests/checkers_probe: build/plain/tests/checkers_probe.o $(plain_LIB)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# ---------------------------------------------------------------------------
# Breaks: the "Break it" changes of the lessons, as build switches. A
# chapter's source marks one with `#ifdef BREAK_GROW_BY_ONE` (or #ifndef);
# `make chapter1 BREAK=grow-by-one` builds ./chapter1 with it, and make
# test builds every one as build/break/<break>/chapterN for the tests.
break_macro = BREAK_$(shell printf '%s' '$(1)' | tr 'a-z-' 'A-Z_')
break_marks = $(shell sed -n 's/^\#if.*[^A-Za-z0-9_]BREAK_\([A-Z0-9_]*\).*/\1/p' $(1) | sort -u | tr 'A-Z_' 'a-z-')
# chapter1:grow-by-one ...: each chapter with each break its source marks.
BREAKS := $(foreach c,$(CHAPTER_SRC),$(foreach b,$(call break_marks,$(c)),$(call chapter_name,$(c)):$(b)))
BREAK_BINARIES := $(foreach b,$(BREAKS),build/break/$(word 2,$(subst :, ,$(b)))/$(word 1,$(subst :, ,$(b))))

# $(1) = chapters/chapterN_<topic>.c, $(2) = a break its source marks.
define BREAK_RULE
build/break/$(2)/$(basename $(1)).o: $(1) $$(LESSON_CODE_H)
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS) $$(DEPFLAGS) -D$(call break_macro,$(2)) $(call includes,$(1)) -c $$< -o $$@

build/break/$(2)/$(call chapter_name,$(1)): build/break/$(2)/$(basename $(1)).o $$(plain_SHAREDO) $$(plain_KITO) $$(plain_LIB)
	$$(CC) $$(CFLAGS) $$^ -o $$@ $$(LDLIBS)
endef
$(foreach c,$(CHAPTER_SRC),$(foreach b,$(call break_marks,$(c)),$(eval $(call BREAK_RULE,$(c),$(b)))))
-include $(wildcard build/break/*/chapters/*.d)

# What ./chapterN was last built with, rewritten only when BREAK changes, so it is relinked then.
BREAK_STAMP := build/break.stamp
$(shell mkdir -p build && { [ -f $(BREAK_STAMP) ] && [ "$$(cat $(BREAK_STAMP))" = '$(BREAK)' ] || \
	printf '%s' '$(BREAK)' > $(BREAK_STAMP); })

# ./chapterN at the top, from the plain tree, or with BREAK=<break> from that break's build.
define CHAPTER_RULE
$(call chapter_name,$(1)): $(BREAK_STAMP) $(if $(BREAK),$(if $(filter $(call chapter_name,$(1)):$(BREAK),$(BREAKS)),build/break/$(BREAK)/$(call chapter_name,$(1))),build/plain/$(basename $(1)).o $$(plain_SHAREDO) $$(plain_KITO) $$(plain_LIB))
	$(if $(BREAK),$(if $(filter $(call chapter_name,$(1)):$(BREAK),$(BREAKS)),cp build/break/$(BREAK)/$$@ $$@,@echo "$$@ has no break '$(BREAK)'; its breaks:$(patsubst $(call chapter_name,$(1)):%, %,$(filter $(call chapter_name,$(1)):%,$(BREAKS)))" >&2; exit 2),$$(CC) $$(CFLAGS) $$(filter-out $(BREAK_STAMP),$$^) -o $$@ $$(LDLIBS))
endef
$(foreach c,$(CHAPTER_SRC),$(eval $(call CHAPTER_RULE,$(c))))

# ---------------------------------------------------------------------------
# Chapter 6 runs its program under ./census: both are built before it runs.
CHAPTER6_BREAK_PROGRAMS := $(patsubst %/chapter6,%/chapters/chapter6/wordcount,$(filter %/chapter6,$(BREAK_BINARIES)))
%/chapter6_census.o %/chapter6_census.nomain.o: CFLAGS += -DCHAPTER6_TOP='"$(CURDIR)"'

$(CHAPTER6_PROGRAM): $(CHAPTER6_PROGRAM_SRC)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -O0 -g $< -o $@

build/break/%/chapters/chapter6/wordcount: $(CHAPTER6_PROGRAM_SRC)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -O0 -g -D$(call break_macro,$*) $< -o $@

CHAPTER6_NEEDS := census $(CHAPTER6_PROGRAM) $(CHAPTER6_BREAK_PROGRAMS)
chapter6 $(filter %/chapter6,$(BREAK_BINARIES)) $(foreach t,plain asan fault,build/$(t)/tests/test_chapter6 \
	build/$(t)/tests/fault/test_fault_chapters): | $(CHAPTER6_NEEDS)

# ---------------------------------------------------------------------------
# Dependencies: install what is missing when we may, else say how.
DEB_PACKAGES := libcmocka-dev gnuplot-nox valgrind clang libclang-rt-14-dev \
	libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 libcjson-dev libdw-dev heaptrack
deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

# A compile probe: can this compiler find cmocka?
CMOCKA_PROBE = printf '\#include <stdarg.h>\n\#include <stddef.h>\n\#include <stdint.h>\n\#include <setjmp.h>\n\#include <cmocka.h>\nint main(void){return 0;}\n' | \
	$(CC) -x c - -o /dev/null -lcmocka >/dev/null 2>&1

.PHONY: need-cmocka
need-cmocka:
	@$(CMOCKA_PROBE) || $(MAKE) --no-print-directory deps

test: need-cmocka
	@$(MAKE) --no-print-directory $(plain_TESTS) $(CHAPTERS) census $(BREAK_BINARIES) $(plain_EXERCISE_CHECKS) \
	   $(plain_STARTERS) strategies
	@sh tests/run-all.sh "" $(plain_TESTS) $(plain_EXERCISE_CHECKS)

check: need-cmocka check-headers check-parts
	@$(MAKE) --no-print-directory $(asan_TESTS) $(CHAPTERS) census $(BREAK_BINARIES) $(asan_EXERCISE_CHECKS) \
	   $(asan_STARTERS) strategies
	@$(SAN_ENV) sh tests/run-all.sh "" $(asan_TESTS) $(asan_EXERCISE_CHECKS)
	@for c in $(filter-out $(LEAKING_CHAPTERS),$(CHAPTERS)); do \
	   echo "valgrind ./$$c"; \
	   $(VALGRIND) ./$$c > /dev/null || { echo "valgrind found errors in ./$$c"; exit 1; }; \
	 done
	@for c in $(filter $(LEAKING_CHAPTERS),$(CHAPTERS)); do \
	   sh tests/valgrind-check.sh ./$$c || exit 1; \
	 done
	@$(MAKE) --no-print-directory build/plain/tests/checkers_probe
	@sh tests/valgrind-check.sh build/plain/tests/checkers_probe
	@$(MAKE) --no-print-directory check-fault check-tsan check-fuzz
	@! grep -rniE 'issu[e] [0-9]|sessio[n] [0-9]' --exclude-dir=.git --exclude-dir=build . || \
	   { echo "make check: the lines above speak of the work's history; git log keeps it"; exit 1; }
	@[ $$(wc -l < README.md) -lt 250 ] || \
	   { echo "make check: README.md has grown to 250 lines; the rest belongs in docs/"; exit 1; }
	@echo "make check: clean"

# lib's headers: each opens naming the .c that owns it, and no include comes back round.
.PHONY: check-headers
check-headers:
	@sh tests/lib-headers.sh lib

# Every #include of every part's files, held to the include path the part is compiled with
# (the generated lesson code first, so the chapters' includes of it are found).
PART_FILES := $(sort $(wildcard $(foreach d,lib kit chapters bench exercises census-tool tests,$(d)/*.[ch] $(d)/*/*.[ch])))
.PHONY: check-parts
check-parts: $(LESSON_CODE_H)
	@sh tests/parts.sh --self-test
	@printf '%s\n' $(foreach f,$(PART_FILES),'$(f) $(call includes,$(f))') | sh tests/parts.sh

# ---------------------------------------------------------------------------
# Plots: a script plots/NAME.gp with a line "# chapter: chapterN" is drawn
# from that chapter's --data; the images land beside the data in plots/out.
PLOT_DIR      := plots/out
PLOT_SCRIPTS  := $(sort $(shell grep -l '^\# chapter: ' plots/*.gp 2>/dev/null))
PLOT_CHAPTERS := $(sort $(if $(PLOT_SCRIPTS),$(shell sed -n 's/^\# chapter: *//p' $(PLOT_SCRIPTS))))

plots: $(PLOT_CHAPTERS)
	@mkdir -p $(PLOT_DIR)
	@for c in $(PLOT_CHAPTERS); do \
	   ./$$c --data $(PLOT_DIR) > /dev/null || { echo "./$$c --data $(PLOT_DIR) failed"; exit 1; }; \
	 done
	@if ! command -v gnuplot > /dev/null 2>&1; then \
	   echo "make plots: the data is in $(PLOT_DIR)/; gnuplot is missing, so no images."; \
	   echo "  make deps  (or, as root: apt-get update && apt-get install -y gnuplot-nox), then make plots again"; \
	 else \
	   for gp in $(PLOT_SCRIPTS); do \
	     png=$(PLOT_DIR)/$$(basename $$gp .gp).png; \
	     gnuplot -e "outfile='$$png'" $$gp || exit 1; \
	     echo "wrote $$png"; \
	   done; \
	 fi

bless: need-cmocka
	@$(MAKE) --no-print-directory $(filter build/plain/tests/test_chapter%,$(plain_TESTS)) $(CHAPTERS)
	@for t in $(filter build/plain/tests/test_chapter%,$(plain_TESTS)); do \
	   MS_BLESS=1 ./$$t > /dev/null || exit 1; done
	@$(MAKE) --no-print-directory build/plain/exercises/test_strategies
	@MS_BLESS=1 ./build/plain/exercises/test_strategies > /dev/null || exit 1
	@git diff --stat -- tests/expected chapters 2>/dev/null || true

# ---------------------------------------------------------------------------
# Benchmark: bench/bench.c, bench/churn_run.c and bench/json_run.c are the mains,
# the other bench/*.c the cases they share, with the lesson kit for the data
# file and the messages every program writes. The plot is drawn quietly after the run,
# so the churn ratio stays the last line printed.
BENCH_MAINS := bench/bench.c bench/churn_run.c bench/json_run.c bench/census_churn.c
BENCH_OBJ   := $(patsubst %.c,build/bench/%.o,$(filter-out $(BENCH_MAINS),$(sort $(wildcard bench/*.c)))) \
	$(bench_KITO)
BENCH_CALLGRIND_PAIRS := 200000
BENCH_TOOLS_PAIRS := 2000000
BENCH_JSON_RUNS := 5

# cJSON (libcjson-dev) is what case 8 parses with; make and make test never
# need it, and without it the benchmark builds and case 8 says how to get it.
# Whether it is there is asked only when a benchmark program is built, and
# kept in $(CJSON_FOUND), rewritten only when the answer changes, so bench/json.c
# is compiled again then.
CJSON_FOUND := build/bench/cjson.found
CJSON_PROBE = printf '\#include <cjson/cJSON.h>\nint main(void){cJSON_Delete(cJSON_Parse("1"));return 0;}\n' | \
	$(CC) -x c - -o /dev/null -lcjson >/dev/null 2>&1
BENCH_CJSON = $(filter yes,$(file < $(CJSON_FOUND)))
JSON_HOW_TO_GET := make deps, or as root: apt-get install -y libcjson-dev
.PHONY: cjson-probe
$(CJSON_FOUND): cjson-probe
	@mkdir -p $(@D)
	@if $(CJSON_PROBE); then found=yes; else found=no; fi; \
	 [ "$$(cat $@ 2>/dev/null)" = $$found ] || echo $$found > $@

build/bench/bench/json.o: $(CJSON_FOUND)
build/bench/bench/json.o: CFLAGS += $(if $(BENCH_CJSON),-DBENCH_CJSON)

build/bench/memstats-bench: build/bench/bench/bench.o $(BENCH_OBJ) $(bench_LIB)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lm $(if $(BENCH_CJSON),-lcjson)

build/bench/memstats-churn: build/bench/bench/churn_run.o $(BENCH_OBJ) $(bench_LIB)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lm $(if $(BENCH_CJSON),-lcjson)

build/bench/memstats-json: build/bench/bench/json_run.o $(BENCH_OBJ) $(bench_LIB)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lm -lcjson

bench: build/bench/memstats-bench
	@mkdir -p $(PLOT_DIR)
	@./build/bench/memstats-bench --data $(PLOT_DIR)
	@if command -v gnuplot > /dev/null 2>&1; then \
	   gnuplot -e "datafile='$(PLOT_DIR)/bench.dat'; outfile='$(PLOT_DIR)/bench.png'" \
	     plots/bench.gp > build/bench/gnuplot.log 2>&1 || \
	     { cat build/bench/gnuplot.log; echo "make bench: gnuplot failed on plots/bench.gp"; exit 1; }; \
	 fi

bench-callgrind: build/bench/memstats-churn
	@sh bench/callgrind.sh build/bench/memstats-churn $(BENCH_CALLGRIND_PAIRS) \
	   build/bench/callgrind.out

bench-tools: build/bench/memstats-churn
	@sh bench/tools.sh build/bench/memstats-churn $(BENCH_TOOLS_PAIRS) build/bench/tools

# The cJSON workload's own programs need cJSON: without it they say how to get it.
# make bench-census: real programs plain, under ./census and under heaptrack,
# wall time as medians of BENCH_CENSUS_RUNS interleaved runs (bench/census.sh;
# docs/performance.md has the figures). census-churn is its threaded
# program: plain malloc and free, no memstats, so the census sees it as any.
BENCH_CENSUS_RUNS := 7
build/bench/census-churn: build/bench/bench/census_churn.o
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

.PHONY: bench-census
bench-census: census build/bench/census-churn
	@bash bench/census.sh ./census build/bench/census-churn $(BENCH_CENSUS_RUNS) build/bench/census

.PHONY: need-cjson bench-json bench-json-profile
need-cjson: $(CJSON_FOUND)
	@[ "$(BENCH_CJSON)" ] || { echo "cJSON is missing: $(JSON_HOW_TO_GET)" >&2; exit 1; }

bench-json: need-cjson
	@$(MAKE) --no-print-directory build/bench/memstats-json
	@sh bench/json.sh build/bench/memstats-json $(BENCH_JSON_RUNS) build/bench/json

bench-json-profile: need-cjson
	@$(MAKE) --no-print-directory build/bench/memstats-json
	@sh bench/json_profile.sh build/bench/memstats-json build/bench/json-profile

# ---------------------------------------------------------------------------
# Exercises. exercises/NN_<topic>/ holds exercise.c (the
# learner's), solution.c (the reference), test.c, and any other .c the two
# share; test.c is linked with each side: test-exercise and test-solution.
# exercises/*.c: the strategy baseline and traces every exercise shares,
# the comparison program strategies.c, and the tests of the whole (test_*.c).
EXERCISE_DIRS     := $(sort $(wildcard exercises/[0-9][0-9]_*))
EXERCISE_COMMON   := exercises/strategy.c exercises/traces.c
EXERCISE_PROGRAMS := $(sort $(wildcard exercises/test_*.c))
# An exercise built on another links that one's same side: size classes are pools.
EXERCISE_USES_05_size_classes := exercises/02_pool

# The .c files an exercise's two sides share: $(1) = exercises/NN_<topic>.
exercise_shared = $(filter-out $(1)/exercise.c $(1)/solution.c $(1)/test.c,$(wildcard $(1)/*.c))
# The objects one side needs: $(1) = tree, $(2) = exercise dir, $(3) = exercise or solution.
exercise_objs = $(sort $(foreach d,$(2) $(EXERCISE_USES_$(notdir $(2))),build/$(1)/$(d)/$(3).o \
	$(patsubst %.c,build/$(1)/%.o,$(call exercise_shared,$(d)))))
# Every reference at once, for the comparison program: $(1) = tree.
solution_objs = $(sort $(foreach d,$(EXERCISE_DIRS),$(call exercise_objs,$(1),$(d),solution)))

# $(1) = tree, $(2) = its extra flags.
define EXERCISE_TREE
$(1)_EXCOMMON := $$(patsubst %.c,build/$(1)/%.o,$$(EXERCISE_COMMON))
$(1)_STARTERS := $$(foreach d,$$(EXERCISE_DIRS),build/$(1)/$$(d)/test-exercise)
$(1)_EXERCISE_CHECKS := $$(foreach d,$$(EXERCISE_DIRS),build/$(1)/$$(d)/test-solution) \
	$$(patsubst %.c,build/$(1)/%,$$(EXERCISE_PROGRAMS))

# Named, so make keeps them: what only a pattern rule reaches counts as intermediate and is deleted.
.SECONDARY: $$(patsubst %.c,build/$(1)/%.o,$$(EXERCISE_PROGRAMS)) build/$(1)/exercises/strategies.nomain.o

build/$(1)/exercises/test_%: build/$(1)/exercises/test_%.o build/$(1)/exercises/strategies.nomain.o \
		$(call solution_objs,$(1)) $$($(1)_EXCOMMON) $$($(1)_TESTLIBO) $$($(1)_KITO) $$($(1)_LIB)
	$$(CC) $$(CFLAGS) $(2) $$^ -o $$@ -lcmocka $$(LDLIBS)

-include $$(wildcard build/$(1)/exercises/*/*.d)
endef

# $(1) = tree, $(2) = its extra flags, $(3) = exercise dir, $(4) = exercise or solution.
define EXERCISE_TEST
build/$(1)/$(3)/test-$(4): build/$(1)/$(3)/test.o $(call exercise_objs,$(1),$(3),$(4)) \
		$$($(1)_EXCOMMON) $$($(1)_TESTUTILO) $$($(1)_LIB)
	$$(CC) $$(CFLAGS) $(2) $$^ -o $$@ -lcmocka $$(LDLIBS)
endef

$(eval $(call EXERCISE_TREE,plain,))
$(eval $(call EXERCISE_TREE,asan,$(SAN)))
$(foreach d,$(EXERCISE_DIRS),$(foreach side,exercise solution, \
	$(eval $(call EXERCISE_TEST,plain,,$(d),$(side))) \
	$(eval $(call EXERCISE_TEST,asan,$(SAN),$(d),$(side)))))

# ./strategies: every reference on the same traces, one table (and --data).
# With MINE=1, your exercise.c instead wherever its test passes, so an
# exercise's questions can be answered with your own numbers (size classes
# then stand on whichever pool that rule picked).
# Worked out only where ./strategies is built, so nested makes do not run every test again.
ifneq ($(MINE),)
ifneq ($(filter strategies plots,$(MAKECMDGOALS)),)
MINE_SOLVED := $(foreach d,$(EXERCISE_DIRS),$(if $(shell $(MAKE) -s --no-print-directory MINE= \
	build/plain/$(d)/test-exercise >/dev/null 2>&1 && build/plain/$(d)/test-exercise >/dev/null 2>&1 \
	&& echo passes),$(d)))
endif
endif
strategies_side = $(if $(filter $(1),$(MINE_SOLVED)),exercise,solution)
STRATEGIES_OBJS := $(sort $(foreach d,$(EXERCISE_DIRS),build/plain/$(d)/$(call strategies_side,$(d)).o \
	$(patsubst %.c,build/plain/%.o,$(call exercise_shared,$(d)))))
STRATEGIES_MAIN := $(if $(MINE),build/mine/exercises/strategies.o,build/plain/exercises/strategies.o)
comma := ,
MINE_NAMES = $(subst $(eval) ,$(comma) ,$(strip $(notdir $(MINE_SOLVED))))

# What ./strategies was last built from, rewritten only when that changes, so it is relinked then.
MINE_STAMP := build/mine.stamp
$(shell mkdir -p build && { [ -f $(MINE_STAMP) ] && [ "$$(cat $(MINE_STAMP))" = '$(MINE) $(MINE_SOLVED)' ] || \
	printf '%s' '$(MINE) $(MINE_SOLVED)' > $(MINE_STAMP); })

build/mine/exercises/strategies.o: exercises/strategies.c $(MINE_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(DEPFLAGS) '-DSTRATEGIES_MINE="$(MINE_NAMES)"' \
		$(call includes,$<) -c $< -o $@

-include $(wildcard build/mine/exercises/*.d)

strategies: $(MINE_STAMP) $(STRATEGIES_MAIN) $(STRATEGIES_OBJS) $(plain_EXCOMMON) $(plain_KITO) $(plain_LIB)
	$(CC) $(CFLAGS) $(filter-out $(MINE_STAMP),$^) -o $@ $(LDLIBS)

.PHONY: exercises solutions
# The learner's files in order; the first that fails stops the run with its README's hint,
# after a line that names the exercises solved so far.
exercises: need-cmocka
	@solved=""; for d in $(EXERCISE_DIRS); do \
	   if ! $(MAKE) -s --no-print-directory build/plain/$$d/test-exercise; then \
	     echo; echo "solved so far:$${solved:- none}"; \
	     echo "$$d/exercise.c does not build yet: the compiler says why above."; exit 1; \
	   fi; \
	   if ! build/plain/$$d/test-exercise > build/plain/$$d/test-exercise.log 2>&1; then \
	     cat build/plain/$$d/test-exercise.log; \
	     echo; echo "solved so far:$${solved:- none}"; \
	     echo "$$d is not solved yet. The hint from $$d/README.md:"; \
	     sed -n '/^## Hint/,/^## /{/^## /!p}' $$d/README.md; \
	     exit 1; \
	   fi; \
	   echo "$$d: solved"; solved="$$solved $$(basename $$d)"; \
	 done
	@echo "make exercises: all $(words $(EXERCISE_DIRS)) solved"

# Every reference, the comparison program, and the starters still failing.
solutions: need-cmocka
	@$(MAKE) --no-print-directory $(plain_EXERCISE_CHECKS) $(plain_STARTERS) strategies
	@sh tests/run-all.sh "" $(plain_EXERCISE_CHECKS)

# ---------------------------------------------------------------------------
# Fault injection: tests/fault/test_*.c are cmocka programs linked
# against build/fault, where ms_fault_fail_at(k) makes the library's k-th
# allocation fail.
FAULT_TESTS := $(patsubst tests/fault/%.c,build/fault/tests/fault/%,$(sort $(wildcard tests/fault/test_*.c)))

build/fault/tests/fault/%: build/fault/tests/fault/%.o $(fault_TESTLIBO) $(fault_NOMAIN) \
		$(fault_SHAREDO) $(fault_KITO) $(fault_LIB)
	$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka $(LDLIBS)

.SECONDARY: $(addsuffix .o,$(FAULT_TESTS))
-include $(wildcard build/fault/tests/fault/*.d)

.PHONY: check-fault
check-fault: need-cmocka
	@$(MAKE) --no-print-directory $(FAULT_TESTS)
	@$(SAN_ENV) sh tests/run-all.sh "" $(FAULT_TESTS)

# ---------------------------------------------------------------------------
# Preload: lib built into an LD_PRELOAD object that counts an unmodified
# program: -fPIC; -DMS_PRELOAD, so memstats allocates from the next
# object's malloc (lib/next.h); thread-locals in the static block a
# preloaded object gets. tests/test_preload.c runs programs under
# census.so (below), and under it and tests/preload/dlsym_allocates.c, a
# dlsym that allocates.
PRELOAD_SO := build/preload/tests/preload/dlsym_allocates.so
$(eval $(call BUILD_TREE,preload,-fPIC -ftls-model=initial-exec -DMS_PRELOAD))

build/preload/tests/preload/%.so: build/preload/tests/preload/%.o $(preload_LIB)
	$(CC) $(CFLAGS) -shared -Wl,--exclude-libs,ALL $^ -o $@ $(LDLIBS)

# Order-only: the test runs the objects and links nothing of them; it reads
# census.so's data files with the driver's reader.
build/plain/tests/test_preload build/asan/tests/test_preload: | $(PRELOAD_SO) census.so
build/plain/tests/test_preload: build/plain/census-tool/data.o
build/asan/tests/test_preload: build/asan/census-tool/data.o
-include $(wildcard build/preload/tests/preload/*.d)

# ---------------------------------------------------------------------------
# The census: ./census runs a program with census.so preloaded (built on
# build/preload's memstats, as above) and reports on every process from
# the data files each leaves. census-tool/preload.c, record.c and stacks.c
# are the preloaded object; the other census-tool/*.c are the driver.
CENSUS_SO_SRC := census-tool/preload.c census-tool/record.c census-tool/stacks.c
CENSUS_SRC    := $(filter-out $(CENSUS_SO_SRC),$(sort $(wildcard census-tool/*.c)))
# census-tool/symbols.c names an address offline, from the ELF files and their
# debug info, with elfutils' libdw (libdw-dev for its headers), which it
# dlopens only when its cache cannot answer, so ./census does not link it;
# its test links symbols.o, and libdw for the build IDs it reads itself.
build/plain/tests/test_symbols: build/plain/census-tool/symbols.o
build/asan/tests/test_symbols: build/asan/census-tool/symbols.o
build/plain/tests/test_symbols build/asan/tests/test_symbols: LDLIBS += -ldw -lelf

# libgcc_s: the unwinder behind --frames, mapped at start, never dlopened (stacks.c).
census.so: $(patsubst %.c,build/preload/%.o,$(CENSUS_SO_SRC)) $(preload_LIB)
	$(CC) $(CFLAGS) -shared -Wl,--exclude-libs,ALL $^ -o $@ $(LDLIBS) -Wl,--no-as-needed -lgcc_s

census: $(patsubst %.c,build/plain/%.o,$(CENSUS_SRC)) $(plain_KITO) $(plain_LIB) | census.so
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

-include $(wildcard build/preload/census-tool/*.d)

# Census workloads: tests/census/*.c, small programs whose every allocation
# tests/test_census.c knows, run under ./census. -g so the report names
# their sites by function and line; -O0 and -fno-builtin so each call stays
# on its own line as written (gcc turns realloc(NULL, n) into malloc(n)).
CENSUS_WORKLOADS := $(patsubst tests/census/%.c,build/plain/tests/census/%,$(sort $(wildcard tests/census/*.c)))
build/plain/tests/census/%: tests/census/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -O0 -g -fno-builtin $< -o $@ -pthread

# Order-only: the tests run census and its workloads. They also link the
# driver's reader and printer (data.o, report.o and the symbols.o it names
# sites with), to hold them to files census.so never writes.
build/plain/tests/test_census build/asan/tests/test_census: | census $(CENSUS_WORKLOADS)
build/plain/tests/test_census: $(patsubst %,build/plain/census-tool/%.o,data report symbols)
build/asan/tests/test_census: $(patsubst %,build/asan/census-tool/%.o,data report symbols)

# The oracle: tests/test_oracle.c runs programs under ./census and under
# valgrind (tests/oracle/valgrind-totals.sh), heaptrack for a few, and
# holds census's totals to theirs; tests/oracle/threads.c is one of those
# programs, built plain for every tree (a sanitizer's own malloc would
# replace the one both tools count). Order-only: the test runs census and
# the workload, links neither.
build/plain/tests/oracle/threads: build/plain/tests/oracle/threads.o
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
build/plain/tests/test_oracle build/asan/tests/test_oracle: | census build/plain/tests/oracle/threads

# ---------------------------------------------------------------------------
# ThreadSanitizer: the tests that run threads, built in build/tsan.
TSAN_TESTS := build/tsan/tests/test_stress build/tsan/tests/test_threads build/tsan/tests/test_fork \
	build/tsan/tests/test_origins

.PHONY: check-tsan
check-tsan: need-cmocka
	@$(MAKE) --no-print-directory $(TSAN_TESTS)
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 sh tests/run-all.sh "" $(TSAN_TESTS)

# ---------------------------------------------------------------------------
# Fuzzing: tests/fuzz/fuzz_registry.c is a libFuzzer target, linked
# against the library built by clang into build/fuzz. It starts from the
# committed seeds and keeps what it finds in build/fuzz/corpus.
FUZZ_CC      := clang
FUZZ_SAN     := $(SAN) -fsanitize=fuzzer-no-link \
	-fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
FUZZ_SECONDS ?= 60
FUZZ_CHECK   := -runs=20000 -seed=1
FUZZ_SEEDS   := tests/fuzz/corpus
FUZZER       := build/fuzz/fuzz_registry

$(eval $(call BUILD_TREE,fuzz,$(FUZZ_SAN)))
build/fuzz/%: CC := $(FUZZ_CC)
-include $(wildcard build/fuzz/tests/fuzz/*.d)

# A link probe: can clang build a libFuzzer target (clang and libclang-rt-14-dev)?
FUZZER_PROBE = printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' | \
	$(FUZZ_CC) -x c - -fsanitize=fuzzer -o /dev/null >/dev/null 2>&1

.PHONY: need-fuzzer
need-fuzzer:
	@$(FUZZER_PROBE) || $(MAKE) --no-print-directory deps

$(FUZZER): build/fuzz/tests/fuzz/fuzz_registry.o $(fuzz_LIB)
	$(FUZZ_CC) $(CFLAGS) $(SAN) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

.PHONY: fuzz check-fuzz
fuzz: need-fuzzer
	@$(MAKE) --no-print-directory $(FUZZER)
	@mkdir -p build/fuzz/corpus
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus $(FUZZ_SEEDS)

# Bounded and repeatable, from the seeds alone: what `make check` runs.
check-fuzz: need-fuzzer
	@$(MAKE) --no-print-directory $(FUZZER)
	@rm -rf build/fuzz/check-corpus && mkdir -p build/fuzz/check-corpus
	@echo "$(FUZZER) $(FUZZ_CHECK) (its output in build/fuzz/check.log)"
	@$(FUZZER) $(FUZZ_CHECK) build/fuzz/check-corpus $(FUZZ_SEEDS) > build/fuzz/check.log 2>&1 || \
	   { cat build/fuzz/check.log; echo "make check-fuzz: the fuzz target failed"; exit 1; }
	@tail -n 1 build/fuzz/check.log

clean:
	rm -rf build $(PLOT_DIR) $(CHAPTERS) strategies census census.so
