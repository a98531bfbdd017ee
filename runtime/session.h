// One conversation with a compiled model: the executable, its KV cache, and the checks on the
// tokens fed to it.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "codegen/backend.h"
#include "runtime/model.h"

namespace q3c {

class Session {
 public:
  // Compiles `graph` (default: the model's unfused graph) with `backend`, preallocates a KV
  // cache of `contextLength` positions, and starts `threads` threads (0: one per physical core).
  Session(const Model& model, Backend& backend, int64_t contextLength, const ir::Graph* graph = nullptr,
          int threads = 0);

  // Feeds tokens (the prompt, or one sampled token) and returns their logits [ids.size(), vocab].
  // Throws q3c::Error for an id outside the vocabulary or a full context.
  const float* forward(const std::vector<int32_t>& ids);
  // Feeds a prompt in chunks of at most `chunk` tokens and returns the logits of its last token
  // only: activations (the [T, vocab] logits above all) stay bounded however long the prompt,
  // and backends that can skip the other rows' lm_head do (OutputRows::Last).
  const float* prefill(const std::vector<int32_t>& ids, int64_t chunk = kPrefillChunk);
  static constexpr int64_t kPrefillChunk = 512;
  void reset() { kv_.clear(); }
  // Forgets every position from `n` on (the next tokens overwrite them); a chat whose template
  // rewrote the end of the conversation keeps the prefix that did not change.
  void truncate(int64_t n) {
    if (n >= 0 && n < kv_.length()) kv_.setLength(n);
  }
  int64_t position() const { return kv_.length(); }
  int64_t vocabSize() const { return model_.config.vocabSize; }
  int threads() const { return pool_.size(); }
  Executable& executable() { return *exe_; }

 private:
  const Model& model_;
  std::unique_ptr<Executable> exe_;
  KvCache kv_;
  ThreadPool pool_;
};

// Throws q3c::Error naming the first id outside 0 .. vocabSize-1.
void checkTokenIds(const std::vector<int32_t>& ids, int64_t vocabSize);

struct GenerateOptions {
  int64_t maxNew = 32;
  bool stopAtEos = true;
  std::function<void(int32_t)> onToken;  // called as each new token is chosen
};

// Greedy decoding: prefill the prompt, then one token at a time with the KV cache.
std::vector<int32_t> generateGreedy(Session& s, const std::vector<int32_t>& prompt, const std::vector<int32_t>& eos,
                                    const GenerateOptions& opt);

}  // namespace q3c
