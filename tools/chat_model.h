// What `run` and `chat` load: the model, its tokenizer and chat template, and the end-of-sequence
// ids; then a compiled session with a KV cache of the size asked for.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "codegen/backend.h"
#include "frontend/tokenizer/chat_template.h"
#include "frontend/tokenizer/tokenizer.h"
#include "runtime/model.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace q3c::tools {

struct ChatModel {
  ChatModel(std::string dir_, Model model_, Tokenizer tokenizer_, ChatTemplate chatTemplate_)
      : dir(std::move(dir_)), model(std::move(model_)), tokenizer(std::move(tokenizer_)), chatTemplate(std::move(chatTemplate_)) {}

  std::string dir;
  Model model;
  Tokenizer tokenizer;
  ChatTemplate chatTemplate;
  std::vector<int32_t> eosIds;  // generation_config.json's, else the template's <|im_end|>
  std::unique_ptr<Backend> backend;
  ir::Graph graph;  // what the session was compiled from
  std::unique_ptr<Session> session;
  double loadSeconds = 0;  // files read, session compiled

  // Reads DIR (weights, tokenizer.json, tokenizer_config.json), or a .gguf file (the tokenizer
  // and chat template from its metadata). Throws q3c::Error.
  static std::unique_ptr<ChatModel> load(const std::string& dir);
  // Compiles the graph and preallocates `contextLength` positions of KV cache.
  void openSession(const BackendFlags& backendFlags, const PipelineFlags& pipeline, int64_t contextLength);
  // The ids of `text` (a rendered conversation).
  std::vector<int32_t> encode(const std::string& text) const { return tokenizer.encode(text); }
};

}  // namespace q3c::tools
