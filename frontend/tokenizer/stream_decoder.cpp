#include "frontend/tokenizer/stream_decoder.h"

#include "frontend/tokenizer/utf8.h"

namespace q3c {

std::string StreamDecoder::push(int32_t id) {
  std::string_view bytes = tokenizer_->tokenBytes(id);  // checks the id
  if (skipSpecial_ && tokenizer_->isSpecial(id)) return {};
  pending_ += bytes;
  std::string out;
  size_t used = utf8::appendLossy(pending_, out, false);
  pending_.erase(0, used);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  utf8::appendLossy(pending_, out, true);
  pending_.clear();
  return out;
}

}  // namespace q3c
