# Thin wrapper over CMake. `make bench` and `make test` are the two commands.
BUILD   ?= build
CONFIG  ?= resnet.yaml
JOBS    ?= $(shell nproc)
CONVBENCH = $(BUILD)/convbench
# TUNE=off|cached|quick|full (default: the config's tune: key, else cached).
TUNE    ?=
TUNE_FLAG = $(if $(TUNE),--tune $(TUNE))

BUILD_AARCH64 ?= build-aarch64

.PHONY: all deps build bench tune gallery validate test test-aarch64 list peak clean \
        perf-check perf-baseline history report compare
all: build

deps:
	@scripts/install-deps

# build/Makefile, not CMakeCache.txt: a configure that failed (a package
# missing) leaves the cache behind but no Makefile, so the next make retries.
$(BUILD)/Makefile: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

bench: build
	$(CONVBENCH) run $(CONFIG) $(TUNE_FLAG)

tune: build
	$(CONVBENCH) tune $(CONFIG) $(if $(TUNE),--mode $(TUNE))

validate: build
	$(CONVBENCH) validate $(CONFIG)

list: build
	$(CONVBENCH) list

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every named kernel on the photographs of data/images (fetched once from
# Debian packages): results/gallery/<image>.png contact sheets and index.md.
gallery: build
	scripts/fetch-images
	$(CONVBENCH) gallery

peak: build
	$(CONVBENCH) peak

# The deterministic performance gate: instruction counts under valgrind's
# callgrind for configs/perf.yaml against results/baselines/perf.txt (fails
# past PERF_THRESHOLD percent on any layer x implementation, or when the
# counted ISA path differs); perf-baseline refreshes the baseline.
PERF_THRESHOLD ?= 2
perf-check: build
	@command -v valgrind >/dev/null || { echo "perf-check needs valgrind: apt-get install -y valgrind" >&2; exit 2; }
	$(CONVBENCH) perf-check --threshold $(PERF_THRESHOLD)

perf-baseline: build
	@command -v valgrind >/dev/null || { echo "perf-baseline needs valgrind: apt-get install -y valgrind" >&2; exit 2; }
	$(CONVBENCH) perf-check --update

# Every run of CONFIG under results/, as charts in results/history/<config>/.
history: build
	$(CONVBENCH) history $(CONFIG)

# Re-render the charts and report.md of a results directory (default: the latest run).
RESULTS ?= results/latest
report: build
	$(CONVBENCH) report $(RESULTS)

# Two runs row by row: make compare BASE=results/x NEW=results/y [COMPARE_FLAGS="--normalize onednn_blocked"]
compare: build
	$(CONVBENCH) compare $(BASE) $(NEW) $(COMPARE_FLAGS)

# The kernels cross-built for AArch64 (NEON) and tested under qemu against
# naive: correctness only, emulated speed means nothing.
test-aarch64:
	@scripts/install-deps --aarch64
	cmake -S . -B $(BUILD_AARCH64) -DCMAKE_BUILD_TYPE=Release -DCONVBENCH_KERNELS_ONLY=ON \
	      -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
	cmake --build $(BUILD_AARCH64) -j $(JOBS)
	cd $(BUILD_AARCH64) && ctest --output-on-failure

clean:
	rm -rf $(BUILD) $(BUILD_AARCH64)
