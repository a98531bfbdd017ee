#include "frontend/tokenizer/jinja/lexer.h"

#include <cctype>

#include "frontend/tokenizer/jinja/py_string.h"
#include "frontend/tokenizer/jinja/value.h"
#include "frontend/tokenizer/utf8.h"

namespace q3c::jinja {

const char* tokenTypeName(TokenType t) {
  switch (t) {
    case TokenType::Text: return "text";
    case TokenType::VariableBegin: return "'{{'";
    case TokenType::VariableEnd: return "'}}'";
    case TokenType::BlockBegin: return "'{%'";
    case TokenType::BlockEnd: return "'%}'";
    case TokenType::Name: return "name";
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Operator: return "operator";
    case TokenType::End: return "end of template";
  }
  return "?";
}

namespace {

// Python's `\s` at s[i]: the length of the white-space character there, or 0.
size_t spaceAt(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  char32_t cp;
  size_t n = utf8::decode(s, i, cp);
  return n && pyIsSpace(cp) ? n : 0;
}

std::string rstripSpace(std::string_view s) {
  // Strip white-space characters from the end, one code point at a time.
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (spaceAt(s, start) != end - start) break;
    end = start;
  }
  return std::string(s.substr(0, end));
}

bool allSpace(std::string_view s) {
  if (s.empty()) return false;  // Jinja's whitespace_re is \s+: at least one character
  for (size_t i = 0; i < s.size();) {
    size_t n = spaceAt(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

// Decodes a string literal's body as Python's unicode-escape does.
std::string unescape(std::string_view body, int line) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
    auto hex = [&](int digits) {
      if (i + static_cast<size_t>(digits) >= body.size())
        throw TemplateError("truncated \\" + std::string(1, e) + " escape in a string literal", line);
      char32_t v = 0;
      for (int k = 0; k < digits; ++k) {
        char h = body[i + 1 + static_cast<size_t>(k)];
        if (!std::isxdigit(static_cast<unsigned char>(h)))
          throw TemplateError("bad \\" + std::string(1, e) + " escape in a string literal", line);
        v = v * 16 + static_cast<char32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      i += static_cast<size_t>(digits);
      utf8::append(out, v);
    };
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\n': break;  // a backslash-newline continues the line
      case 'x': hex(2); break;
      case 'u': hex(4); break;
      case 'U': hex(8); break;
      default:
        if (e >= '0' && e <= '7') {  // up to three octal digits
          int v = e - '0';
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k) v = v * 8 + (body[++i] - '0');
          utf8::append(out, static_cast<char32_t>(v));
        } else {
          out += '\\';  // unknown escapes stay as written
          out += e;
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& o) : o_(o) {
    // Newlines normalized, as Jinja2 does before lexing.
    src_.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        src_ += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        src_ += source[i];
      }
    }
    if (!o.keepTrailingNewline && !src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  std::vector<Token> run() {
    bool lineStarting = true;
    while (pos_ < src_.size()) {
      size_t tag = findTagStart(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      if (tag == src_.size()) {
        emitText(text);
        pos_ = tag;
        break;
      }
      char kind = src_[tag + 1];  // '{', '%' or '#'
      char control = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (control == '-') {
        text = rstripSpace(text);
      } else if (control != '+' && o_.lstripBlocks && kind != '{') {
        size_t lineStart = text.rfind('\n');
        lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
        if ((lineStart > 0 || lineStarting) && allSpace(std::string_view(text).substr(lineStart))) text.resize(lineStart);
      }
      emitText(text);
      pos_ = tag + 2 + (control == '-' || control == '+' ? 1 : 0);
      if (kind == '#') lineStarting = comment();
      else if (kind == '%' && isRawBegin()) lineStarting = raw();
      else lineStarting = tagBody(kind == '%');
    }
    out_.push_back({TokenType::End, "", line_});
    return std::move(out_);
  }

 private:
  size_t findTagStart(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1))
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return src_.size();
  }

  void emitText(const std::string& text) {
    if (!text.empty()) out_.push_back({TokenType::Text, text, line_});
    countLines(text);
  }
  void countLines(std::string_view s) {
    for (char c : s) line_ += c == '\n';
  }

  // After a tag's end delimiter: `-` eats all white space, `+` nothing, else trim_blocks eats one
  // newline (block and comment tags only). Returns whether what was consumed ends a line.
  bool afterEnd(char control, bool blockLike) {
    size_t start = pos_;
    if (control == '-') {
      while (size_t n = spaceAt(src_, pos_)) pos_ += n;
    } else if (control != '+' && blockLike && o_.trimBlocks && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
    }
    countLines(std::string_view(src_).substr(start, pos_ - start));
    return pos_ > start && src_[pos_ - 1] == '\n';
  }

  bool comment() {
    int startLine = line_;
    size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) throw TemplateError("unterminated comment '{#'", startLine);
    char control = end > pos_ && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : '\0';
    countLines(std::string_view(src_).substr(pos_, end - pos_));
    pos_ = end + 2;
    return afterEnd(control, true);
  }

  bool isRawBegin() const {
    size_t i = pos_;
    while (spaceAt(src_, i)) i += spaceAt(src_, i);
    if (src_.compare(i, 3, "raw") != 0) return false;
    i += 3;
    while (spaceAt(src_, i)) i += spaceAt(src_, i);
    return src_.compare(i, 2, "%}") == 0 || src_.compare(i, 3, "-%}") == 0;
  }

  bool raw() {
    int startLine = line_;
    // The opening tag: `{% raw %}` or `{% raw -%}` (no trim_blocks here, as in Jinja2).
    size_t close = src_.find("%}", pos_);
    bool strip = src_[close - 1] == '-';
    countLines(std::string_view(src_).substr(pos_, close + 2 - pos_));
    pos_ = close + 2;
    if (strip) afterEnd('-', true);
    // The body runs to the first `{% endraw %}` in any spacing.
    for (size_t i = src_.find("{%", pos_); i != std::string::npos; i = src_.find("{%", i + 2)) {
      size_t j = i + 2;
      char control = j < src_.size() && (src_[j] == '-' || src_[j] == '+') ? src_[j++] : '\0';
      while (spaceAt(src_, j)) j += spaceAt(src_, j);
      if (src_.compare(j, 6, "endraw") != 0) continue;
      j += 6;
      while (spaceAt(src_, j)) j += spaceAt(src_, j);
      char endControl = '\0';
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) endControl = src_[j++];
      if (src_.compare(j, 2, "%}") != 0) continue;
      std::string body = src_.substr(pos_, i - pos_);
      if (control == '-') body = rstripSpace(body);
      else if (control != '+' && o_.lstripBlocks) {
        size_t lineStart = body.rfind('\n');
        lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
        if (allSpace(std::string_view(body).substr(lineStart))) body.resize(lineStart);
      }
      emitText(body);
      countLines(std::string_view(src_).substr(i, j + 2 - i));
      pos_ = j + 2;
      return afterEnd(endControl, true);
    }
    throw TemplateError("unterminated '{% raw %}' block (no '{% endraw %}')", startLine);
  }

  // The tokens of a {{ }} or {% %} tag, through its end delimiter.
  bool tagBody(bool block) {
    int startLine = line_;
    out_.push_back({block ? TokenType::BlockBegin : TokenType::VariableBegin, "", line_});
    const char* end = block ? "%}" : "}}";
    int depth = 0;  // brackets open: inside them `}}` is two operators, as in Jinja2
    while (true) {
      while (size_t n = spaceAt(src_, pos_)) {
        countLines(std::string_view(src_).substr(pos_, n));
        pos_ += n;
      }
      if (pos_ >= src_.size())
        throw TemplateError(std::string("unterminated '") + (block ? "{%" : "{{") + "' tag (no '" + end + "')", startLine);
      if (depth == 0) {
        char control = '\0';
        size_t at = pos_;
        if ((src_[at] == '-' || (block && src_[at] == '+')) && src_.compare(at + 1, 2, end) == 0) control = src_[at++];
        if (src_.compare(at, 2, end) == 0) {
          out_.push_back({block ? TokenType::BlockEnd : TokenType::VariableEnd, "", line_});
          pos_ = at + 2;
          return afterEnd(control, block);
        }
      }
      char c = src_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = pos_;
        while (j < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[j])) || src_[j] == '_')) ++j;
        out_.push_back({TokenType::Name, src_.substr(pos_, j - pos_), line_});
        pos_ = j;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        number();
      } else if (c == '\'' || c == '"') {
        string(c);
      } else {
        static const char* const kOperators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                                 ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"};
        const char* op = nullptr;
        for (const char* candidate : kOperators)
          if (src_.compare(pos_, std::char_traits<char>::length(candidate), candidate) == 0) {
            op = candidate;
            break;
          }
        if (!op) throw TemplateError("unexpected character '" + std::string(1, c) + "' in a tag", line_);
        std::string_view o(op);
        if (o == "(" || o == "[" || o == "{") ++depth;
        if ((o == ")" || o == "]" || o == "}") && depth > 0) --depth;
        out_.push_back({TokenType::Operator, std::string(o), line_});
        pos_ += o.size();
      }
    }
  }

  void number() {
    // Integers and floats with optional `_` separators; after a '.', only an integer (x.0.1).
    bool afterDot = !out_.empty() && out_.back().type == TokenType::Operator && out_.back().value == ".";
    size_t j = pos_;
    auto digits = [&] {
      while (j < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[j])) || (src_[j] == '_' && j + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[j + 1]))))) ++j;
    };
    digits();
    bool isFloat = false;
    if (!afterDot && j + 1 < src_.size() && src_[j] == '.' && std::isdigit(static_cast<unsigned char>(src_[j + 1]))) {
      ++j;
      digits();
      isFloat = true;
    }
    if (!afterDot && j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
      size_t k = j + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && std::isdigit(static_cast<unsigned char>(src_[k]))) {
        j = k;
        digits();
        isFloat = true;
      }
    }
    std::string text;
    for (size_t k = pos_; k < j; ++k)
      if (src_[k] != '_') text += src_[k];
    out_.push_back({isFloat ? TokenType::Float : TokenType::Integer, text, line_});
    pos_ = j;
  }

  void string(char quote) {
    int startLine = line_;
    size_t j = pos_ + 1;
    while (j < src_.size() && src_[j] != quote) j += src_[j] == '\\' ? 2 : 1;
    if (j >= src_.size()) throw TemplateError("unterminated string literal", startLine);
    std::string_view body = std::string_view(src_).substr(pos_ + 1, j - pos_ - 1);
    out_.push_back({TokenType::String, unescape(body, startLine), startLine});
    countLines(body);
    pos_ = j + 1;
  }

  LexerOptions o_;
  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) { return Lexer(source, options).run(); }

}  // namespace q3c::jinja
