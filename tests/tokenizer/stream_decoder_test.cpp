// The streaming decoder never emits part of a UTF-8 character, and what it emits adds up to
// Tokenizer::decode of the same ids.
#include <gtest/gtest.h>

#include <random>

#include "frontend/tokenizer/stream_decoder.h"
#include "frontend/tokenizer/utf8.h"
#include "test_data.h"

namespace q3c {
namespace {

// Pushes ids one at a time; every chunk must be valid UTF-8.
std::vector<std::string> streamChunks(const Tokenizer& tok, const std::vector<int32_t>& ids, bool skipSpecial = false) {
  StreamDecoder d(tok, skipSpecial);
  std::vector<std::string> chunks;
  for (int32_t id : ids) chunks.push_back(d.push(id));
  chunks.push_back(d.flush());
  return chunks;
}

std::string join(const std::vector<std::string>& chunks) {
  std::string s;
  for (const auto& c : chunks) s += c;
  return s;
}

TEST(StreamDecoder, HoldsCharactersSplitAcrossTokens) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  // U+10FFFF is four byte tokens; 🫠 is three tokens.
  for (const char* text : {"\U0010FFFF", "🫠", "a🫠b", "ᠨᠢᠩᠭᠣᠯ", "👨\u200d👩\u200d👧\u200d👦"}) {
    std::vector<int32_t> ids = tok.encode(text);
    std::vector<std::string> chunks = streamChunks(tok, ids);
    for (const auto& c : chunks) EXPECT_TRUE(utf8::isValid(c)) << "a chunk of " << text << " is not UTF-8";
    EXPECT_EQ(join(chunks), text);
  }
  std::vector<int32_t> ids = tok.encode("\U0010FFFF");
  ASSERT_EQ(ids.size(), 4u);
  std::vector<std::string> chunks = streamChunks(tok, ids);
  EXPECT_EQ(chunks[0], "");
  EXPECT_EQ(chunks[1], "");
  EXPECT_EQ(chunks[2], "");
  EXPECT_EQ(chunks[3], "\U0010FFFF");
}

TEST(StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  int32_t f0 = *tok.tokenId("\xF0"), b9f = *tok.tokenId("\x9F"), a = *tok.tokenId("A");
  StreamDecoder d(tok);
  EXPECT_EQ(d.push(f0), "");
  EXPECT_EQ(d.push(b9f), "");
  EXPECT_EQ(d.pendingBytes(), 2u);
  EXPECT_EQ(d.push(a), "\xEF\xBF\xBD" "A");  // F0 9F can no longer complete
  EXPECT_EQ(d.push(f0), "");
  EXPECT_EQ(d.flush(), "\xEF\xBF\xBD");  // an incomplete character at the end
  EXPECT_EQ(d.pendingBytes(), 0u);
}

TEST(StreamDecoder, MatchesWholeDecodeOnRandomIds) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> anyId(0, static_cast<int32_t>(tok.vocabSize()) - 1);
  for (int round = 0; round < 200; ++round) {
    std::vector<int32_t> ids;
    for (int i = 0; i < 30; ++i) ids.push_back(anyId(rng));
    std::vector<std::string> chunks = streamChunks(tok, ids);
    for (const auto& c : chunks) ASSERT_TRUE(utf8::isValid(c));
    ASSERT_EQ(join(chunks), tok.decode(ids));
  }
}

TEST(StreamDecoder, SkipsSpecialTokensWhenAsked) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  std::vector<int32_t> ids = tok.encode("<|im_start|>assistant\n<think>\nok</think>é<|im_end|>");
  EXPECT_EQ(join(streamChunks(tok, ids, true)), "assistant\n<think>\nok</think>é");
  EXPECT_EQ(join(streamChunks(tok, ids, false)), "<|im_start|>assistant\n<think>\nok</think>é<|im_end|>");
}

}  // namespace
}  // namespace q3c
