// Streams an answer's tokens to stdout as text the moment each is chosen: UTF-8 characters split
// across tokens are held until complete, special tokens (the end of turn) are not printed, and
// the reasoning between <think> and </think> is shown dimmed on a terminal, or hidden.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "frontend/tokenizer/stream_decoder.h"
#include "frontend/tokenizer/tokenizer.h"

namespace q3c::tools {

class AnswerPrinter {
 public:
  AnswerPrinter(const Tokenizer& tokenizer, bool hideThinking, std::FILE* out = stdout);

  void push(int32_t id);
  // Prints what is still held, resets the colour, and ends the line. Ready for the next answer.
  void finish();

 private:
  enum class Part { Answer, Thinking, AfterThinking };
  void write(const std::string& text);

  StreamDecoder decoder_;
  std::FILE* out_;
  bool hide_, tty_;
  int32_t thinkOpen_ = -1, thinkClose_ = -1;
  Part part_ = Part::Answer;
  bool wroteAny_ = false, endsWithNewline_ = false;
};

}  // namespace q3c::tools
