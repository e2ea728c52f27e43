#!/usr/bin/env bash
# The whole test suite under AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer:
# installs what is missing and builds build-sanitize/ (./setup.sh Sanitize), then runs ctest with
# the sanitizers' settings in the environment (every test and every app it starts inherits them):
# - leaks: only attnflow's own are reported; tests/support/leak_suppressions.txt lists the
#   libraries (Open MPI, PMIx, hwloc, libevent, HDF5, PETSc, GSL) whose once-per-process
#   allocations are never freed;
# - Open MPI and PMIx keep their components loaded (no dlclose), and the unwinder follows frames
#   without frame pointers, so that every leak's stack names its library;
# - undefined behaviour stops the test with a stack trace.
# Usage: jobs/sanitize/run_tests.sh [ctest arguments...]   (e.g. -R particle_run)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/setup.sh" Sanitize
export LSAN_OPTIONS="suppressions=$root/tests/support/leak_suppressions.txt:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
cd "$root/build-sanitize"
ctest --output-on-failure -j "$(nproc)" --timeout 1800 "$@"
