#include "longcontext/study_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "errors/errors.hpp"
#include "config/number_list.hpp"
#include "config/options.hpp"
#include "longcontext/study_summary.hpp"
#include "parallel/timers.hpp"
#include "text/number_format.hpp"

namespace attnflow::longcontext {

using errors::require;

void add_study_options(config::OptionSet& options) {
  options.add<int>("dimension", 3, "", "ambient dimension d: keys live on S^{d-1}, d >= 2");
  add_key_law_options(options);
  options.add<std::string>("sampler", "full", "",
                           "full (every key, O(n) per query) | nearest (the M nearest keys, "
                           "critical and supercritical only) | poisson (the n = inf limit)");
  options.add<std::string>("keys", "100 1000 10000", "numbers",
                           "key counts n (a list; whole numbers, up to 1e18 for nearest)");
  options.add<std::string>("scales", "0.001:1000:19", "numbers",
                           "scales c of beta = c n^a: a list or a range first:last:count");
  options.add_optional("exponents", "numbers",
                       "exponents a of beta = c n^a (default: 2/(k-1) and 2/(k-1) +- 0.25; "
                       "a = 0 gives beta = c for every n)");
  options.add<long long>("queries", 200, "", "independent queries per key count (>= 2)");
  options.add<long long>("seed", 1, "", "random seed of the keys");
  options.add_flag("independent-counts",
                   "key count number i of --keys draws from seed + i, so that the samples at "
                   "different n are independent (default: one seed, a longer context extends a "
                   "shorter one)");
  options.add<int>("top", 5, "", "number K of ordered largest weights reported");
  options.add<double>("tolerance", 1e-10, "",
                      "nearest, poisson: keys are drawn until the rest carry below eps of the mass");
  options.add_flag("skip-poisson-references",
                   "do not compute the Poisson-limit references by quadrature (about 1 s per "
                   "distinct lambda)");
  options.add<int>("bins", 40, "", "histogram bins of the distributions (>= 1)");
  options.add_optional("distributions", "path",
                       "CSV of histograms and quantiles of the rescaled observables");
}

StudyPlan plan_from_options(const config::OptionSet& options) {
  StudyPlan plan;
  StudySetup& setup = plan.setup;
  const int d = options.get<int>("dimension");
  require(d >= 2, "--dimension: must be an integer >= 2 (got " + std::to_string(d) + ")");
  setup.law = key_law_from_options(options, d);
  setup.sampler = sampler_from_name(options.get<std::string>("sampler"));
  setup.queries = options.get<long long>("queries");
  setup.seed = static_cast<std::uint64_t>(options.get<long long>("seed"));
  setup.top_count = options.get<int>("top");
  setup.tolerance = options.get<double>("tolerance");
  plan.independent_counts = options.flag("independent-counts");
  plan.poisson_references = !options.flag("skip-poisson-references");
  plan.bins = options.get<int>("bins");
  require(plan.bins >= 1, "--bins: must be >= 1 (got " + std::to_string(plan.bins) + ")");
  plan.with_distributions = !options.get<std::string>("distributions").empty();
  plan.scales = config::parse_number_list(options.get<std::string>("scales"), "scales");
  require(!plan.scales.empty(), "--scales: no scale given");
  for (double c : plan.scales) require(c >= 0, "--scales: every scale c must be >= 0");
  const double critical = critical_exponent(setup.law);
  if (setup.sampler == Sampler::poisson) {
    require(!options.given("keys") && !options.given("exponents"),
            "--keys/--exponents: the poisson sampler is the n = inf limit at the critical scale; "
            "give --scales (c) only");
    plan.exponents = {critical};
    setup.betas = plan.scales;
  } else {
    plan.key_counts = config::parse_number_list(options.get<std::string>("keys"), "keys");
    require(!plan.key_counts.empty(), "--keys: no key count given");
    const double largest = setup.sampler == Sampler::nearest ? 1e18 : 9e15;
    for (double n : plan.key_counts)
      require(n >= 1 && n == std::floor(n) && n <= largest,
              "--keys: every key count must be a whole number in 1.." +
                  text::format_number(largest) + " (got " + text::format_number(n) + ")");
    plan.exponents = config::parse_number_list(options.get<std::string>("exponents"), "exponents");
    if (plan.exponents.empty()) plan.exponents = {critical - 0.25, critical, critical + 0.25};
  }
  // Validate every key count's setup now, so that bad input stops the run before any work.
  for (double n : plan.key_counts.empty() ? std::vector<double>{0.0} : plan.key_counts) {
    StudySetup each = setup;
    if (n > 0) {
      each.keys = static_cast<std::int64_t>(n);
      each.betas.clear();
      for (double a : plan.exponents)
        for (double c : plan.scales) each.betas.push_back(c * std::pow(n, a));
    }
    validate(each);
  }
  return plan;
}

PlanResult run_plan(const StudyPlan& plan, MPI_Comm comm, parallel::Timers* timers) {
  PlanResult result;
  PoissonReferences poisson(plan.poisson_references);
  const bool limit = plan.setup.sampler == Sampler::poisson;
  const std::size_t runs = limit ? 1 : plan.key_counts.size();
  double key_total = 0;
  for (std::size_t run = 0; run < runs; ++run) {
    StudySetup setup = plan.setup;
    if (!limit) {
      const double n = plan.key_counts[run];
      setup.keys = static_cast<std::int64_t>(n);
      setup.betas.clear();
      for (double a : plan.exponents)
        for (double c : plan.scales) setup.betas.push_back(c * std::pow(n, a));
    }
    if (plan.independent_counts) setup.seed += run;
    const double start = MPI_Wtime();
    const auto outcomes = run_study(setup, comm, timers);
    const double seconds_per_query = (MPI_Wtime() - start) / static_cast<double>(setup.queries);
    std::size_t b = 0;
    for (double a : plan.exponents)
      for (double c : plan.scales) {
        auto row = summarise(setup, b, a, c, outcomes[b], seconds_per_query, poisson);
        if (plan.with_distributions)
          result.distributions.push_back({row, distributions(setup, b, outcomes[b], plan.bins)});
        result.rows.push_back(std::move(row));
        ++b;
      }
    // All betas share one pass over a query's keys: it costs the keys of the smallest beta.
    for (std::int64_t query = 0; query < setup.queries; ++query) {
      double most = 0;
      for (const auto& per_beta : outcomes) most = std::max(most, per_beta[query].used_keys);
      key_total += most;
    }
    result.queries += setup.queries;
  }
  result.keys_per_query = result.queries > 0 ? key_total / static_cast<double>(result.queries) : 0;
  return result;
}

void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, int top_count) {
  const int d = rows.empty() ? 2 : rows.front().dimension;
  auto position = [](const std::vector<std::string>& names, const char* name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  const auto observables = observable_names(top_count, d);
  const auto references = reference_names(d);
  const std::size_t largest = position(observables, "weight_1"),
                    deficit = position(observables, "critical_deficit"),
                    used = position(observables, "used_keys"),
                    largest_reference = position(references, "poisson_largest_weight"),
                    deficit_reference = position(references, "poisson_critical_deficit");
  char line[256];
  std::snprintf(line, sizeof line, "%9s %7s %9s %9s %13s %20s %8s %22s %8s %10s\n", "keys", "a",
                "c", "c_n", "regime", "largest_weight", "poisson", "critical_deficit", "poisson",
                "keys_used");
  out << line;
  for (const auto& row : rows) {
    const auto& w = row.estimates[largest];
    const auto& r = row.estimates[deficit];
    std::snprintf(line, sizeof line,
                  "%9.3g %7.4f %9.3g %9.3g %13s %9.5f +- %7.5f %8.5f %10.4g +- %9.3g %8.4g %10.4g\n",
                  row.keys == 0 ? INFINITY : static_cast<double>(row.keys), row.exponent, row.scale,
                  row.scaled_beta, row.regime.c_str(), w.mean, w.standard_error,
                  row.references[largest_reference], r.mean, r.standard_error,
                  row.references[deficit_reference], row.estimates[used].mean);
    out << line;
  }
}

}  // namespace attnflow::longcontext
