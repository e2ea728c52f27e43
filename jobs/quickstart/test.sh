#!/usr/bin/env bash
# The quick start's test command: set up (install what is missing, build), then the whole test
# suite (MPI tests at 1-4 ranks, oversubscribed). CI runs exactly this (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/setup.sh"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)" --timeout 900
