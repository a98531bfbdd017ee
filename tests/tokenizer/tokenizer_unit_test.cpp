// The tokenizer's parts on their own, and properties of Qwen3's tokenizer on text that is not in
// the shared vectors: ids in range, round trips, both BPE strategies agreeing, the cache.
#include <gtest/gtest.h>

#include <random>

#include "frontend/error.h"
#include "frontend/tokenizer/byte_level.h"
#include "frontend/tokenizer/hf_regex.h"
#include "frontend/tokenizer/normalizer.h"
#include "frontend/tokenizer/pretokenizer.h"
#include "frontend/tokenizer/utf8.h"
#include "test_data.h"

namespace q3c {
namespace {

TEST(Utf8, DecodeAndValidate) {
  char32_t cp;
  EXPECT_EQ(utf8::decode("\xE2\x82\xAC", 0, cp), 3u);
  EXPECT_EQ(cp, U'€');
  EXPECT_EQ(utf8::decode("\xC0\x80", 0, cp), 0u);          // overlong
  EXPECT_EQ(utf8::decode("\xED\xA0\x80", 0, cp), 0u);      // surrogate
  EXPECT_EQ(utf8::decode("\xF4\x90\x80\x80", 0, cp), 0u);  // above U+10FFFF
  size_t bad = 0;
  EXPECT_TRUE(utf8::isValid("plain ascii and ü and 😀"));
  EXPECT_FALSE(utf8::isValid("12345678abc\xFF", &bad));
  EXPECT_EQ(bad, 11u);
}

TEST(Utf8, LossyReplacesMaximalSubparts) {
  // As Rust's String::from_utf8_lossy (and so Hugging Face's decode) does.
  EXPECT_EQ(utf8::lossy("a\xF0\x9F\x98" "b"), "a\xEF\xBF\xBD" "b");           // one U+FFFD for a cut 4-byte char
  EXPECT_EQ(utf8::lossy("\xE0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");             // E0 80 is no prefix: two
  EXPECT_EQ(utf8::lossy("\x80\xFF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(utf8::lossy("\xF0\x9F\x98\x80"), "😀");
  std::string out;
  EXPECT_EQ(utf8::appendLossy("x\xF0\x9F", out, false), 1u);  // the incomplete tail waits
  EXPECT_EQ(out, "x");
}

TEST(ByteLevel, AlphabetIsGpt2s) {
  const auto& t = byte_level::byteToChar();
  EXPECT_EQ(t[' '], U'Ġ');
  EXPECT_EQ(t['\n'], U'Ċ');
  EXPECT_EQ(t['A'], U'A');
  EXPECT_EQ(t[0xAD], U'Ń');
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string back;
  ASSERT_TRUE(byte_level::decode(byte_level::encode(all), back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(byte_level::decode("a b", back));  // a plain space is not in the alphabet
  EXPECT_EQ(byte_level::decodeToken("a b"), "a b");
}

TEST(HfRegex, WhiteSpaceMeansTheUnicodeProperty) {
  EXPECT_EQ(hfRegexToPcre2(R"(\s+(?!\S)|[^\s\p{L}])"), R"(\p{White_Space}+(?!\P{White_Space})|[^\p{White_Space}\p{L}])");
  EXPECT_EQ(hfRegexToPcre2(R"(\\s\n)"), R"(\\s\n)");
}

std::vector<std::string> splitQwen(std::string_view text) {
  static const RegexSplitter splitter(
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)");
  std::vector<std::string_view> pieces;
  splitter.split(text, pieces);
  return {pieces.begin(), pieces.end()};
}

TEST(Pretokenizer, QwenPatternPieces) {
  using V = std::vector<std::string>;
  EXPECT_EQ(splitQwen("Hello world!!\n\n  x"), (V{"Hello", " world", "!!\n\n", " ", " x"}));
  EXPECT_EQ(splitQwen("I'M 2024"), (V{"I", "'M", " ", "2", "0", "2", "4"}));
  // U+0085 is white space for Hugging Face; U+180E is not (PCRE2's own \s would say it is).
  EXPECT_EQ(splitQwen("a\u0085b"), (V{"a", "\u0085b"}));
  EXPECT_EQ(splitQwen("a \u180E b"), (V{"a", " \u180E", " b"}));
  EXPECT_EQ(splitQwen("x\u3000\u3000y"), (V{"x", "\u3000", "\u3000y"}));
}

TEST(Normalizer, NfcThroughIcu) {
  Normalizer nfc({NormalForm::NFC});
  std::string out;
  EXPECT_FALSE(nfc.apply("already NFC: é", out));
  ASSERT_TRUE(nfc.apply("e\u0301", out));
  EXPECT_EQ(out, "é");
  ASSERT_TRUE(nfc.apply("\u212B", out));  // ANGSTROM SIGN → Å
  EXPECT_EQ(out, "\u00C5");
}

// Deterministic random text from pieces that exercise every branch of the regex and BPE.
std::string randomText(std::mt19937& rng, size_t pieces) {
  static const char* const kAlphabet[] = {
      "a", "Z", "the", " quick", "'s", "'LL", "0", "42", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u0085", "\u3000",
      "\ufeff", "\u180e", "é", "e\u0301", "ß", "中文", "日本語", "한국어", "😀", "👨\u200d👩", "🫠", "\U0010FFFF", "\U000E0041",
      "!", "...", "{", "}", "()", "<|im_start|>", "<|endoftext|>", "<think>", "</tool_call>", "<|im_start", "\x7f",
      "\u0663", "½", "Ⅻ", "\xef\xbf\xbd", "ﬁ", "Ω", "ǅ", "ſ", "K"};
  std::uniform_int_distribution<size_t> pick(0, std::size(kAlphabet) - 1);
  std::string s;
  for (size_t i = 0; i < pieces; ++i) s += kAlphabet[pick(rng)];
  return s;
}

std::string nfc(std::string_view s) {
  std::string out;
  return Normalizer({NormalForm::NFC}).apply(s, out) ? out : std::string(s);
}

TEST(Qwen3Properties, RandomTextRoundTripsAndStaysInRange) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) {
    std::string text = randomText(rng, 1 + static_cast<size_t>(i % 40));
    std::vector<int32_t> ids = tok.encode(text);
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < tok.vocabSize()) << id;
    // Special tokens are parsed, so decoding gives the NFC text back exactly (NFC applies only
    // between special tokens, and none of them changes under NFC).
    EXPECT_EQ(tok.decode(ids), nfc(text)) << nlohmann::json(text).dump();
    EXPECT_EQ(tok.encode(text), ids) << "second encode (word cache warm) differs";
  }
}

TEST(Qwen3Properties, ScanAndHeapMergeAgree) {
  Q3C_REQUIRE_TOKENIZER();
  const BpeModel& bpe = test::qwen3()->model();
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string piece = randomText(rng, 1 + static_cast<size_t>(i % 12));
    if (piece.size() > BpeModel::kShortPiece) piece.resize(BpeModel::kShortPiece);
    std::vector<int32_t> a, b;
    bpe.encodeByScan(piece, a);
    bpe.encodeByHeap(piece, b);
    ASSERT_EQ(a, b) << nlohmann::json(utf8::lossy(piece)).dump();
  }
}

TEST(Qwen3Properties, LongPiecesAndSpecialTokens) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  std::string longWord(5000, 'a');
  std::vector<int32_t> ids = tok.encode(longWord);
  EXPECT_EQ(tok.decode(ids), longWord);
  EXPECT_LT(ids.size(), 1000u);
  EXPECT_EQ(tok.encode("<|im_start|>"), (std::vector<int32_t>{151644}));
  EXPECT_EQ(tok.encode("<|im_end|><|im_end|>"), (std::vector<int32_t>{151645, 151645}));
  EXPECT_EQ(tok.tokenId("<think>"), std::optional<int32_t>(151667));
  EXPECT_TRUE(tok.isSpecial(151643));
  EXPECT_FALSE(tok.isSpecial(151667));  // <think> is added but not special
  EXPECT_EQ(tok.decode(tok.encode("<|im_start|>user\nhi<|im_end|>"), true), "user\nhi");
  EXPECT_EQ(tok.vocabSize(), 151669u);
}

TEST(Qwen3Properties, RejectsInvalidUtf8AndBadIds) {
  Q3C_REQUIRE_TOKENIZER();
  const Tokenizer& tok = *test::qwen3();
  try {
    tok.encode("ok \xC3\x28");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "text to tokenize is not valid UTF-8 (byte 3 of 5)");
  }
  std::vector<int32_t> bad{1, 151669};
  EXPECT_THROW(tok.decode(bad), Error);
  // Byte tokens that do not form UTF-8 decode to U+FFFD, as in Hugging Face.
  EXPECT_EQ(tok.decode(std::vector<int32_t>{*tok.tokenId("\xF0")}), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace q3c
