// Malformed and unsupported tokenizer.json files are rejected with a message that names the file
// and the problem; the binary cache is used when valid and ignored when stale or damaged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/error.h"
#include "frontend/tokenizer/byte_level.h"
#include "frontend/tokenizer/tokenizer.h"
#include "frontend/tokenizer/tokenizer_cache.h"

namespace q3c {
namespace {

using nlohmann::json;

// A small valid byte-level BPE tokenizer.json: 256 byte tokens, merges "h e" → "he", "he y" →
// "hey", one added token.
json tinyTokenizer() {
  json vocab = json::object();
  const auto& table = byte_level::byteToChar();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    char32_t c = table[static_cast<size_t>(b)];
    // UTF-8 of the alphabet character
    if (c < 0x80) s += static_cast<char>(c);
    else {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
    vocab[s] = b;
  }
  vocab["he"] = 256;
  vocab["hey"] = 257;
  return json{
      {"version", "1.0"},
      {"added_tokens", json::array({json{{"id", 258}, {"content", "<|end|>"}, {"special", true}, {"normalized", false}}})},
      {"normalizer", json{{"type", "NFC"}}},
      {"pre_tokenizer", json{{"type", "Sequence"},
                             {"pretokenizers", json::array({json{{"type", "Split"},
                                                                 {"pattern", json{{"Regex", R"( ?\p{L}+|\s+|.)"}}},
                                                                 {"behavior", "Isolated"},
                                                                 {"invert", false}},
                                                            json{{"type", "ByteLevel"}, {"add_prefix_space", false},
                                                                 {"use_regex", false}}})}}},
      {"decoder", json{{"type", "ByteLevel"}}},
      {"model", json{{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"h e", json::array({"he", "y"})})}}}};
}

std::string loadError(const json& j) {
  try {
    Tokenizer::fromJson(j.dump(), "t.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerJson, TinyTokenizerWorks) {
  Tokenizer tok = Tokenizer::fromJson(tinyTokenizer().dump(), "t.json");
  EXPECT_EQ(tok.encode("hey<|end|>he"), (std::vector<int32_t>{257, 258, 256}));
  EXPECT_EQ(tok.decode(tok.encode("hey héy\n")), "hey héy\n");
}

TEST(TokenizerJson, MalformedFilesAreRejectedClearly) {
  EXPECT_NE(std::string(loadError(json("not an object"))).find("t.json: not a tokenizer.json"), std::string::npos);
  try {
    Tokenizer::fromJson("{\"model\": {", "t.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("t.json: not valid JSON: ", 0), 0u) << e.what();
  }
  json j = tinyTokenizer();
  j.erase("model");
  EXPECT_EQ(loadError(j), "t.json: missing 'model' object");
  j = tinyTokenizer();
  j["model"].erase("merges");
  EXPECT_EQ(loadError(j), "t.json: model has no 'merges' array");
  j = tinyTokenizer();
  j["model"].erase("vocab");
  EXPECT_EQ(loadError(j), "t.json: model has no 'vocab' object");
  j = tinyTokenizer();
  j["model"]["merges"].push_back("he zz");
  EXPECT_EQ(loadError(j), "t.json: merge 2 (\"he\", \"zz\") uses a token that is not in the vocab");
  j = tinyTokenizer();
  j["model"]["merges"].push_back("e y");
  EXPECT_EQ(loadError(j), "t.json: merge 2 makes \"ey\", which is not in the vocab");
  j = tinyTokenizer();
  j["model"]["merges"].push_back(42);
  EXPECT_EQ(loadError(j), "t.json: merge 2 is neither \"a b\" nor [\"a\", \"b\"]: 42");
  j = tinyTokenizer();
  j["model"]["vocab"]["x"] = "seven";
  EXPECT_EQ(loadError(j), "t.json: vocab entry \"x\" has no integer id");
  j = tinyTokenizer();
  j["model"]["vocab"].erase("A");
  EXPECT_EQ(loadError(j), "t.json: the vocabulary has no token for byte 0x41 (byte-level BPE needs all 256)");
}

TEST(TokenizerJson, UnsupportedComponentsAreNamed) {
  json j = tinyTokenizer();
  j["model"]["type"] = "WordPiece";
  EXPECT_EQ(loadError(j), "t.json: unsupported model type 'WordPiece' (q3c supports byte-level BPE)");
  j = tinyTokenizer();
  j["normalizer"] = json{{"type", "Lowercase"}};
  EXPECT_EQ(loadError(j), "t.json: unsupported normalizer type 'Lowercase' (q3c supports NFC, NFD, NFKC, NFKD and Sequence)");
  j = tinyTokenizer();
  j["pre_tokenizer"]["pretokenizers"][0]["type"] = "Whitespace";
  EXPECT_EQ(loadError(j), "t.json: unsupported pre_tokenizer[0] type 'Whitespace' (q3c supports Split, ByteLevel and Sequence)");
  j = tinyTokenizer();
  j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed";
  EXPECT_EQ(loadError(j), "t.json: unsupported Split behavior 'Removed' in 'pre_tokenizer[0]' (q3c supports Isolated)");
  j = tinyTokenizer();
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  EXPECT_EQ(loadError(j).rfind("pre-tokenizer regex does not compile with PCRE2 at offset 9: missing closing parenthesis", 0), 0u)
      << loadError(j);
  j = tinyTokenizer();
  j["decoder"] = json{{"type", "WordPiece"}};
  EXPECT_EQ(loadError(j), "t.json: unsupported decoder type 'WordPiece' (q3c supports ByteLevel)");
  j = tinyTokenizer();
  j["model"]["byte_fallback"] = true;
  EXPECT_EQ(loadError(j), "t.json: unsupported BPE option byte_fallback=true");
}

class TokenizerFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("q3c_tok_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(dir_ / "tokenizer.json", std::ios::binary) << text; }
  std::filesystem::path dir_;
};

TEST_F(TokenizerFiles, MissingFileNamesIt) {
  try {
    Tokenizer::load(dir_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "tokenizer.json").string() + ": not found (a tokenizer.json or a model folder holding one)");
  }
}

TEST_F(TokenizerFiles, BinaryCacheIsWrittenReadAndRefreshed) {
  write(tinyTokenizer().dump());
  Tokenizer first = Tokenizer::load(dir_);
  EXPECT_FALSE(first.loadInfo().fromCache);
  EXPECT_TRUE(first.loadInfo().cacheWritten);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "tokenizer.json.q3c-cache"));
  Tokenizer second = Tokenizer::load(dir_);
  EXPECT_TRUE(second.loadInfo().fromCache);
  EXPECT_EQ(second.encode("hey<|end|> he"), first.encode("hey<|end|> he"));

  // A changed tokenizer.json (other size) makes the cache stale: it is parsed again.
  json j = tinyTokenizer();
  j["added_tokens"].push_back(json{{"id", 259}, {"content", "<|x|>"}, {"special", true}});
  write(j.dump());
  Tokenizer third = Tokenizer::load(dir_);
  EXPECT_FALSE(third.loadInfo().fromCache);
  EXPECT_EQ(third.encode("<|x|>"), (std::vector<int32_t>{259}));

  // A damaged cache is ignored too.
  std::ofstream(dir_ / "tokenizer.json.q3c-cache", std::ios::binary | std::ios::trunc) << "Q3CTOK01 garbage";
  Tokenizer fourth = Tokenizer::load(dir_);
  EXPECT_FALSE(fourth.loadInfo().fromCache);
  EXPECT_EQ(fourth.encode("<|x|>"), (std::vector<int32_t>{259}));

  Tokenizer noCache = Tokenizer::load(dir_ / "tokenizer.json", TokenizerLoadOptions{false});
  EXPECT_FALSE(noCache.loadInfo().fromCache);
  EXPECT_FALSE(noCache.loadInfo().cacheWritten);
}

}  // namespace
}  // namespace q3c
