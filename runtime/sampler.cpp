#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "frontend/error.h"

namespace q3c {

namespace {

// Reads a number field when present and not null; throws for another type.
template <typename T>
void readNumber(const nlohmann::json& j, const char* key, T& out, const std::string& origin) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_number()) throw Error(origin + ": " + key + " must be a number");
  out = it->get<T>();
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

SamplerOptions SamplerOptions::fromGenerationConfig(const std::filesystem::path& modelDir) {
  SamplerOptions o;
  o.topK = 50;  // transformers' default, used when a config samples without naming top_k
  if (std::filesystem::is_regular_file(modelDir)) return o;  // a GGUF file has no generation config
  std::filesystem::path file = modelDir / "generation_config.json";
  std::ifstream in(file, std::ios::binary);
  if (!in) return o;
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  const std::string origin = file.string();
  if (j.is_discarded() || !j.is_object()) throw Error(origin + ": not a JSON object");
  if (auto it = j.find("do_sample"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) throw Error(origin + ": do_sample must be true or false");
    o.doSample = it->get<bool>();
  }
  readNumber(j, "temperature", o.temperature, origin);
  readNumber(j, "top_k", o.topK, origin);
  readNumber(j, "top_p", o.topP, origin);
  readNumber(j, "min_p", o.minP, origin);
  readNumber(j, "repetition_penalty", o.repetitionPenalty, origin);
  try {
    o.validate();
  } catch (const Error& e) {
    throw Error(origin + ": " + e.what());
  }
  return o;
}

void SamplerOptions::applyModelCard(bool thinking) {
  doSample = true;  // the card warns against greedy decoding in either mode
  temperature = thinking ? 0.6f : 0.7f;
  topP = thinking ? 0.95f : 0.8f;
  topK = 20;
  minP = 0.0f;
}

void SamplerOptions::validate() const {
  if (!std::isfinite(temperature) || temperature < 0) throw Error("temperature must be >= 0, got " + number(temperature));
  if (topK < 0) throw Error("top-k must be >= 0 (0: off), got " + std::to_string(topK));
  if (!(topP > 0 && topP <= 1)) throw Error("top-p must be in (0, 1], got " + number(topP));
  if (!(minP >= 0 && minP <= 1)) throw Error("min-p must be in [0, 1], got " + number(minP));
  if (!(repetitionPenalty > 0) || !std::isfinite(repetitionPenalty))
    throw Error("repetition penalty must be > 0 (1: off), got " + number(repetitionPenalty));
  if (!std::isfinite(presencePenalty)) throw Error("presence penalty must be a finite number");
}

std::string SamplerOptions::describe() const {
  std::string s = "sampling: ";
  if (greedy()) {
    s += "greedy";
  } else {
    s += "T " + number(temperature);
    if (topK > 0) s += ", top-k " + std::to_string(topK);
    if (topP < 1) s += ", top-p " + number(topP);
    if (minP > 0) s += ", min-p " + number(minP);
  }
  if (repetitionPenalty != 1) s += ", repetition penalty " + number(repetitionPenalty);
  if (presencePenalty != 0) s += ", presence penalty " + number(presencePenalty);
  if (!greedy()) s += ", seed " + std::to_string(seed);
  return s;
}

Sampler::Sampler(int64_t vocab, const SamplerOptions& options, int64_t tokenCount)
    : opt_(options),
      vocab_(vocab),
      tokenCount_(tokenCount > 0 ? std::min(tokenCount, vocab) : vocab),
      rng_(options.seed),
      logits_(static_cast<size_t>(vocab)),
      candidates_(static_cast<size_t>(vocab)),
      inContext_(static_cast<size_t>(vocab)),
      generated_(static_cast<size_t>(vocab)) {
  if (vocab < 1) throw Error("sampler: empty vocabulary");
  opt_.validate();
  seen_.reserve(static_cast<size_t>(vocab));  // every id at most once: never reallocates
}

void Sampler::begin(std::span<const int32_t> context) {
  for (int32_t id : seen_) inContext_[id] = generated_[id] = 0;
  seen_.clear();
  if (opt_.repetitionPenalty == 1) return;  // only the repetition penalty reads the context
  for (int32_t id : context) {
    if (id < 0 || id >= vocab_ || inContext_[id] || generated_[id]) continue;
    inContext_[id] = 1;
    seen_.push_back(id);
  }
}

void Sampler::accept(int32_t id) {
  if (id < 0 || id >= vocab_ || generated_[id]) return;
  if (!inContext_[id]) seen_.push_back(id);
  generated_[id] = 1;
}

int32_t Sampler::sample(const float* logits) {
  const float* row = logits;
  if (opt_.repetitionPenalty != 1 || opt_.presencePenalty != 0) {
    std::copy(logits, logits + tokenCount_, logits_.begin());
    applyPenalties();
    row = logits_.data();
  }
  const int32_t id = opt_.greedy() ? argmax(row) : draw(row);
  accept(id);
  return id;
}

void Sampler::applyPenalties() {
  const float rep = opt_.repetitionPenalty, presence = opt_.presencePenalty;
  for (int32_t id : seen_) {
    if (id >= tokenCount_) continue;
    float& l = logits_[id];
    if (rep != 1) l = l > 0 ? l / rep : l * rep;  // transformers: divide positive, multiply negative
    if (generated_[id]) l -= presence;
  }
}

int32_t Sampler::argmax(const float* row) const {
  return static_cast<int32_t>(std::max_element(row, row + tokenCount_) - row);
}

void Sampler::sortPrefix(int64_t count, int64_t& sorted) {
  // candidates_[0, sorted) are the largest, in order; extend that to `count`.
  if (count <= sorted) return;
  auto byLogit = [this](int32_t a, int32_t b) { return logits_[a] > logits_[b]; };
  auto first = candidates_.begin() + sorted, nth = candidates_.begin() + (count - 1);
  std::nth_element(first, nth, candidates_.begin() + static_cast<int64_t>(activeCount_), byLogit);
  std::sort(first, nth + 1, byLogit);
  sorted = count;
}

void Sampler::selectTopK(const float* row, int64_t k) {
  // One pass with the k best so far kept in order: after the first few thousand ids a new one
  // rarely beats the k-th, so this costs about one comparison per id. Ties keep the lower id.
  int64_t n = 0;
  for (int64_t i = 0; i < tokenCount_; ++i) {
    const float v = row[i];
    if (n == k && !(v > row[candidates_[k - 1]])) continue;
    int64_t at = n < k ? n++ : k - 1;
    while (at > 0 && v > row[candidates_[at - 1]]) {
      candidates_[at] = candidates_[at - 1];
      --at;
    }
    candidates_[at] = static_cast<int32_t>(i);
  }
}

int32_t Sampler::draw(const float* row) {
  const float invT = 1.0f / opt_.temperature;
  int64_t sorted = 0;
  if (opt_.topK > 0 && opt_.topK < tokenCount_) {
    // top-k: the k largest stay. The temperature keeps the order, so it is applied to them alone.
    selectTopK(row, opt_.topK);
    activeCount_ = sorted = opt_.topK;
    for (int64_t i = 0; i < activeCount_; ++i) logits_[candidates_[i]] = row[candidates_[i]] * invT;
  } else {
    for (int64_t i = 0; i < tokenCount_; ++i) logits_[i] = row[i] * invT;
    std::iota(candidates_.begin(), candidates_.begin() + tokenCount_, 0);
    activeCount_ = tokenCount_;
  }
  const float maxLogit = sorted > 0 ? logits_[candidates_[0]] : *std::max_element(logits_.begin(), logits_.begin() + tokenCount_);
  if (!std::isfinite(maxLogit)) throw Error("the model produced non-finite logits");

  // top-p: keep the smallest prefix (by probability, descending) whose mass reaches p: a token
  // stays when the mass of the tokens before it is below p.
  if (opt_.topP < 1) {
    double total = 0;
    for (int64_t i = 0; i < activeCount_; ++i) total += std::exp(static_cast<double>(logits_[candidates_[i]] - maxLogit));
    const double target = opt_.topP * total;
    double before = 0;
    int64_t keep = 0;
    for (int64_t want = std::min<int64_t>(activeCount_, 64);; want = std::min(activeCount_, want * 4)) {
      sortPrefix(want, sorted);
      while (keep < want && before < target) before += std::exp(static_cast<double>(logits_[candidates_[keep++]] - maxLogit));
      if (before >= target || keep == activeCount_) break;
    }
    activeCount_ = keep;
  }

  // min-p: drop tokens whose probability is below min_p times the largest one's.
  if (opt_.minP > 0) {
    const float threshold = maxLogit + std::log(opt_.minP);
    int64_t kept = 0;
    for (int64_t i = 0; i < activeCount_; ++i)
      if (logits_[candidates_[i]] >= threshold) candidates_[kept++] = candidates_[i];  // keeps the order
    activeCount_ = kept;
  }

  // Draw from the softmax of what is left.
  double total = 0;
  for (int64_t i = 0; i < activeCount_; ++i) {
    float& l = logits_[candidates_[i]];
    l = static_cast<float>(std::exp(static_cast<double>(l - maxLogit)));
    total += l;
  }
  double u = uniform() * total, acc = 0;
  for (int64_t i = 0; i < activeCount_; ++i) {
    acc += logits_[candidates_[i]];
    if (u < acc) return candidates_[i];
  }
  return candidates_[activeCount_ - 1];  // u fell past the end by rounding
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

}  // namespace q3c
