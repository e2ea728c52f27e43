// Number-list options: plain lists, commas, and geometric ranges first:last:count.
#include <catch2/catch.hpp>

#include <cmath>

#include "errors/errors.hpp"
#include "config/number_list.hpp"

using attnflow::errors::InputError;
using attnflow::config::parse_number_list;

TEST_CASE("Number lists: words, commas and geometric ranges", "[config]") {
  CHECK(parse_number_list("", "x").empty());
  CHECK(parse_number_list("1 2.5,1e3", "x") == std::vector<double>{1, 2.5, 1000});
  // A geometric range hits both end points exactly and has a constant ratio in between.
  const auto range = parse_number_list("0.001:1000:13", "x");
  REQUIRE(range.size() == 13);
  CHECK(range.front() == 0.001);
  CHECK(range.back() == 1000);
  for (std::size_t i = 1; i < range.size(); ++i)
    CHECK(range[i] / range[i - 1] == Approx(std::sqrt(10.0)).epsilon(1e-13));
  CHECK(parse_number_list("5 1:100:3", "x") == std::vector<double>{5, 1, 10, 100});
}

TEST_CASE("Number lists reject malformed words and ranges", "[config]") {
  CHECK_THROWS_AS(parse_number_list("1 x", "scales"), InputError);
  CHECK_THROWS_AS(parse_number_list("1e400", "scales"), InputError);
  CHECK_THROWS_AS(parse_number_list("0:10:5", "scales"), InputError);
  CHECK_THROWS_AS(parse_number_list("1:10", "scales"), InputError);
  CHECK_THROWS_AS(parse_number_list("1:10:2.5", "scales"), InputError);
  try {
    parse_number_list("1 x", "scales");
  } catch (const InputError& error) {
    CHECK(std::string(error.what()).rfind("--scales:", 0) == 0);
  }
}
