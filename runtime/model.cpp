#include "runtime/model.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"
#include "frontend/gguf_model.h"
#include "frontend/qwen3_graph.h"

namespace q3c {

namespace {

// eos_token_id may be a number or a list; a missing or unreadable file gives no ids.
std::vector<int32_t> readEos(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw Error(file.string() + ": not valid JSON");
  std::vector<int32_t> ids;
  if (!j.is_object() || !j.contains("eos_token_id")) return ids;
  const auto& e = j["eos_token_id"];
  if (e.is_number_integer()) ids.push_back(e.get<int32_t>());
  else if (e.is_array())
    for (const auto& x : e)
      if (x.is_number_integer()) ids.push_back(x.get<int32_t>());
  return ids;
}

// Config, weights and end-of-sequence ids all from the GGUF's metadata and tensors.
Model loadGguf(const std::string& path) {
  std::shared_ptr<const GgufFile> file = GgufFile::open(path);
  ModelConfig cfg = ggufModelConfig(*file);
  WeightStore weights = WeightStore::fromGguf(file);
  ir::Graph graph = buildQwen3Graph(cfg, weights);
  std::vector<int32_t> eos = ggufEosIds(*file);
  return Model{std::move(cfg), std::move(weights), std::move(graph), std::move(eos)};
}

}  // namespace

Model Model::load(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir) && isGgufPath(dir)) return loadGguf(dir);
  if (!fs::is_directory(dir)) throw Error(dir + ": not a model directory (nor a .gguf file)");
  ModelConfig cfg = ModelConfig::load(dir);
  WeightStore weights = WeightStore::open(dir);
  ir::Graph graph = buildQwen3Graph(cfg, weights);
  std::vector<int32_t> eos = readEos(fs::path(dir) / "generation_config.json");
  if (eos.empty()) eos = readEos(fs::path(dir) / "config.json");
  return Model{std::move(cfg), std::move(weights), std::move(graph), std::move(eos)};
}

}  // namespace q3c
