# The two commands a newcomer types: `make demo` and `make test` (as root, on Debian bookworm).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
# ccache, where installed, makes rebuilds in several checkouts cheap; it changes nothing else.
LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: all deps build test demo unit lab bench fuzz format tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit, golden, fuzz-corpus replay, and the network-lab tests (real kernel, namespaces).
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Only the tests that need no root and no kernel.
unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

lab: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L lab

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)/netwarden

bench: build
	@bash bench/run.sh $(BUILD_DIR)

# Real libFuzzer binaries (clang); `make test` replays their corpora without clang.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DNETWARDEN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

format:
	@git ls-files '*.cc' '*.h' '*.c' | xargs clang-format -i

tidy: build
	@git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) build-fuzz
