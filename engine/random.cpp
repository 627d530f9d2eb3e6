// Seeded randomness and duration distributions: the only source of variation in a run.
#include <cassert>
#include <cmath>
#include <cstdlib>

#include "engine/units.hpp"

namespace firedrill {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

double DurationSpec::seconds() const {
  if (kind != Kind::fixed) {
    // A distribution reached the engine unrealized: a programming error, not bad input.
    assert(!"DurationSpec::seconds() on an unrealized distribution");
    std::abort();
  }
  return a_s;
}

double DurationSpec::mean_s() const {
  switch (kind) {
    case Kind::fixed:
    case Kind::normal:
    case Kind::lognormal:
    case Kind::exponential:
      return a_s;
    case Kind::uniform:
      return (a_s + b_s) / 2.0;
  }
  return a_s;
}

const char* to_string(DurationSpec::Kind kind) {
  switch (kind) {
    case DurationSpec::Kind::fixed:
      return "fixed";
    case DurationSpec::Kind::normal:
      return "normal";
    case DurationSpec::Kind::uniform:
      return "uniform";
    case DurationSpec::Kind::lognormal:
      return "lognormal";
    case DurationSpec::Kind::exponential:
      return "exponential";
  }
  return "?";
}

Rng::Rng(std::uint64_t seed) {
  for (std::uint64_t& word : state_) word = splitmix64(seed);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform01() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Rng::standard_normal() {
  // Box-Muller; one of the pair is dropped so each call consumes a fixed two draws.
  const double u1 = 1.0 - uniform01();  // (0, 1]
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double keyed_uniform01(std::uint64_t seed, std::string_view key, std::uint64_t n) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;  // FNV-1a of the key
  for (const char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  std::uint64_t state = seed ^ splitmix64(hash);
  state ^= splitmix64(n);
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

double draw_s(const DurationSpec& spec, Rng& rng) {
  double value = spec.a_s;
  switch (spec.kind) {
    case DurationSpec::Kind::fixed:
      break;
    case DurationSpec::Kind::normal:
      value = spec.a_s + spec.b_s * rng.standard_normal();
      break;
    case DurationSpec::Kind::uniform:
      value = spec.a_s + (spec.b_s - spec.a_s) * rng.uniform01();
      break;
    case DurationSpec::Kind::lognormal: {
      // mean m and sd s of the durations: sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2/2.
      const double m = spec.a_s;
      const double s = spec.b_s;
      if (m <= 0) return 0.0;
      const double sigma2 = std::log(1.0 + (s * s) / (m * m));
      const double mu = std::log(m) - sigma2 / 2.0;
      value = std::exp(mu + std::sqrt(sigma2) * rng.standard_normal());
      break;
    }
    case DurationSpec::Kind::exponential:
      value = -spec.a_s * std::log(1.0 - rng.uniform01());
      break;
  }
  return value < 0.0 ? 0.0 : value;
}

}  // namespace firedrill
