// SHA-256 (FIPS 180-4), small and self-contained: the loader records the digest of every
// input file so a report can prove which plan and scenario produced it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace firedrill {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // The digest of everything passed to update(); the object must not be used afterwards.
  std::array<std::uint8_t, 32> finish();

 private:
  void compress(const std::uint8_t* block);

  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// Lower-case hex digest of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace firedrill
