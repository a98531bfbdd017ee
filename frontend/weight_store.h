// Every weight tensor of a model, memory-mapped from one safetensors file or from the shards
// that model.safetensors.index.json names, or from a GGUF file (its quantized tensors repacked
// into owned memory at open, see frontend/gguf_model.h). Nothing else is copied.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "frontend/safetensors.h"

namespace q3c {

class GgufFile;
struct GgufWeights;

class WeightStore {
 public:
  // DIR (with model.safetensors or model.safetensors.index.json), one .safetensors file, or a
  // .gguf file.
  static WeightStore open(const std::string& dirOrFile);
  // The weights of a parsed GGUF file under Hugging Face names; the store keeps the file alive.
  static WeightStore fromGguf(std::shared_ptr<const GgufFile> file, int threads = 0);

  const TensorView* find(const std::string& name) const;
  // The tensor, checked to have this shape and a float dtype; throws q3c::Error naming it.
  const TensorView& require(const std::string& name, const std::vector<int64_t>& shape) const;
  const std::map<std::string, const TensorView*>& tensors() const { return index_; }
  size_t totalBytes() const;

  // A store of the tensors named (all when empty) copied into anonymous memory backed by
  // transparent huge pages, read with pread on `threads` threads. The files' mapped pages
  // are never touched, so they do not count in this process's RSS, and the copy is out of
  // reach of the page-cache reclaim that drops clean file pages (a weight streamed every
  // token must not be re-read from disk) and costs one TLB entry per 2 MB instead of 4 KB.
  WeightStore residentCopy(const std::vector<std::string>& names, int threads) const;
  size_t residentBytes() const { return residentBytes_; }
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
  std::shared_ptr<const GgufWeights> gguf_;    // a GGUF file's map and repacked tensors
  std::shared_ptr<uint8_t> resident_;          // residentCopy's memory
  std::vector<std::unique_ptr<TensorView>> residentViews_;   // and its views of it
  std::vector<std::unique_ptr<std::string>> residentPaths_;  // the files they came from, for messages
  size_t residentBytes_ = 0;

  // The tensor's bytes are in memory this store owns (resident or repacked), not in a file at
  // its fileOffset: residentCopy copies them instead of reading the file.
  bool inOwnedMemory(const TensorView& t) const;
};

}  // namespace q3c
