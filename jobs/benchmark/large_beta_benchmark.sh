#!/bin/bash
# Large-beta engine against the direct and spectral engines (issue 11), S^2, SA, w = 1/N,
# uniform random tokens, the same --engine-tolerance for both approximate engines:
#  1. for N = 1e5, 1e6 and beta = 100, 1000, 1e4: one evaluation of large-beta and of spectral on
#     all N tokens (attnflow-benchmark --mode accuracy), each checked against the direct engine
#     on SAMPLES targets; the direct engine's time on those targets is scaled by N / SAMPLES to
#     estimate a full direct evaluation (a full one at N = 1e6 would take about half an hour).
#     Speed-ups are ratios of times measured in this job.
#     Spectral at N = 1e6, beta = 1e4 (L = 680: about an hour on one core) is by default scaled
#     by 10 from its N = 1e5 run (its work, moments and sums, is linear in N); pass "full" as the
#     fifth argument to measure it.
#  2. strong scaling 1 -> 2 ranks and peak memory per rank: large-beta, N = 1e6, beta = 1000
#     (--mode throughput, best of 2 evaluations; the accuracy mode's memory would include the
#     direct check's all-gather of the N sources).
#  3. the circle and S^3 at N = 1e5, beta = 1000 (large-beta against spectral and direct).
# Usage: jobs/benchmark/large_beta_benchmark.sh [build-dir] [output-file] [tolerance] [samples]
#        [full]
# Takes about 25 minutes on 2 cores (2 hours with "full").
# Not a test: timings depend on the machine and on whatever else runs on it (load is recorded;
# "cpu" columns are the slowest rank's CPU time, which time spent descheduled does not inflate).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
output=${2:-large-beta-benchmark.txt}
tolerance=${3:-1e-10}
samples=${4:-1000}
full=${5:-}
app=$build/apps/attnflow-benchmark
[[ -x $app ]] || { echo "large_beta_benchmark.sh: error: $app not built" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT
say() { echo "$*" | tee -a "$temporary"; }
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

say "# attnflow large-beta benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), revision $(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
say "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
say "# tolerance $tolerance for large-beta and spectral; $samples sampled targets checked against direct"
say "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
say ""
say "# raw lines"
declare -A line
for n in 100000 1000000; do
  for beta in 100 1000 10000; do
    for engine in large-beta spectral; do
      if [[ $engine == spectral && $n == 1000000 && $beta == 10000 && $full != full ]]; then
        small=${line[100000,$beta,spectral]}
        result=$(awk -v w="$(field seconds_per_evaluation "$small")" -v c="$(field cpu_seconds_per_evaluation "$small")" \
          'BEGIN { printf "engine=spectral tokens=1000000 beta=10000 extrapolated_from_tokens=100000 seconds_per_evaluation=%.6g cpu_seconds_per_evaluation=%.6g sums_error=n/a output_error=n/a", 10 * w, 10 * c }')
      else
        # An engine that refuses the settings leaves its line as the error message.
        result=$("$app" --mode accuracy --dimension 3 --tokens "$n" --beta "$beta" --engine "$engine" \
                   --engine-tolerance "$tolerance" --samples "$samples" 2>&1) || true
      fi
      say "$result"
      line[$n,$beta,$engine]=$result
    done
  done
done
say ""
say "# seconds per evaluation (wall | cpu); direct extrapolated from the sampled targets of the"
say "# large-beta run (spectral at N = 1e6, beta = 1e4: 10 x its N = 1e5 time unless \"full\");"
say "# speed-ups from cpu times (wall in parentheses); errors against direct:"
say "# sums relative to W e^{beta - shift}, output relative to max |a|"
say "tokens beta direct_wall direct_cpu spectral_wall spectral_cpu large_beta_wall large_beta_cpu speedup_vs_direct speedup_vs_spectral large_beta_sums_error large_beta_output_error spectral_sums_error spectral_output_error"
for n in 100000 1000000; do
  for beta in 100 1000 10000; do
    l=${line[$n,$beta,large-beta]}
    s=${line[$n,$beta,spectral]}
    say "$(awk -v n="$n" -v b="$beta" \
      -v dw="$(field direct_seconds_extrapolated "$l")" -v dc="$(field direct_cpu_seconds_extrapolated "$l")" \
      -v sw="$(field seconds_per_evaluation "$s")" -v sc="$(field cpu_seconds_per_evaluation "$s")" \
      -v lw="$(field seconds_per_evaluation "$l")" -v lc="$(field cpu_seconds_per_evaluation "$l")" \
      -v le="$(field sums_error "$l")" -v lo="$(field output_error "$l")" \
      -v se="$(field sums_error "$s")" -v so="$(field output_error "$s")" 'BEGIN {
      printf "%d %g %.4g %.4g %.4g %.4g %.4g %.4g %.1f(%.1f) %.2f(%.2f) %s %s %s %s", n, b, dw, dc, sw, sc,
             lw, lc, dc / lc, dw / lw, sc / lc, sw / lw, le, lo, se, so }')"
  done
done
say ""
say "# strong scaling and memory: large-beta, N = 1e6, beta = 1000 (throughput mode)"
say "ranks seconds_wall seconds_cpu speedup_wall speedup_cpu peak_memory_mib_per_rank pairs_fraction"
one=$(mpirun -n 1 "$app" --mode throughput --dimension 3 --tokens 1000000 --beta 1000 --engine large-beta \
        --engine-tolerance "$tolerance" --repeats 2)
two=$(mpirun -n 2 "$app" --mode throughput --dimension 3 --tokens 1000000 --beta 1000 --engine large-beta \
        --engine-tolerance "$tolerance" --repeats 2)
say "# $one"
say "# $two"
t1=$(field seconds_per_evaluation "$one"); c1=$(field cpu_seconds_per_evaluation "$one")
t2=$(field seconds_per_evaluation "$two"); c2=$(field cpu_seconds_per_evaluation "$two")
say "1 $t1 $c1 1.00 1.00 $(field peak_memory_mib_per_rank "$one") $(field pairs_fraction "$one")"
say "$(awk -v a="$t1" -v b="$t2" -v c="$c1" -v f="$c2" -v m="$(field peak_memory_mib_per_rank "$two")" \
          -v p="$(field pairs_fraction "$two")" 'BEGIN { printf "2 %s %s %.2f %.2f %s %s", b, f, a / b, c / f, m, p }')"
say ""
say "# other dimensions: N = 1e5, beta = 1000 (raw lines; direct extrapolated from the samples)"
for d in 2 4; do
  engines="large-beta"
  [[ $d == 2 ]] && engines="large-beta spectral"
  for engine in $engines; do
    say "$("$app" --mode accuracy --dimension "$d" --tokens 100000 --beta 1000 --engine "$engine" \
             --engine-tolerance "$tolerance" --samples "$samples" 2>&1 || true)"
  done
done
say "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$temporary" "$output"
trap - EXIT
