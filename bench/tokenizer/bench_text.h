// A large mixed text made deterministically from a seed: English prose, European prose with
// accents, source code (C++, Python, JSON), Chinese, Japanese, Korean, emoji. No downloads.
#pragma once
#include <cstdint>
#include <string>

namespace q3c::bench {

std::string mixedText(size_t bytes, uint64_t seed = 1);

}  // namespace q3c::bench
