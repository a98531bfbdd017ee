// A binary form of a parsed tokenizer.json, so that loading skips the 11 MB JSON parse. It is
// keyed by the JSON file's size and modification time (and a format version); any mismatch or
// damage makes the reader return nothing and the caller parse the JSON again.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "frontend/tokenizer/tokenizer_spec.h"

namespace q3c {

struct CacheKey {
  uint64_t size = 0;
  int64_t mtimeNs = 0;
};

CacheKey cacheKeyOf(const std::filesystem::path& json);

std::optional<TokenizerSpec> readTokenizerCache(const std::filesystem::path& file, const CacheKey& key);

// Writes atomically (temp file + rename). Returns false (and leaves nothing) when it cannot.
bool writeTokenizerCache(const std::filesystem::path& file, const CacheKey& key, const TokenizerSpec& spec);

// Where the cache of a tokenizer.json lives: beside it when that folder is writable, otherwise
// under $XDG_CACHE_HOME (or ~/.cache)/q3c/. Empty when neither is usable.
std::filesystem::path cachePathFor(const std::filesystem::path& json, bool forWriting);

}  // namespace q3c
