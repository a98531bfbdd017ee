// Every `chat` entry of ../shared/tokenizer/vectors.json: Qwen3's own template rendered to the
// exact text transformers produces, and that text tokenized to the exact ids.
#include <gtest/gtest.h>

#include <filesystem>

#include "frontend/tokenizer/chat_template.h"
#include "test_data.h"

namespace q3c {
namespace {

int chatCount() {
  const auto& v = test::vectors();
  return v.is_object() && v.contains("chat") ? static_cast<int>(v["chat"].size()) : 1;
}

ChatOptions optionsOf(const nlohmann::ordered_json& c) {
  ChatOptions o;
  o.addGenerationPrompt = c.value("add_generation_prompt", false);
  if (c.contains("enable_thinking")) o.enableThinking = c["enable_thinking"].get<bool>();
  if (c.contains("tools")) o.tools = c["tools"];
  return o;
}

class ChatVectors : public ::testing::TestWithParam<int> {};

TEST_P(ChatVectors, TextAndIds) {
  Q3C_REQUIRE_VECTORS();
  const auto& c = test::vectors()["chat"][static_cast<size_t>(GetParam())];
  ChatTemplate tmpl(test::readText(test::templatePath()), "qwen3-chat-template.jinja");
  std::string text = tmpl.render(c["messages"], optionsOf(c));
  EXPECT_EQ(text, c["text"].get<std::string>());
  Q3C_REQUIRE_TOKENIZER();
  EXPECT_EQ(test::qwen3()->encode(text), c["ids"].get<std::vector<int32_t>>());
}

// The same through tokenizer_config.json as scripts/fetch_tokenizer.sh writes it.
TEST_P(ChatVectors, FromTokenizerConfig) {
  Q3C_REQUIRE_VECTORS();
  Q3C_REQUIRE_TOKENIZER();
  const auto& c = test::vectors()["chat"][static_cast<size_t>(GetParam())];
  ChatTemplate tmpl = ChatTemplate::load(std::filesystem::path(test::tokenizerJsonPath()).parent_path());
  EXPECT_EQ(tmpl.render(c["messages"], optionsOf(c)), c["text"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Chat, ChatVectors, ::testing::Range(0, chatCount()));

TEST(ChatVectorsFile, TemplateIsTheCurrentOne) {
  Q3C_REQUIRE_VECTORS();
  EXPECT_EQ(test::readText(test::templatePath()).size(), 4168u);
}

}  // namespace
}  // namespace q3c

namespace q3c {
namespace {

// Conversations that are not in the shared vectors (random, made by make_jinja_cases.py with
// Jinja2 as the oracle): tools, tool calls with dict and string arguments, reasoning_content,
// earlier turns' thinking, tool responses in a row, \r\n, empty and null content.
const nlohmann::ordered_json& moreChats() {
  static const nlohmann::ordered_json c = nlohmann::ordered_json::parse(
      test::readText(std::filesystem::path(__FILE__).parent_path() / "chat_cases.json"));
  return c;
}

class MoreChats : public ::testing::TestWithParam<int> {};

TEST_P(MoreChats, RenderLikeJinja2AndRoundTrip) {
  const auto& c = moreChats()[static_cast<size_t>(GetParam())];
  ChatTemplate tmpl(test::readText(test::templatePath()), "qwen3-chat-template.jinja");
  std::string text = tmpl.render(c["messages"], optionsOf(c));
  EXPECT_EQ(text, c["text"].get<std::string>());
  Q3C_REQUIRE_TOKENIZER();
  std::vector<int32_t> ids = test::qwen3()->encode(text);
  EXPECT_EQ(test::qwen3()->decode(ids), text);
  EXPECT_EQ(ids.front(), 151644);  // <|im_start|>, parsed as one token
}

INSTANTIATE_TEST_SUITE_P(Random, MoreChats, ::testing::Range(0, static_cast<int>(moreChats().size())));

}  // namespace
}  // namespace q3c
