#include "runtime/generator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "frontend/error.h"

namespace q3c {

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format(const char* fmt, int64_t n, double secs, double rate) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, static_cast<long long>(n), secs, rate);
  return buf;
}

}  // namespace

const char* describe(StopReason r) {
  switch (r) {
    case StopReason::Eos: return "end of sequence";
    case StopReason::MaxTokens: return "token limit";
    case StopReason::ContextFull: return "context full";
    case StopReason::Interrupted: return "interrupted";
  }
  return "?";
}

double GenerationStats::prefillTokensPerSecond() const {
  return prefillSeconds > 0 ? static_cast<double>(promptTokens) / prefillSeconds : 0.0;
}

double GenerationStats::decodeTokensPerSecond() const {
  return decodeSeconds > 0 && newTokens > 1 ? static_cast<double>(newTokens - 1) / decodeSeconds : 0.0;
}

std::string GenerationStats::describe() const {
  std::string s = format("prefill %lld tokens in %.3f s (%.1f tok/s)", promptTokens, prefillSeconds, prefillTokensPerSecond());
  if (cachedTokens > 0) s += ", " + std::to_string(cachedTokens) + " cached";
  s += format(" | decode %lld tokens in %.3f s (%.2f tok/s)", std::max<int64_t>(newTokens - 1, 0), decodeSeconds,
              decodeTokensPerSecond());
  return s;
}

size_t commonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  return static_cast<size_t>(std::mismatch(a.begin(), a.begin() + static_cast<ptrdiff_t>(std::min(a.size(), b.size())), b.begin()).first -
                             a.begin());
}

Generator::Generator(Session& session, int64_t contextLength)
    : session_(session), capacity_(contextLength), one_(1) {
  cached_.reserve(static_cast<size_t>(contextLength));  // appending per token never reallocates
  reset();
}

void Generator::reset() {
  session_.reset();
  cached_.clear();
}

GenerationResult Generator::generate(const std::vector<int32_t>& prompt, Sampler& sampler, const GenerationOptions& opt) {
  if (prompt.empty()) throw Error("the prompt has no tokens");
  if (static_cast<int64_t>(prompt.size()) > capacity_)
    throw Error("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                std::to_string(capacity_) + " positions");
  checkTokenIds(prompt, session_.vocabSize());

  // Keep the cached positions the prompt shares with what the cache holds, and run the rest
  // (at least one token, whose logits start the answer). Qwen3's template drops earlier turns'
  // reasoning, so a new turn often shares only a prefix of the previous conversation.
  size_t reuse = commonPrefix(cached_, prompt);
  if (session_.position() != static_cast<int64_t>(cached_.size())) reuse = 0;
  if (reuse == prompt.size()) --reuse;
  session_.truncate(static_cast<int64_t>(reuse));
  cached_.resize(reuse);
  const std::vector<int32_t> fresh(prompt.begin() + static_cast<ptrdiff_t>(reuse), prompt.end());

  GenerationResult r;
  r.stats.cachedTokens = static_cast<int64_t>(reuse);
  r.stats.promptTokens = static_cast<int64_t>(fresh.size());
  r.tokens.reserve(static_cast<size_t>(std::clamp<int64_t>(opt.maxNew, 0, capacity_)));
  sampler.begin(prompt);

  const double start = now();
  const float* last = session_.prefill(fresh);
  cached_.insert(cached_.end(), fresh.begin(), fresh.end());
  double firstToken = 0;
  for (;;) {
    if (static_cast<int64_t>(r.tokens.size()) >= opt.maxNew) { r.stop = StopReason::MaxTokens; break; }
    if (opt.stop && opt.stop->load(std::memory_order_relaxed)) { r.stop = StopReason::Interrupted; break; }
    const int32_t next = sampler.sample(last);
    r.tokens.push_back(next);
    if (r.tokens.size() == 1) firstToken = now();
    if (opt.onToken) opt.onToken(next);
    if (std::find(opt.eosIds.begin(), opt.eosIds.end(), next) != opt.eosIds.end()) { r.stop = StopReason::Eos; break; }
    if (static_cast<int64_t>(r.tokens.size()) >= opt.maxNew) { r.stop = StopReason::MaxTokens; break; }
    if (session_.position() >= capacity_) { r.stop = StopReason::ContextFull; break; }
    if (opt.stop && opt.stop->load(std::memory_order_relaxed)) { r.stop = StopReason::Interrupted; break; }
    one_[0] = next;
    last = session_.forward(one_);
    cached_.push_back(next);
  }
  const double end = now();
  r.stats.newTokens = static_cast<int64_t>(r.tokens.size());
  r.stats.prefillSeconds = (r.tokens.empty() ? end : firstToken) - start;
  r.stats.decodeSeconds = r.tokens.empty() ? 0.0 : end - firstToken;
  return r;
}

}  // namespace q3c
