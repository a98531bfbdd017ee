#include "frontend/tokenizer/chat_template.h"

#include <fstream>
#include <sstream>

#include "frontend/error.h"

namespace q3c {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// bos_token & co. are a string or an AddedToken object {"content": ...}; null means none.
ordered_json specialTokensOf(const ordered_json& config) {
  ordered_json out = ordered_json::object();
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    const ordered_json& v = config[key];
    if (v.is_string()) out[key] = v;
    else if (v.is_object() && v.contains("content") && v["content"].is_string()) out[key] = v["content"];
  }
  return out;
}

std::string templateOf(const ordered_json& config, const std::string& origin) {
  if (!config.contains("chat_template") || config["chat_template"].is_null())
    throw Error(origin + ": has no 'chat_template' (and there is no chat_template.jinja beside it)");
  const ordered_json& t = config["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {  // named templates: transformers uses "default"
    for (const auto& entry : t)
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") && entry["template"].is_string())
        return entry["template"].get<std::string>();
    throw Error(origin + ": 'chat_template' is a list without a \"default\" template");
  }
  throw Error(origin + ": 'chat_template' must be a string or a list of named templates");
}

}  // namespace

ChatTemplate ChatTemplate::load(const fs::path& dirOrConfig) {
  std::error_code ec;
  bool isDir = fs::is_directory(dirOrConfig, ec);
  fs::path configPath = isDir ? dirOrConfig / "tokenizer_config.json" : dirOrConfig;
  fs::path jinjaPath = configPath.parent_path() / "chat_template.jinja";
  ordered_json config = ordered_json::object();
  if (fs::exists(configPath, ec)) {
    try {
      config = ordered_json::parse(readFile(configPath));
    } catch (const ordered_json::parse_error& e) {
      throw Error(configPath.string() + ": not valid JSON: " + e.what());
    }
    if (!config.is_object()) throw Error(configPath.string() + ": not a JSON object");
  } else if (!fs::exists(jinjaPath, ec)) {
    throw Error(configPath.string() + ": not found (a model folder with tokenizer_config.json holding the chat template)");
  }
  if (fs::exists(jinjaPath, ec)) return ChatTemplate(readFile(jinjaPath), jinjaPath.string(), specialTokensOf(config));
  return ChatTemplate(templateOf(config, configPath.string()), configPath.string() + " chat_template", specialTokensOf(config));
}

ChatTemplate ChatTemplate::fromConfig(const ordered_json& config, const std::string& origin) {
  if (!config.is_object()) throw Error(origin + ": the tokenizer config is not a JSON object");
  return ChatTemplate(templateOf(config, origin), origin + " chat_template", specialTokensOf(config));
}

ChatTemplate::ChatTemplate(std::string_view source, std::string name, ordered_json specialTokens)
    : template_(source, std::move(name)), specialTokens_(std::move(specialTokens)) {}

std::string ChatTemplate::render(const ordered_json& messages, const ChatOptions& options) const {
  if (!messages.is_array()) throw Error(name() + ": messages must be a JSON array of message objects");
  for (size_t i = 0; i < messages.size(); ++i)
    if (!messages[i].is_object()) throw Error(name() + ": message " + std::to_string(i) + " is not a JSON object");
  if (!options.tools.is_null() && !options.tools.is_array()) throw Error(name() + ": tools must be a JSON array");
  if (!options.extra.is_object()) throw Error(name() + ": extra template variables must be a JSON object");
  // What apply_chat_template passes: the special tokens, messages, tools (None when absent),
  // add_generation_prompt, then the caller's keyword arguments such as enable_thinking.
  ordered_json vars = specialTokens_;
  vars["messages"] = messages;
  vars["tools"] = options.tools;
  vars["add_generation_prompt"] = options.addGenerationPrompt;
  if (options.enableThinking) vars["enable_thinking"] = *options.enableThinking;
  for (auto it = options.extra.begin(); it != options.extra.end(); ++it) vars[it.key()] = it.value();
  return template_.render(vars);
}

}  // namespace q3c
