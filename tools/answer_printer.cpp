#include "tools/answer_printer.h"

#include <unistd.h>

namespace q3c::tools {

namespace {
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kPlain = "\x1b[0m";
constexpr const char* kEraseLine = "\r\x1b[K";
}  // namespace

AnswerPrinter::AnswerPrinter(const Tokenizer& tokenizer, bool hideThinking, std::FILE* out)
    : decoder_(tokenizer, /*skipSpecialTokens=*/true), out_(out), hide_(hideThinking), tty_(isatty(fileno(out))) {
  if (auto id = tokenizer.tokenId("<think>")) thinkOpen_ = *id;
  if (auto id = tokenizer.tokenId("</think>")) thinkClose_ = *id;
}

void AnswerPrinter::write(const std::string& text) {
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), out_);
  wroteAny_ = true;
  endsWithNewline_ = text.back() == '\n';
}

void AnswerPrinter::push(int32_t id) {
  if (id == thinkOpen_ && part_ == Part::Answer) {
    part_ = Part::Thinking;
    if (hide_) {
      if (tty_) std::fputs(std::string(kDim).append("(thinking...)").append(kPlain).c_str(), out_);
    } else {
      if (tty_) std::fputs(kDim, out_);
      write(decoder_.push(id));
    }
  } else if (id == thinkClose_ && part_ == Part::Thinking) {
    part_ = Part::AfterThinking;
    if (hide_) {
      decoder_.flush();  // drop any partial character of the reasoning
      if (tty_) std::fputs(kEraseLine, out_);
    } else {
      write(decoder_.push(id));
      if (tty_) std::fputs(kPlain, out_);
    }
  } else {
    std::string text = decoder_.push(id);
    if (hide_ && part_ == Part::Thinking) text.clear();
    // The blank lines after </think> belong to the reasoning's frame, not to the answer.
    if (hide_ && part_ == Part::AfterThinking) {
      size_t start = text.find_first_not_of(" \t\r\n");
      if (start == std::string::npos) text.clear();
      else {
        text.erase(0, start);
        part_ = Part::Answer;
      }
    }
    write(text);
  }
  std::fflush(out_);
}

void AnswerPrinter::finish() {
  std::string rest = decoder_.flush();
  if (!(hide_ && part_ == Part::Thinking)) write(rest);
  if (tty_ && part_ == Part::Thinking) std::fputs(hide_ ? kEraseLine : kPlain, out_);
  if (wroteAny_ && !endsWithNewline_) std::fputc('\n', out_);
  std::fflush(out_);
  part_ = Part::Answer;
  wroteAny_ = endsWithNewline_ = false;
}

}  // namespace q3c::tools
