#include "test_data.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace q3c::test {

std::string tokenizerJsonPath() { return Q3C_TOKENIZER_JSON; }
std::string vectorsPath() { return std::string(Q3C_SHARED_DIR) + "/tokenizer/vectors.json"; }
std::string templatePath() { return std::string(Q3C_SHARED_DIR) + "/tokenizer/qwen3-chat-template.jinja"; }

std::string missingTokenizerMessage() {
  if (std::filesystem::exists(tokenizerJsonPath())) return {};
  return tokenizerJsonPath() + " is missing: run scripts/fetch_tokenizer.sh (it fetches Qwen3's tokenizer.json)";
}

std::string missingVectorsMessage() {
  if (std::filesystem::exists(vectorsPath())) return {};
  return vectorsPath() + " is missing: the shared/ folder must sit beside the checkout (or set -DQ3C_SHARED_DIR)";
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Tokenizer* qwen3() {
  static const std::unique_ptr<Tokenizer> tok = []() -> std::unique_ptr<Tokenizer> {
    if (!missingTokenizerMessage().empty()) return nullptr;
    return std::make_unique<Tokenizer>(Tokenizer::load(tokenizerJsonPath()));
  }();
  return tok.get();
}

const nlohmann::ordered_json& vectors() {
  static const nlohmann::ordered_json v = [] {
    if (!missingVectorsMessage().empty()) return nlohmann::ordered_json();
    return nlohmann::ordered_json::parse(readText(vectorsPath()));
  }();
  return v;
}

}  // namespace q3c::test
