#include "frontend/weight_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"
#include "frontend/huge_pages.h"
#include "frontend/gguf_model.h"

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

WeightStore WeightStore::fromGguf(std::shared_ptr<const GgufFile> file, int threads) {
  WeightStore store;
  store.origin_ = file->path();
  store.gguf_ = loadGgufWeights(std::move(file), threads);
  for (const auto& [name, view] : store.gguf_->views) store.index_[name] = &view;
  return store;
}

bool WeightStore::inOwnedMemory(const TensorView& t) const {
  if (gguf_ && gguf_->isRepacked(t)) return true;
  return resident_ && t.data >= resident_.get() && t.data < resident_.get() + residentBytes_;
}

WeightStore WeightStore::open(const std::string& dirOrFile) {
  if (isGgufPath(dirOrFile) && !fs::is_directory(dirOrFile)) {
    std::shared_ptr<const GgufFile> file = GgufFile::open(dirOrFile);
    return fromGguf(std::move(file));
  }
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

WeightStore WeightStore::residentCopy(const std::vector<std::string>& names, int threads) const {
  std::vector<const TensorView*> views;
  if (names.empty())
    for (const auto& [name, t] : index_) views.push_back(t);
  for (const std::string& name : names) {
    const TensorView* t = find(name);
    if (!t) throw Error(origin_ + ": no tensor '" + name + "' to load");
    views.push_back(t);
  }
  std::vector<size_t> at;  // each tensor's offset, 64-byte aligned
  size_t total = 0;
  for (const TensorView* t : views) {
    at.push_back(total);
    total += (t->bytes + 63) / 64 * 64;
  }
  WeightStore copy;
  copy.origin_ = origin_;
  copy.residentBytes_ = total;
  if (total == 0) return copy;
  copy.resident_ = mapHugePages(total, "the weights of " + origin_);  // without THP the copy still works
  uint8_t* base = copy.resident_.get();

  // Chunks of at most 8 MB, dealt round-robin to the threads.
  struct Chunk {
    const TensorView* t;
    size_t from, len;
    uint8_t* dst;
  };
  std::vector<Chunk> chunks;
  for (size_t i = 0; i < views.size(); ++i)
    for (size_t from = 0; from < views[i]->bytes; from += size_t(8) << 20)
      chunks.push_back({views[i], from, std::min(size_t(8) << 20, views[i]->bytes - from), base + at[i] + from});
  std::map<std::string, int> fds;
  for (const TensorView* t : views)
    if (!inOwnedMemory(*t) && !fds.count(*t->file)) {
      int fd = ::open(t->file->c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        for (auto& [f, d] : fds) ::close(d);
        throw Error(*t->file + ": cannot open (" + std::strerror(errno) + ")");
      }
      fds[*t->file] = fd;
    }
  std::vector<std::string> errors(static_cast<size_t>(std::max(1, threads)));
  auto work = [&](size_t worker, size_t workers) {
    for (size_t c = worker; c < chunks.size() && errors[worker].empty(); c += workers) {
      const Chunk& k = chunks[c];
      if (inOwnedMemory(*k.t)) {  // repacked or already resident: no file offset to read from
        std::memcpy(k.dst, k.t->data + k.from, k.len);
        continue;
      }
      size_t done = 0;
      while (done < k.len) {
        ssize_t n = pread(fds[*k.t->file], k.dst + done, k.len - done, static_cast<off_t>(k.t->fileOffset + k.from + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          errors[worker] = *k.t->file + ": cannot read tensor '" + k.t->name + "' (" + (n < 0 ? std::strerror(errno) : "file shrank") + ")";
          break;
        }
        done += static_cast<size_t>(n);
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < errors.size(); ++w) pool.emplace_back(work, w, errors.size());
  work(0, errors.size());
  for (std::thread& t : pool) t.join();
  for (auto& [f, d] : fds) ::close(d);
  for (const std::string& e : errors)
    if (!e.empty()) throw Error(e);

  for (size_t i = 0; i < views.size(); ++i) {
    TensorView v = *views[i];
    v.data = base + at[i];
    if (copy.residentPaths_.empty() || *copy.residentPaths_.back() != *v.file)
      copy.residentPaths_.push_back(std::make_unique<std::string>(*v.file));
    v.file = copy.residentPaths_.back().get();
    copy.residentViews_.push_back(std::make_unique<TensorView>(std::move(v)));
    copy.index_[views[i]->name] = copy.residentViews_.back().get();
  }
  return copy;
}

}  // namespace q3c
