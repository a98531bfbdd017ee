#include "runtime/session.h"

#include <algorithm>

#include "frontend/error.h"

namespace q3c {

Session::Session(const Model& model, Backend& backend, int64_t contextLength, const ir::Graph* graph, int threads)
    : model_(model),
      exe_(backend.compile(graph ? *graph : model.graph, model.weights)),
      kv_(model.config.numLayers, model.config.numKvHeads, model.config.headDim, contextLength),
      pool_(threads) {}

void checkTokenIds(const std::vector<int32_t>& ids, int64_t vocabSize) {
  for (int32_t id : ids)
    if (id < 0 || id >= vocabSize)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." + std::to_string(vocabSize - 1) + ")");
}

const float* Session::forward(const std::vector<int32_t>& ids) {
  if (ids.empty()) throw Error("no tokens to process");
  checkTokenIds(ids, vocabSize());
  return exe_->run(ids.data(), static_cast<int64_t>(ids.size()), kv_, &pool_);
}

const float* Session::prefill(const std::vector<int32_t>& ids, int64_t chunk) {
  if (ids.empty()) throw Error("no tokens to process");
  checkTokenIds(ids, vocabSize());  // all of them before any chunk runs
  const float* logits = nullptr;
  size_t n = 0;
  for (size_t at = 0; at < ids.size(); at += n) {
    n = std::min(ids.size() - at, static_cast<size_t>(chunk));
    // Only the last token's logits are needed: the backend may skip the other rows' lm_head.
    logits = exe_->run(ids.data() + at, static_cast<int64_t>(n), kv_, &pool_, OutputRows::Last);
  }
  return logits;
}

std::vector<int32_t> generateGreedy(Session& s, const std::vector<int32_t>& prompt, const std::vector<int32_t>& eos,
                                    const GenerateOptions& opt) {
  std::vector<int32_t> out;
  const int64_t V = s.vocabSize();
  const float* last = s.prefill(prompt);
  while (static_cast<int64_t>(out.size()) < opt.maxNew) {
    int32_t next = static_cast<int32_t>(std::max_element(last, last + V) - last);
    out.push_back(next);
    if (opt.onToken) opt.onToken(next);
    if (opt.stopAtEos && std::find(eos.begin(), eos.end(), next) != eos.end()) break;
    if (static_cast<int64_t>(out.size()) == opt.maxNew) break;
    last = s.forward({next});
  }
  return out;
}

}  // namespace q3c
