# Thin wrapper over CMake. `make bench` and `make test` are the two commands.
BUILD   ?= build
CONFIG  ?= resnet.yaml
JOBS    ?= $(shell nproc)
CONVBENCH = $(BUILD)/convbench

.PHONY: all deps build bench validate test list clean
all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

bench: build
	$(CONVBENCH) run $(CONFIG)

validate: build
	$(CONVBENCH) validate $(CONFIG)

list: build
	$(CONVBENCH) list

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
