// Token byte strings by id, stored as one buffer and an offset per id: built and copied with a
// few memcpy calls instead of one allocation per token (start-up time).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace q3c {

struct TokenTable {
  std::string bytes;
  std::vector<uint32_t> offsets{0};  // token i is bytes[offsets[i], offsets[i + 1])

  size_t size() const { return offsets.size() - 1; }
  std::string_view operator[](size_t id) const {
    return std::string_view(bytes).substr(offsets[id], offsets[id + 1] - offsets[id]);
  }
  void push_back(std::string_view token) {
    bytes.append(token);
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
};

}  // namespace q3c
