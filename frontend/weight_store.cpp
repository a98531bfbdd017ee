#include "frontend/weight_store.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"

namespace q3c {

namespace fs = std::filesystem;

namespace {

std::string shapeStr(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// weight_map of the index: tensor name -> shard file name (a plain name inside the directory).
std::map<std::string, std::string> readIndex(const fs::path& indexPath) {
  std::ifstream in(indexPath, std::ios::binary);
  if (!in) throw Error(indexPath.string() + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw Error(indexPath.string() + ": not valid JSON");
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error(indexPath.string() + ": missing object 'weight_map'");
  std::map<std::string, std::string> map;
  for (auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string()) throw Error(indexPath.string() + ": weight_map entry '" + name + "' is not a file name");
    std::string f = file.get<std::string>();
    if (f.empty() || f.find('/') != std::string::npos || f == "." || f == "..")
      throw Error(indexPath.string() + ": weight_map entry '" + name + "' names '" + f +
                  "', which is not a file in the model directory");
    map[name] = f;
  }
  return map;
}

}  // namespace

WeightStore WeightStore::open(const std::string& dirOrFile) {
  WeightStore store;
  store.origin_ = dirOrFile;
  fs::path p(dirOrFile);
  auto add = [&](std::unique_ptr<SafetensorsFile> f) {
    for (const auto& [name, view] : f->tensors()) {
      auto [it, inserted] = store.index_.emplace(name, &view);
      if (!inserted)
        throw Error(f->path() + ": tensor '" + name + "' is also in " + *it->second->file);
    }
    store.files_.push_back(std::move(f));
  };

  if (!fs::is_directory(p)) {
    if (!fs::exists(p)) throw Error(dirOrFile + ": no such file or directory");
    add(SafetensorsFile::open(p.string()));
    return store;
  }
  fs::path index = p / "model.safetensors.index.json";
  if (fs::exists(index)) {
    std::map<std::string, std::string> weightMap = readIndex(index);
    std::map<std::string, const SafetensorsFile*> shards;
    for (const auto& [name, file] : weightMap) {
      if (shards.count(file)) continue;
      fs::path shard = p / file;
      if (!fs::exists(shard)) throw Error(index.string() + ": shard '" + file + "' (for tensor '" + name + "') is missing");
      auto f = SafetensorsFile::open(shard.string());
      shards[file] = f.get();
      add(std::move(f));
    }
    for (const auto& [name, file] : weightMap)
      if (!shards[file]->tensors().count(name))
        throw Error(shards[file]->path() + ": tensor '" + name + "' listed in the index is not in this shard");
    return store;
  }
  fs::path single = p / "model.safetensors";
  if (!fs::exists(single))
    throw Error(dirOrFile + ": no model.safetensors or model.safetensors.index.json in this directory");
  add(SafetensorsFile::open(single.string()));
  return store;
}

const TensorView* WeightStore::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const TensorView& WeightStore::require(const std::string& name, const std::vector<int64_t>& shape) const {
  const TensorView* t = find(name);
  if (!t) throw Error(origin_ + ": missing tensor '" + name + "' (expected shape " + shapeStr(shape) + ")");
  if (t->shape != shape)
    throw Error(*t->file + ": tensor '" + name + "' has shape " + shapeStr(t->shape) + ", expected " + shapeStr(shape));
  if (t->dtype == ir::DType::I32)
    throw Error(*t->file + ": tensor '" + name + "' has dtype I32, expected F32, BF16 or F16");
  return *t;
}

size_t WeightStore::totalBytes() const {
  size_t n = 0;
  for (const auto& [name, t] : index_) n += t->bytes;
  return n;
}

}  // namespace q3c
