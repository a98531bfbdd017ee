// Splits a template into text and tag tokens the way Jinja2's lexer does, applying its white-space
// rules as transformers configures them: `{%-`/`-%}` strip, trim_blocks (drop the newline after a
// block or comment tag), lstrip_blocks (drop the indentation before one), `+` to opt out, newlines
// normalized to \n and one trailing newline dropped (keep_trailing_newline=False).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace q3c::jinja {

enum class TokenType { Text, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End };

struct Token {
  TokenType type;
  std::string value;  // text, name, operator, decoded string literal, or number text
  int line;
};

struct LexerOptions {
  bool trimBlocks = true;
  bool lstripBlocks = true;
  bool keepTrailingNewline = false;
};

// Throws TemplateError (with its line) on an unterminated tag, string or raw block.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

const char* tokenTypeName(TokenType t);

}  // namespace q3c::jinja
