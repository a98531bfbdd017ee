#include "frontend/tokenizer/hf_regex.h"

namespace q3c {

std::string hfRegexToPcre2(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '\\' || i + 1 == pattern.size()) {
      out += c;
      continue;
    }
    char e = pattern[++i];  // an escape pair is copied whole, so `\\s` stays a backslash and an s
    if (e == 's') out += "\\p{White_Space}";
    else if (e == 'S') out += "\\P{White_Space}";
    else {
      out += '\\';
      out += e;
    }
  }
  return out;
}

}  // namespace q3c
