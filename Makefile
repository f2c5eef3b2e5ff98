# echobench's front door; the build itself is CMakeLists.txt.
#
#   make              install what is missing, configure build/, build everything
#   make test         build, then run every test (ctest)
#   make bench        build, run the experiment suite into results/ (QUICK=1: the
#                     reduced one; BENCH_ARGS='...': more options for build/bin/bench),
#                     then make plots on it
#   make plots        plots and report.md of RESULTS (default results/latest)
#   make compare      two results folders side by side: make compare A=dir B=dir
#   make deps         install the missing Debian packages only
#   make format       clang-format every C file in place
#   make check-format fail if clang-format would change a file
#   make clean        remove the build folders
#
# BUILD=dir picks the build folder, CMAKE_FLAGS passes options to CMake (for example
# -DECHOBENCH_SANITIZE=address), CTEST_FLAGS to ctest (for example -L threaded).

BUILD       ?= build
CMAKE_FLAGS ?=
CTEST_FLAGS ?=
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
C_SOURCES    = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find common servers loadgen bench analysis tests -name '*.[ch]')

RESULTS     ?= results/latest
BENCH_RESULTS ?= results

.PHONY: all build deps test bench plots compare format check-format clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The lab's tests (hosts.lab_*) run as root only, with sshd, ssh and ip: as root, make
# test installs them first (they skip otherwise).
LAB_DEPS = /usr/sbin/sshd=openssh-server ssh=openssh-client ssh-keygen=openssh-client ip=iproute2

test: build
	@if [ "$$(id -u)" -eq 0 ]; then scripts/deps.sh $(LAB_DEPS); fi
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

# A run that was interrupted (130) still wrote what it measured: it is plotted too.
bench: build
	@rc=0; set -x; $(BUILD)/bin/bench --results $(BENCH_RESULTS) $(if $(QUICK),--quick) $(BENCH_ARGS) || rc=$$?; \
	if [ $$rc -eq 0 ] || [ $$rc -eq 130 ]; then \
	    $(BUILD)/bin/plots $(BENCH_RESULTS)/latest || exit $$?; fi; \
	exit $$rc

plots: build
	$(BUILD)/bin/plots $(RESULTS)

compare: build
	@if [ -z "$(A)" ] || [ -z "$(B)" ]; then \
	    echo "make compare needs two results folders: make compare A=results/one B=results/two" >&2; \
	    exit 2; fi
	$(BUILD)/bin/compare $(A) $(B)

format:
	@scripts/deps.sh clang-format=clang-format
	clang-format -i $(C_SOURCES)

check-format:
	@scripts/deps.sh clang-format=clang-format
	clang-format --dry-run -Werror $(C_SOURCES)

clean:
	rm -rf build build-asan build-tsan
