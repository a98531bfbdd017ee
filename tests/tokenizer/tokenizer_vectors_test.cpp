// Every `cases` entry of ../shared/tokenizer/vectors.json: the ids exactly as Hugging Face gives
// them, and decode(encode(text)) == text where the vector says the round trip holds.
#include <gtest/gtest.h>

#include "test_data.h"

namespace q3c {
namespace {

int caseCount() {
  const auto& v = test::vectors();
  return v.is_object() && v.contains("cases") ? static_cast<int>(v["cases"].size()) : 1;
}

class TokenizerVectors : public ::testing::TestWithParam<int> {};

TEST_P(TokenizerVectors, IdsAndRoundTrip) {
  Q3C_REQUIRE_VECTORS();
  Q3C_REQUIRE_TOKENIZER();
  const auto& c = test::vectors()["cases"][static_cast<size_t>(GetParam())];
  std::string text = c["text"].get<std::string>();
  std::vector<int32_t> expected = c["ids"].get<std::vector<int32_t>>();
  std::vector<int32_t> ids = test::qwen3()->encode(text);
  EXPECT_EQ(ids, expected) << "text: " << nlohmann::json(text).dump();
  if (c["roundtrip"].get<bool>()) {
    EXPECT_EQ(test::qwen3()->decode(ids), text);
  }
  // Decoding Hugging Face's ids gives the normalized text, whatever the flag says.
  EXPECT_EQ(test::qwen3()->decode(expected), test::qwen3()->decode(ids));
}

INSTANTIATE_TEST_SUITE_P(Cases, TokenizerVectors, ::testing::Range(0, caseCount()));

TEST(TokenizerVectorsFile, HasAllCases) {
  Q3C_REQUIRE_VECTORS();
  EXPECT_GE(test::vectors()["cases"].size(), 200u);
}

}  // namespace
}  // namespace q3c
