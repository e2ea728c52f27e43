#!/usr/bin/env bash
# Long-context attention study (docs/mathematics.md sections 6 and 11, issues 3 and 12). Stages:
#   critical   uniform keys, d = 2, 3, 4, beta = c n^{2/(d-1)}: nearest-key sampler for
#              n = 1e2..1e12 and the Poisson-limit sampler, against the quadrature references
#   agreement  full against nearest sampling at n = 1e2..1e6 (d = 3: 1e7), independent seeds,
#              with the seconds per query of both
#   exponents  full sampling at a = 2/(d-1) and +- 0.25, n = 1e2..1e5 (collapse only at 2/(d-1))
#   subsphere  keys on a great S^{k-1} in R^4, k = 2, 3: nearest at a = 2/(k-1) to n = 1e12, full
#              at the ambient 2/(d-1) to n = 1e5
#   vmf        von Mises-Fisher mixtures around and away from q at beta = c n (d = 3)
#   subcritical  beta = 1..30 fixed, n = 1e3..1e6, d = 2, 3, 4 (full): A_k, v_rad, v_tan
#   heat       backward heat: beta P_q O against grad log p(q), beta = 3..300, n = 1e4 beta
#   cost       full sampling at n = 1e7 and 1e8 (1e9 with ATTNFLOW_LONGCONTEXT_LARGE=1)
# then plot.py (Debian's /usr/bin/python3) writes the figures and tables into results/.
# Summary CSVs go to results/ (committed), distributions to runs/ (large; not committed).
# Usage: jobs/longcontext/run.sh [build-dir] [ranks] [stage...]
#   ATTNFLOW_LONGCONTEXT_QUICK=1 runs a few-minute version to check the pipeline.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
ranks=${2:-1}
shift $(($# > 2 ? 2 : $#))
stages=${*:-critical agreement exponents subsphere vmf subcritical heat cost}
app=$build/apps/attnflow-longcontext
results=$here/results
runs=$here/runs
mkdir -p "$results" "$runs"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
quick=${ATTNFLOW_LONGCONTEXT_QUICK:-0}
# Every call draws from its own seed base (and --independent-counts: base + i for the i-th n),
# so that all samples of the study are independent.
run() {
  echo "== $*" >&2
  mpiexec -n "$ranks" --oversubscribe "$app" --overwrite --independent-counts "$@" |
    grep -E "^Loop time|^wrote" >&2
}
pick() { [[ $quick == 1 ]] && echo "$2" || echo "$1"; }
critical_exponent() { /usr/bin/python3 -c "print(repr(2 / ($1 - 1)))"; }
scales="0.1 0.3 1 3 10"

for stage in $stages; do
  case $stage in
  critical)
    for d in 2 3 4; do
      run --dimension "$d" --sampler nearest --keys "$(pick "1e2 1e3 1e4 1e5 1e6 1e7 1e8 1e9 1e10 1e11 1e12" "1e2 1e4 1e12")" \
          --exponents "$(critical_exponent "$d")" --scales "$scales" --top 5 \
          --queries "$(pick $([[ $d == 4 ]] && echo 2000 || echo 4000) 300)" --seed $((1000 + 100 * d)) \
          --output "$results/critical_d${d}_nearest.csv" --distributions "$runs/critical_d${d}_nearest.csv"
      run --dimension "$d" --sampler poisson --scales "$scales" --top 5 \
          --queries "$(pick 20000 2000)" --seed $((1050 + 100 * d)) \
          --output "$results/critical_d${d}_poisson.csv" --distributions "$runs/critical_d${d}_poisson.csv"
    done
    ;;
  agreement)
    for d in 2 3 4; do
      a=$(critical_exponent "$d")
      largest=$([[ $d == 3 ]] && echo "1e7:40" || echo "")
      for entry in $(pick "1e2:2000 1e3:2000 1e4:1000 1e5:400 1e6:100 $largest" "1e2:300 1e3:300 1e4:100"); do
        n=${entry%%:*}; queries=${entry##*:}
        for sampler in full nearest; do
          seed=$((2000 + 100 * d + $([[ $sampler == full ]] && echo 0 || echo 50) + ${n#1e}))
          run --dimension "$d" --sampler "$sampler" --keys "$n" --exponents "$a" --scales "0.3 1 3" \
              --queries "$queries" --seed "$seed" --skip-poisson-references \
              --output "$results/agreement_d${d}_n${n}_${sampler}.csv" \
              --distributions "$runs/agreement_d${d}_n${n}_${sampler}.csv"
        done
      done
    done
    ;;
  exponents)
    declare -A range=([2]="1e-4:1e2:13" [3]="1e-2:1e2:9" [4]="1e-2:1e2:9")
    for d in 2 3 4; do
      run --dimension "$d" --keys "$(pick "1e2 1e3 1e4 1e5" "1e2 1e3")" --scales "${range[$d]}" \
          --queries "$(pick 1000 200)" --seed $((3000 + 100 * d)) --top 1 --skip-poisson-references \
          --output "$results/exponents_d${d}.csv"
    done
    ;;
  subsphere)
    for k in 2 3; do
      run --dimension 4 --key-law subsphere --subsphere-dimension "$k" --sampler nearest \
          --keys "$(pick "1e2 1e3 1e4 1e6 1e8 1e10 1e12" "1e2 1e4 1e12")" --exponents "$(critical_exponent "$k")" \
          --scales "0.3 1 3" --queries "$(pick 3000 300)" --seed $((4000 + 100 * k)) --top 3 \
          --output "$results/subsphere_k${k}_nearest.csv"
      run --dimension 4 --key-law subsphere --subsphere-dimension "$k" \
          --keys "$(pick "1e2 1e3 1e4 1e5" "1e2 1e3")" --exponents "$(critical_exponent 4)" \
          --scales "0.3 1 3" --queries "$(pick 1000 200)" --seed $((4050 + 100 * k)) --top 3 \
          --skip-poisson-references --output "$results/subsphere_k${k}_ambient.csv"
    done
    ;;
  vmf)
    # around: one component centred at q; away: q at 90 degrees from both components.
    run --dimension 3 --key-law vmf --vmf-means "1 0 0  0 0 1" --vmf-concentrations "5 2" \
        --keys "$(pick "1e2 1e3 1e4 1e5" "1e2 1e3")" --exponents 1 --scales "0.3 1 3" \
        --queries "$(pick 2000 200)" --seed 5000 --output "$results/vmf_around.csv"
    run --dimension 3 --key-law vmf --vmf-means "0 1 0  0 0 1" --vmf-concentrations "4 4" \
        --keys "$(pick "1e2 1e3 1e4 1e5" "1e2 1e3")" --exponents 1 --scales "0.3 1 3" \
        --queries "$(pick 2000 200)" --seed 5100 --output "$results/vmf_away.csv"
    ;;
  subcritical)
    for d in 2 3 4; do
      for entry in $(pick "1e3:1000 1e4:1000 1e5:300 1e6:100" "1e3:200 1e4:100"); do
        n=${entry%%:*}; queries=${entry##*:}
        run --dimension "$d" --keys "$n" --exponents 0 --scales "1 3 10 30" --queries "$queries" \
            --seed $((6000 + 100 * d + ${n#1e})) --top 1 --skip-poisson-references \
            --output "$results/subcritical_d${d}_n${n}.csv" --distributions "$runs/subcritical_d${d}_n${n}.csv"
      done
    done
    ;;
  heat)
    # A smooth density with q on its slope (grad log p(q) != 0; the CSV reports it).
    for entry in $(pick "3:200 10:200 30:100 100:50 300:40" "3:50 10:50 30:20"); do
      beta=${entry%%:*}; queries=${entry##*:}
      run --dimension 3 --key-law vmf --vmf-means "0.5 0.8660254037844386 0  -0.6 0 0.8" \
          --vmf-concentrations "3 1" --vmf-weights "0.7 0.3" --keys $((10000 * beta)) \
          --exponents 0 --scales "$beta" --queries "$queries" --seed $((7000 + beta)) --top 1 \
          --skip-poisson-references --output "$results/heat_beta${beta}.csv"
    done
    ;;
  cost)
    for n in 1e7 1e8 $([[ ${ATTNFLOW_LONGCONTEXT_LARGE:-0} == 1 ]] && echo 1e9); do
      [[ $quick == 1 && $n != 1e7 ]] && continue
      run --dimension 3 --keys "$n" --exponents 0 --scales 10 --queries 2 --seed 8000 --top 1 \
          --skip-poisson-references --output "$results/cost_full_n${n}.csv"
    done
    ;;
  *) echo "run.sh: unknown stage '$stage'" >&2; exit 2 ;;
  esac
done

/usr/bin/python3 "$here/plot.py" "$results" "$runs"
