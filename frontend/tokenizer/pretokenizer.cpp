#include "frontend/tokenizer/pretokenizer.h"

#include <pcre2.h>

#include <mutex>

#include "frontend/error.h"
#include "frontend/tokenizer/hf_regex.h"

namespace q3c {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct RegexSplitter::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Impl() { pcre2_code_free(code); }
};

namespace {

// Per-thread match data and JIT stack, grown on demand: matching allocates nothing per call.
struct ThreadScratch {
  pcre2_match_data* data = nullptr;
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* context = nullptr;
  ThreadScratch() {
    data = pcre2_match_data_create(4, nullptr);
    stack = pcre2_jit_stack_create(1 << 20, 1 << 20, nullptr);
    context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~ThreadScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
};

ThreadScratch& scratch() {
  thread_local ThreadScratch s;
  return s;
}

std::string pcre2Message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

}  // namespace

RegexSplitter::RegexSplitter(const std::string& hfPattern) : hfPattern_(hfPattern), impl_(std::make_unique<Impl>()) {
  std::string pattern = hfRegexToPcre2(hfPattern);
  int err = 0;
  PCRE2_SIZE errOffset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &err, &errOffset, nullptr);
  if (!impl_->code)
    throw Error("pre-tokenizer regex does not compile with PCRE2 at offset " + std::to_string(errOffset) + ": " +
                pcre2Message(err) + " (pattern " + hfPattern + ")");
  // JIT is a speed-up, not a requirement: fall back to the interpreter where it is unavailable.
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

RegexSplitter::~RegexSplitter() = default;

size_t RegexSplitter::split(std::string_view text, size_t from, std::vector<std::string_view>& pieces,
                            size_t maxPieces) const {
  ThreadScratch& s = scratch();
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = from, gapStart = from, added = 0;
  while (pos < text.size()) {
    if (added >= maxPieces) return gapStart;  // a piece boundary
    // The text was validated once by the caller, so PCRE2 need not check it at every match.
    int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context)
                        : pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error("pre-tokenizer regex failed: " + pcre2Message(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
    size_t start = ov[0], end = ov[1];
    if (end == start) {  // an empty match cuts nothing: step one character on
      pos = start + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
      continue;
    }
    if (start > gapStart) {
      pieces.push_back(text.substr(gapStart, start - gapStart));
      ++added;
    }
    pieces.push_back(text.substr(start, end - start));
    ++added;
    pos = gapStart = end;
  }
  if (gapStart < text.size()) pieces.push_back(text.substr(gapStart));
  return text.size();
}

Pretokenizer::Pretokenizer(std::vector<PretokenizerStep> steps) : steps_(std::move(steps)) {
  for (const auto& step : steps_) {
    if (step.kind == PretokenizerStep::Kind::Split) splitters_.push_back(std::make_shared<RegexSplitter>(step.pattern));
    else if (step.useRegex) splitters_.push_back(std::make_shared<RegexSplitter>(kGpt2Pattern));
    else splitters_.push_back(nullptr);
    if (step.kind == PretokenizerStep::Kind::ByteLevel && step.addPrefixSpace) needsStorage_ = true;
  }
  size_t splitting = 0;
  for (const auto& s : splitters_)
    if (s) {
      ++splitting;
      only_ = s.get();
    }
  if (splitting != 1 || needsStorage_) only_ = nullptr;
}

size_t Pretokenizer::split(std::string_view text, size_t from, std::vector<std::string_view>& pieces,
                           std::deque<std::string>& storage, size_t maxPieces) const {
  pieces.clear();
  if (from >= text.size()) return text.size();
  if (only_) return only_->split(text, from, pieces, maxPieces);  // the common case: one Split
  // Several steps: all at once (a later step may not cut where an earlier one stopped).
  text = text.substr(from);
  std::vector<std::string_view> current{text}, next;
  for (size_t k = 0; k < steps_.size(); ++k) {
    const PretokenizerStep& step = steps_[k];
    if (step.kind == PretokenizerStep::Kind::ByteLevel && step.addPrefixSpace) {
      for (auto& piece : current)
        if (!piece.empty() && piece[0] != ' ') {
          storage.push_back(" " + std::string(piece));
          piece = storage.back();
        }
    }
    if (!splitters_[k]) continue;
    next.clear();
    for (auto piece : current) splitters_[k]->split(piece, next);
    current.swap(next);
  }
  for (auto piece : current)
    if (!piece.empty()) pieces.push_back(piece);
  return from + text.size();
}

}  // namespace q3c
