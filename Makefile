# The two commands a newcomer types: `make demo` and `make test` (as root, on Debian bookworm).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
# ccache, where installed, makes rebuilds in several checkouts cheap; it changes nothing else.
LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Development and CI builds treat warnings as errors; packaging (debian/rules) does not.
CMAKE_FLAGS := -G Ninja -DNETWARDEN_WERROR=ON $(LAUNCHER)
configure = cmake -S . -B $(1) $(CMAKE_FLAGS) $(2) >/dev/null
# The targets the demo runs (scripts/demo.sh): the binary and the lab's probe tool.
DEMO_TARGETS := netwarden nw_probe
# Sanitizer builds (clang): -O0 and line tables only. -O0 halves their compile time against -O1
# (agent_reconcile.cc under ASan: 8 s of CPU instead of 15 s) and the unit tests are short; line
# tables still give symbolized stacks. ctest label `unit` without the tests that need a browser.
SANITIZE_OPT ?= -O0
SANITIZE_FLAGS := -DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS="$(SANITIZE_OPT) -gline-tables-only" \
	-DCMAKE_CXX_FLAGS="$(SANITIZE_OPT) -gline-tables-only"
SANITIZE_CTEST := ctest --output-on-failure -j $(JOBS) -LE browser

.PHONY: all deps deps-demo deps-deb build test demo unit lab bench fuzz format tidy clean \
	sanitize asan asan-build tsan tsan-build release-clang deb deb-test

all: build

deps:
	@bash scripts/install-deps.sh test

deps-demo:
	@bash scripts/install-deps.sh demo

deps-deb:
	@bash scripts/install-deps.sh deb

build: deps
	@$(call configure,$(BUILD_DIR),-DCMAKE_BUILD_TYPE=RelWithDebInfo)
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit, golden, fuzz-corpus replay, and the network-lab tests (real kernel,
# namespaces); then the unit tests under ASan+UBSan and the threaded ones under TSan (clang, `make
# asan` / `make tsan`), whose builds scripts/test.sh compiles in the background during the tests.
# CTEST_ARGS picks tests of the first part (e.g. CTEST_ARGS="-R lab_"); CI passes none.
CTEST_ARGS ?=
test: build
	@bash scripts/test.sh $(BUILD_DIR) $(JOBS) $(CTEST_ARGS)

# Only the tests that need no root and no kernel.
unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

lab: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L lab

# Only what the demo needs: its packages, and the two targets it runs, in a build directory of
# their own at -O0 without debug information: from nothing, 2.5 min on 2 cores instead of 5 min
# for RelWithDebInfo (the demo's work is milliseconds either way).
DEMO_BUILD_DIR ?= build-demo
demo: deps-demo
	@$(call configure,$(DEMO_BUILD_DIR),-DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS=-O0 -DCMAKE_CXX_FLAGS=-O0)
	@cmake --build $(DEMO_BUILD_DIR) -j $(JOBS) --target $(DEMO_TARGETS)
	@bash scripts/demo.sh $(DEMO_BUILD_DIR)/netwarden

bench: build
	@bash bench/run.sh $(BUILD_DIR)

# The unit tests (and the kernel-free agent tests) built with clang under ASan+UBSan (every
# `unit` test) and under TSan (the `threads` ones: the agent has worker threads), each in a build
# directory of its own that builds only what those tests run. The *-build halves only build, so
# that CI (.ci/run) can compile them while the network-lab tests run.
sanitize: asan tsan

asan-build: deps
	@CC=clang CXX=clang++ $(call configure,build-asan,$(SANITIZE_FLAGS) -DNETWARDEN_SANITIZE=address)
	@cmake --build build-asan -j $(JOBS) --target unit_tests

asan: asan-build
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(SANITIZE_CTEST) -L unit

tsan-build: deps
	@CC=clang CXX=clang++ $(call configure,build-tsan,$(SANITIZE_FLAGS) -DNETWARDEN_SANITIZE=thread)
	@cmake --build build-tsan -j $(JOBS) --target thread_tests

tsan: tsan-build
	@cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(SANITIZE_CTEST) -L threads

# CI's extra configuration: Release with clang, warnings as errors; every target, or only
# RELEASE_CLANG_TARGETS (CI: the shipped binaries; the ASan build compiles the tests with clang).
RELEASE_CLANG_TARGETS ?=
release-clang: deps
	@CC=clang CXX=clang++ $(call configure,build-release-clang,-DCMAKE_BUILD_TYPE=Release)
	@cmake --build build-release-clang -j $(JOBS) $(if $(RELEASE_CLANG_TARGETS),--target $(RELEASE_CLANG_TARGETS))

# The Debian package (debhelper), into build/deb/. DEB_BUILD_OPTIONS=nocheck by default: `make
# test` runs the tests; set DEB_BUILD_OPTIONS= to run the unit tests in the package build too.
DEB_BUILD_OPTIONS ?= nocheck
deb: deps-deb
	@DEB_BUILD_OPTIONS="$(DEB_BUILD_OPTIONS)" bash packaging/deb/build.sh build/deb

# Installs the package into a fresh bookworm chroot and runs `netwarden check` and --version.
deb-test: deb
	@bash packaging/deb/chroot_test.sh build/deb

# Real libFuzzer binaries (clang); `make test` replays their corpora without clang.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DNETWARDEN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

format:
	@git ls-files '*.cc' '*.h' '*.c' | xargs clang-format -i

tidy: build
	@git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(DEMO_BUILD_DIR) build-fuzz build-asan build-tsan build-release-clang build-ci-logs
