// The model's chat template (the `chat_template` of tokenizer_config.json, or chat_template.jinja
// beside it) rendered as transformers' apply_chat_template does: messages, tools,
// add_generation_prompt, enable_thinking, and the special tokens of the config as variables.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "frontend/tokenizer/jinja/template.h"

namespace q3c {

struct ChatOptions {
  bool addGenerationPrompt = false;
  std::optional<bool> enableThinking;     // unset: left undefined, the template's default (Qwen3: on)
  nlohmann::ordered_json tools;           // null, or a list of tool (function) schemas
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // more variables, e.g. documents
};

class ChatTemplate {
 public:
  // DIR/tokenizer_config.json (DIR/chat_template.jinja wins when present, as in transformers), or
  // the tokenizer_config.json given. Throws q3c::Error naming the file.
  static ChatTemplate load(const std::filesystem::path& dirOrConfig);
  // From the content of a tokenizer_config.json (its chat_template and special tokens), e.g. as
  // rebuilt from a GGUF file's metadata; `origin` names it in messages.
  static ChatTemplate fromConfig(const nlohmann::ordered_json& config, const std::string& origin);

  // `specialTokens` are extra variables such as {"eos_token": "<|im_end|>"}.
  ChatTemplate(std::string_view source, std::string name,
               nlohmann::ordered_json specialTokens = nlohmann::ordered_json::object());

  // `messages`: a JSON array of {"role": ..., "content": ...} objects (with tool_calls,
  // reasoning_content, ... as the template reads them).
  std::string render(const nlohmann::ordered_json& messages, const ChatOptions& options = {}) const;

  const std::string& name() const { return template_.name(); }

 private:
  jinja::Template template_;
  nlohmann::ordered_json specialTokens_;
};

}  // namespace q3c
