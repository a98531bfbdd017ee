// q3c template: render the model's chat template (tokenizer_config.json) for a conversation,
// exactly as transformers' apply_chat_template would, and print it with nothing added.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"
#include "frontend/gguf.h"
#include "frontend/gguf_model.h"
#include "frontend/tokenizer/chat_template.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace {

nlohmann::ordered_json readJson(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open (" + what + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(ss.str());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace

void addTemplateCommand(CLI::App& app) {
  struct Opts {
    std::string dir, messages, tools;
    bool noThink = false, think = false, generationPrompt = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("template", "Render the chat template of a model folder for a conversation");
  cmd->add_option("dir", o->dir, "folder with tokenizer_config.json (weights not needed), that file, or a .gguf")->required();
  cmd->add_option("--messages", o->messages, "JSON file: a list of {\"role\", \"content\", ...} messages")->required();
  cmd->add_option("--tools", o->tools, "JSON file: a list of tool (function) schemas");
  auto* noThink = cmd->add_flag("--no-think", o->noThink, "enable_thinking=false");
  cmd->add_flag("--think", o->think, "enable_thinking=true (without either flag it is left undefined)")->excludes(noThink);
  cmd->add_flag("--add-generation-prompt", o->generationPrompt, "end with the assistant's turn opening");
  cmd->callback([o] {
    ChatTemplate tmpl = isGgufPath(o->dir) ? ChatTemplate::fromConfig(ggufTokenizerConfig(*GgufFile::open(o->dir)), o->dir)
                                           : ChatTemplate::load(o->dir);
    nlohmann::ordered_json messages = readJson(o->messages, "--messages");
    // Also accept {"messages": [...], "tools": [...]} as the messages file.
    nlohmann::ordered_json tools;
    if (messages.is_object() && messages.contains("messages")) {
      if (messages.contains("tools")) tools = messages["tools"];
      messages = nlohmann::ordered_json(messages["messages"]);
    }
    if (!messages.is_array()) throw Error(o->messages + ": must hold a JSON list of messages");
    ChatOptions opt;
    opt.addGenerationPrompt = o->generationPrompt;
    if (o->noThink) opt.enableThinking = false;
    if (o->think) opt.enableThinking = true;
    opt.tools = o->tools.empty() ? tools : readJson(o->tools, "--tools");
    if (!opt.tools.is_null() && !opt.tools.is_array()) throw Error(o->tools + ": must hold a JSON list of tools");
    std::string text = tmpl.render(messages, opt);
    std::fwrite(text.data(), 1, text.size(), stdout);
  });
}

}  // namespace q3c::tools
