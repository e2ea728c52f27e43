#include "continuum/limiter.hpp"

#include "errors/errors.hpp"

namespace attnflow::continuum {

std::vector<std::string> limiter_names() { return {"first-order", "minmod", "van-leer", "mc"}; }

Limiter limiter_from_name(const std::string& name) {
  if (name == "first-order") return Limiter::first_order;
  if (name == "minmod") return Limiter::minmod;
  if (name == "van-leer") return Limiter::van_leer;
  if (name == "mc") return Limiter::mc;
  throw errors::InputError("--limiter: unknown limiter '" + name +
                           "'; accepted: first-order, minmod, van-leer, mc");
}

std::string limiter_name(Limiter limiter) {
  switch (limiter) {
    case Limiter::first_order:
      return "first-order";
    case Limiter::minmod:
      return "minmod";
    case Limiter::van_leer:
      return "van-leer";
    case Limiter::mc:
      return "mc";
  }
  return "unknown";
}

}  // namespace attnflow::continuum
