// Builds the syntax tree from tokens with Jinja2's grammar and operator precedence. Tags,
// filters and tests outside the supported subset are errors that name them and their line.
#pragma once
#include <vector>

#include "frontend/tokenizer/jinja/ast.h"
#include "frontend/tokenizer/jinja/lexer.h"

namespace q3c::jinja {

Body parse(const std::vector<Token>& tokens);

}  // namespace q3c::jinja
