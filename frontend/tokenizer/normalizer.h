// The tokenizer.json normalizer: Unicode normalization forms (Qwen3 uses NFC), done by ICU on
// UTF-8 directly. Text that is already normalized (nearly all text) costs one quick check.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace q3c {

enum class NormalForm { NFC, NFD, NFKC, NFKD };

class Normalizer {
 public:
  Normalizer() = default;  // the identity
  explicit Normalizer(std::vector<NormalForm> steps);

  bool isIdentity() const { return steps_.empty(); }
  const std::vector<NormalForm>& steps() const { return steps_; }

  // Normalizes valid UTF-8 text. Returns false (out untouched) when the text is unchanged, so the
  // caller can keep using its input.
  bool apply(std::string_view text, std::string& out) const;

 private:
  std::vector<NormalForm> steps_;
};

const char* normalFormName(NormalForm f);

}  // namespace q3c
