#include "tools/chat_model.h"

#include <cstdio>
#include <filesystem>

#include "frontend/error.h"
#include "frontend/gguf_model.h"

namespace q3c::tools {

namespace fs = std::filesystem;

namespace {

// A GGUF file carries its tokenizer and chat template in its metadata.
std::unique_ptr<ChatModel> loadGguf(const std::string& path) {
  Model model = Model::load(path);
  const std::unique_ptr<GgufFile> file = GgufFile::open(path);
  if (!file->find("tokenizer.ggml.tokens") || !file->find("tokenizer.chat_template"))
    throw Error(path + ": no tokenizer or no tokenizer.chat_template in its metadata (run and chat need both)");
  Tokenizer tokenizer = Tokenizer::fromJson(ggufTokenizerJson(*file), path);
  ChatTemplate chatTemplate = ChatTemplate::fromConfig(ggufTokenizerConfig(*file), path);
  return std::make_unique<ChatModel>(path, std::move(model), std::move(tokenizer), std::move(chatTemplate));
}

std::unique_ptr<ChatModel> loadDir(const std::string& dir) {
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    if (!fs::is_regular_file(fs::path(dir) / f))
      throw Error(dir + ": no " + f + " (run and chat need the model's tokenizer and chat template)");
  Model model = Model::load(dir);
  Tokenizer tokenizer = Tokenizer::load(dir);
  ChatTemplate chatTemplate = ChatTemplate::load(dir);
  return std::make_unique<ChatModel>(dir, std::move(model), std::move(tokenizer), std::move(chatTemplate));
}

}  // namespace

std::unique_ptr<ChatModel> ChatModel::load(const std::string& dir) {
  const int64_t t0 = nowNs();
  auto m = !fs::is_directory(dir) && isGgufPath(dir) ? loadGguf(dir) : loadDir(dir);
  m->eosIds = m->model.eosIds;
  if (m->eosIds.empty())
    if (auto id = m->tokenizer.tokenId("<|im_end|>")) m->eosIds.push_back(*id);
  m->loadSeconds = secondsSince(t0);
  return m;
}

void ChatModel::openSession(const BackendFlags& backendFlags, const PipelineFlags& pipeline, int64_t contextLength) {
  const int64_t t0 = nowNs();
  session.reset();
  backend = backendFlags.create();
  graph = pipeline.apply(model.graph, backend->runsPassesByDefault());
  session = std::make_unique<Session>(model, *backend, contextLength, &graph, backendFlags.threads);
  loadSeconds += secondsSince(t0);
}

}  // namespace q3c::tools
