#include "frontend/tokenizer/normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include "frontend/error.h"

namespace q3c {

namespace {

const icu::Normalizer2& instance(NormalForm f) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (f) {
    case NormalForm::NFC: n = icu::Normalizer2::getNFCInstance(status); break;
    case NormalForm::NFD: n = icu::Normalizer2::getNFDInstance(status); break;
    case NormalForm::NFKC: n = icu::Normalizer2::getNFKCInstance(status); break;
    case NormalForm::NFKD: n = icu::Normalizer2::getNFKDInstance(status); break;
  }
  if (U_FAILURE(status) || !n) throw Error(std::string("ICU cannot load the ") + normalFormName(f) + " normalizer data");
  return *n;
}

bool isAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

const char* normalFormName(NormalForm f) {
  switch (f) {
    case NormalForm::NFC: return "NFC";
    case NormalForm::NFD: return "NFD";
    case NormalForm::NFKC: return "NFKC";
    case NormalForm::NFKD: return "NFKD";
  }
  return "?";
}

Normalizer::Normalizer(std::vector<NormalForm> steps) : steps_(std::move(steps)) {
  for (NormalForm f : steps_) instance(f);  // fail at load time, not on first use
}

bool Normalizer::apply(std::string_view text, std::string& out) const {
  if (steps_.empty() || isAscii(text)) return false;  // ASCII is invariant under all four forms
  std::string buffer;
  std::string_view current = text;
  bool changed = false;
  for (NormalForm f : steps_) {
    const icu::Normalizer2& n = instance(f);
    UErrorCode status = U_ZERO_ERROR;
    if (n.isNormalizedUTF8(current, status) && U_SUCCESS(status)) continue;
    status = U_ZERO_ERROR;
    std::string next;
    icu::StringByteSink<std::string> sink(&next, static_cast<int32_t>(current.size()));
    n.normalizeUTF8(0, current, sink, nullptr, status);
    if (U_FAILURE(status)) throw Error(std::string("ICU ") + normalFormName(f) + " normalization failed: " + u_errorName(status));
    buffer.swap(next);
    current = buffer;
    changed = true;
  }
  if (changed) out.swap(buffer);
  return changed;
}

}  // namespace q3c
