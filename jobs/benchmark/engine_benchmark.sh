#!/bin/bash
# Direct-engine throughput (issue 2): pairs/s per core for d = 2, 3, 16, 64 in double, the ratio
# to a NumPy implementation of the same step timed in this job, the fraction of the machine's
# peak (measured FMA throughput, and the nominal cores x GHz x 16 FLOP/cycle from /proc/cpuinfo),
# and the 1- vs 2-rank speed-up at N = 32768, d = 3 (direct and ring engines).
# Usage: jobs/benchmark/engine_benchmark.sh [build-dir] [output-file]
# Not a test: timings depend on the machine and on whatever else runs on it (load is recorded).
# "best" = fastest of the repeats (wall clock); "cpu" = the same from the process CPU time, which
# does not count time spent descheduled on a shared machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
output=${2:-engine-benchmark.txt}
app=$build/apps/attnflow-benchmark
[[ -x $app ]] || { echo "engine_benchmark.sh: error: $app not built" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT

field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
say() { echo "$*" | tee -a "$temporary"; }
numpy_step() {
  # Per-core comparison: one BLAS thread. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some
  # machines for old OpenBLAS builds) slow a current NumPy: unset for this command only.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    /usr/bin/python3 "$here/numpy_step.py" "$@"
}

say "# attnflow engine benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
say "# revision $(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
say "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
say "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Peak. Measured: 12 independent 4-lane FMA chains on one core (attnflow-benchmark
# --measure-peak). Nominal: AVX2 + FMA3 cores issue 2 FMAs of 4 doubles per cycle = 16 FLOP/cycle.
mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
per_cycle=0
if grep -qw avx2 <<<"$flags" && grep -qw fma <<<"$flags"; then per_cycle=16; fi
if grep -qw avx512f <<<"$flags"; then per_cycle=32; fi
nominal=$(awk -v m="$mhz" -v f="$per_cycle" 'BEGIN { printf "%.4g", m * 1e6 * f }')
say "# nominal peak per core: ${mhz} MHz x ${per_cycle} FLOP/cycle = ${nominal} FLOP/s"

say ""
say "dimension tokens engine_pairs_per_s engine_pairs_per_cpu_s numpy_pairs_per_s numpy_pairs_per_cpu_s ratio ratio_cpu measured_peak_flops fraction_measured_peak fraction_nominal_peak"
for spec in 2:16384 3:16384 16:8192 64:4096; do
  d=${spec%%:*}
  n=${spec##*:}
  line=$("$app" --dimension "$d" --tokens "$n" --repeats 3 --measure-peak)
  engine=$(head -1 <<<"$line")
  peak=$(tail -1 <<<"$line")
  numpy=$(numpy_step --dimension "$d" --tokens "$n" --repeats 2)
  rate=$(field pairs_per_second_per_core "$engine")
  rate_cpu=$(field pairs_per_cpu_second "$engine")
  numpy_rate=$(field pairs_per_second_per_core "$numpy")
  numpy_cpu=$(field pairs_per_cpu_second "$numpy")
  measured=$(field fma_peak_flops_per_core "$peak")
  flops=$(field kernel_flops_per_pair "$peak")
  say "$(awk -v d="$d" -v n="$n" -v r="$rate" -v rc="$rate_cpu" -v nr="$numpy_rate" -v nc="$numpy_cpu" \
            -v p="$measured" -v f="$flops" -v nom="$nominal" 'BEGIN {
    printf "%d %d %.4g %.4g %.4g %.4g %.1f %.1f %.4g %.3f %.3f", d, n, r, rc, nr, nc, r / nr, rc / nc,
           p, rc * f / p, (nom > 0 ? rc * f / nom : 0) }')"
done
say "# kernel FLOP per pair = 4 d + 37 (interaction/benchmark.hpp); fractions use the CPU-time rate"
say ""
say "# single precision (--engine-precision float; 8 lanes, so the float peak is twice the double)"
say "dimension tokens float_pairs_per_s float_pairs_per_cpu_s numpy_double_ratio_cpu"
for spec in 2:16384 3:16384; do
  d=${spec%%:*}
  n=${spec##*:}
  line=$("$app" --dimension "$d" --tokens "$n" --repeats 3 --engine-precision float)
  numpy=$(numpy_step --dimension "$d" --tokens "$n" --repeats 1)
  say "$(awk -v d="$d" -v n="$n" -v r="$(field pairs_per_second_per_core "$line")" \
            -v rc="$(field pairs_per_cpu_second "$line")" -v nc="$(field pairs_per_cpu_second "$numpy")" \
            'BEGIN { printf "%d %d %.4g %.4g %.1f", d, n, r, rc, rc / nc }')"
done
say "# numpy: $(field blas "$numpy") (numpy $(field numpy "$numpy"))"

say ""
say "# wall: best wall time; cpu: the slowest rank's CPU time (the wall time on dedicated cores)"
say "engine ranks tokens seconds_wall seconds_cpu speedup_wall efficiency_wall speedup_cpu efficiency_cpu"
for engine in direct ring; do
  one=$(mpirun -n 1 "$app" --engine $engine --dimension 3 --tokens 32768 --repeats 3)
  two=$(mpirun -n 2 "$app" --engine $engine --dimension 3 --tokens 32768 --repeats 3)
  t1=$(field seconds_per_evaluation "$one")
  t2=$(field seconds_per_evaluation "$two")
  c1=$(field cpu_seconds_per_evaluation "$one")
  c2=$(field cpu_seconds_per_evaluation "$two")
  say "$engine 1 32768 $t1 $c1 1.00 1.000 1.00 1.000"
  say "$(awk -v e="$engine" -v a="$t1" -v b="$t2" -v c="$c1" -v f="$c2" 'BEGIN {
    printf "%s 2 32768 %s %s %.2f %.3f %.2f %.3f", e, b, f, a / b, a / (2 * b), c / f, c / (2 * f) }')"
done
say "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$temporary" "$output"
trap - EXIT
