// Translates a Hugging Face pre-tokenizer regex (written for Oniguruma / Rust's regex) into a
// PCRE2 pattern with the same meaning under PCRE2_UTF | PCRE2_UCP.
//
// The one difference that matters for Qwen3-style patterns: with PCRE2_UCP, `\s` matches \p{Z},
// \h and \v, which includes U+180E MONGOLIAN VOWEL SEPARATOR; Hugging Face's `\s` is the Unicode
// White_Space property, which does not (since Unicode 6.3). So `\s` / `\S` become
// `\p{White_Space}` / `\P{White_Space}` (PCRE2 >= 10.40 knows binary properties), inside and
// outside character classes alike.
#pragma once
#include <string>
#include <string_view>

namespace q3c {

std::string hfRegexToPcre2(std::string_view pattern);

}  // namespace q3c
