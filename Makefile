# Makefile: the one entry point of the memstats workbook (see README.md).
#
# Builds live in separate trees so their objects never mix:
#   build/plain  -O2 -g, what `make`, `make chapterN` and `make test` use
#   build/asan   -fsanitize=address,undefined, what `make check` uses

CC      ?= cc
CSTD    := -std=c17
WARN    := -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
DEPFLAGS = -MMD -MP
LDLIBS  := -pthread
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC     := $(sort $(wildcard lib/*.c))
CHAPTER_SRC := $(sort $(wildcard chapters/chapter[0-9]*_*.c))
SUPPORT_SRC := $(filter-out chapters/chapter%,$(wildcard chapters/*.c))
TEST_SRC    := $(sort $(wildcard tests/test_*.c))
TESTLIB_SRC := $(filter-out tests/test_%,$(wildcard tests/*.c))

# chapters/chapter1_summary.c -> chapter1
chapter_name = $(firstword $(subst _, ,$(notdir $(basename $(1)))))
CHAPTERS    := $(foreach c,$(CHAPTER_SRC),$(call chapter_name,$(c)))

VALGRIND := valgrind --quiet --error-exitcode=1 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all

.PHONY: all deps test check plots bless clean help
all: $(CHAPTERS)

help:
	@echo "make              the library and every chapter"
	@echo "make chapterN     ./chapterN, one lesson"
	@echo "make deps         install what the tests need (cmocka, gnuplot, valgrind)"
	@echo "make test         every cmocka test"
	@echo "make check        the tests under ASan+UBSan, the chapters under valgrind"
	@echo "make plots        the chapters' data and plots in plots/out/"
	@echo "make bless        rewrite tests/expected/ and the lessons' output blocks"
	@echo "make clean        remove build/ and the chapter programs"

# ---------------------------------------------------------------------------
# One template per build tree: $(1) = tree name, $(2) = extra flags.
define BUILD_TREE
$(1)_DIR  := build/$(1)
$(1)_LIB  := build/$(1)/libmemstats.a
$(1)_LIBO := $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC))
$(1)_SUPO := $$(patsubst %.c,build/$(1)/%.o,$$(SUPPORT_SRC))
$(1)_NOMAIN := $$(patsubst %.c,build/$(1)/%.nomain.o,$$(CHAPTER_SRC))
$(1)_TESTLIBO := $$(patsubst %.c,build/$(1)/%.o,$$(TESTLIB_SRC))
$(1)_TESTS := $$(patsubst tests/%.c,build/$(1)/tests/%,$$(TEST_SRC))

build/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS) $(2) $$(DEPFLAGS) -Ilib -Ichapters -c $$< -o $$@

build/$(1)/%.nomain.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS) $(2) $$(DEPFLAGS) -DMS_NO_MAIN -Ilib -Ichapters -c $$< -o $$@

$$($(1)_LIB): $$($(1)_LIBO)
	@rm -f $$@
	$$(AR) rcs $$@ $$^

build/$(1)/tests/test_%: build/$(1)/tests/test_%.o $$($(1)_TESTLIBO) $$($(1)_NOMAIN) $$($(1)_SUPO) $$($(1)_LIB)
	$$(CC) $$(CFLAGS) $(2) $$^ -o $$@ -lcmocka $$(LDLIBS)

-include $$(wildcard build/$(1)/*/*.d)
endef

$(eval $(call BUILD_TREE,plain,))
$(eval $(call BUILD_TREE,asan,$(SAN)))

# ./chapterN at the top, from the plain tree.
define CHAPTER_RULE
$(call chapter_name,$(1)): build/plain/$(basename $(1)).o $$(plain_SUPO) $$(plain_LIB)
	$$(CC) $$(CFLAGS) $$^ -o $$@ $$(LDLIBS)
endef
$(foreach c,$(CHAPTER_SRC),$(eval $(call CHAPTER_RULE,$(c))))

# ---------------------------------------------------------------------------
# Dependencies: install what is missing when we may, else say how.
DEB_PACKAGES := libcmocka-dev gnuplot-nox valgrind
deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

# A compile probe: can this compiler find cmocka?
CMOCKA_PROBE = printf '\#include <stdarg.h>\n\#include <stddef.h>\n\#include <stdint.h>\n\#include <setjmp.h>\n\#include <cmocka.h>\nint main(void){return 0;}\n' | \
	$(CC) -x c - -o /dev/null -lcmocka >/dev/null 2>&1

.PHONY: need-cmocka
need-cmocka:
	@$(CMOCKA_PROBE) || $(MAKE) --no-print-directory deps

test: need-cmocka
	@$(MAKE) --no-print-directory $(plain_TESTS) $(CHAPTERS)
	@sh tests/run-all.sh "" $(plain_TESTS)

check: need-cmocka
	@$(MAKE) --no-print-directory $(asan_TESTS) $(CHAPTERS)
	@ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 sh tests/run-all.sh "" $(asan_TESTS)
	@for c in $(CHAPTERS); do \
	   echo "valgrind ./$$c"; \
	   $(VALGRIND) ./$$c > /dev/null || { echo "valgrind found errors in ./$$c"; exit 1; }; \
	 done
	@echo "make check: clean"

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
	   echo "  make deps  (or: apt-get install -y gnuplot-nox), then make plots again"; \
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
	@git diff --stat -- tests/expected chapters 2>/dev/null || true

clean:
	rm -rf build $(PLOT_DIR) $(CHAPTERS)
