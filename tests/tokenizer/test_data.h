// Where the tokenizer tests find their data, and a shared Qwen3 tokenizer loaded once. Missing
// data is a test failure that says how to get it, never a silent skip.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "frontend/tokenizer/tokenizer.h"

namespace q3c::test {

std::string tokenizerJsonPath();  // Q3C_TOKENIZER_JSON
std::string vectorsPath();        // ../shared/tokenizer/vectors.json
std::string templatePath();       // ../shared/tokenizer/qwen3-chat-template.jinja

// Empty string when present; otherwise the message to fail with.
std::string missingTokenizerMessage();
std::string missingVectorsMessage();

// The Qwen3 tokenizer (nullptr when tokenizer.json is missing: call missingTokenizerMessage).
const Tokenizer* qwen3();
// vectors.json (null json when missing).
const nlohmann::ordered_json& vectors();
std::string readText(const std::string& path);

}  // namespace q3c::test

// Fails the current test (and returns) when the Qwen3 tokenizer is not there.
#define Q3C_REQUIRE_TOKENIZER()                                                   \
  do {                                                                            \
    if (std::string m = ::q3c::test::missingTokenizerMessage(); !m.empty()) {     \
      FAIL() << m;                                                                \
    }                                                                             \
  } while (0)
#define Q3C_REQUIRE_VECTORS()                                                     \
  do {                                                                            \
    if (std::string m = ::q3c::test::missingVectorsMessage(); !m.empty()) {       \
      FAIL() << m;                                                                \
    }                                                                             \
  } while (0)
