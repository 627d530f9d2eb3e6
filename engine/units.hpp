// Units of the scenario format: durations, sizes, rates and duration distributions.
// Every quantity is stored in SI base units with the unit in the name (seconds, bytes,
// bytes per second), so nothing downstream ever parses text again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firedrill {

// Parses "500ms", "45s", "15m", "2h", "1d" (a bare number means seconds). Returns nullopt
// on anything else; the loader turns that into an error naming the offending text.
std::optional<double> parse_duration_s(std::string_view text);
// Parses "60GiB", "500MB", "4KiB", "12B" (a bare number means bytes).
std::optional<double> parse_size_B(std::string_view text);
// Parses SimGrid-style rates: "1Gbps" (bits/s), "100MBps" (bytes/s), "200Mbps",
// "1GiBps". Returns bytes per second.
std::optional<double> parse_rate_Bps(std::string_view text);

// Parses SimGrid-style speeds: "1Gf", "500Mf", "2.5Gflops" (a bare number means flop/s).
std::optional<double> parse_speed_flops(std::string_view text);

// Canonical text forms, chosen so that parse(format(x)) == x for the values they print.
std::string format_duration(double seconds);
std::string format_size(double bytes);
std::string format_rate(double bytes_per_second);
std::string format_speed(double flops);

// A duration that is either fixed or drawn from a distribution with the run's seed.
// Parameters are in seconds. Meaning of a and b per kind:
//   fixed: a = value;  normal: a = mean, b = sd;  uniform: a = min, b = max;
//   lognormal: a = mean, b = sd (of the durations themselves, not of their log);
//   exponential: a = mean.
// Draws below zero (normal) are clamped to zero.
struct DurationSpec {
  enum class Kind { fixed, normal, uniform, lognormal, exponential };
  Kind kind = Kind::fixed;
  double a_s = 0.0;
  double b_s = 0.0;

  static DurationSpec fixed_at(double seconds) { return {Kind::fixed, seconds, 0.0}; }
  bool is_fixed() const { return kind == Kind::fixed; }
  // The value of a fixed duration. Asserts (aborts) on a distribution that was not
  // realized first: the engine only ever sees realized scenarios.
  double seconds() const;
  // The mean of the distribution (the value itself when fixed): used by validation and
  // by analytic predictions.
  double mean_s() const;
  bool operator==(const DurationSpec&) const = default;
};

const char* to_string(DurationSpec::Kind kind);
// The scenario-format JSON text of a spec: "45s" for a fixed one, else
// {"dist":"normal","mean":"45s","sd":"10s"} and so on; the loader reads it back unchanged.
std::string format_duration_spec(const DurationSpec& spec);

// Deterministic pseudo-random numbers from a 64-bit seed (splitmix64 + xoshiro256**),
// implemented here so that a seed reproduces a run on any standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next_u64();
  double uniform01();  // in [0, 1)
  double standard_normal();

 private:
  std::uint64_t state_[4];
};

// Draws one value of the spec (seconds, >= 0).
double draw_s(const DurationSpec& spec, Rng& rng);

// One uniform draw in [0, 1) named by (seed, key, n) alone, independent of every other draw:
// a backend that decides per event (the n-th boot of VM `key`) gets the same answer for the
// same seed whatever else happened in the run, in whatever order.
double keyed_uniform01(std::uint64_t seed, std::string_view key, std::uint64_t n);

}  // namespace firedrill
