// Renders a parsed template: statements write text, expressions evaluate with Jinja2's scoping
// (a for-loop body and a macro body get their own scope; `set` inside them stays inside, which is
// why templates use namespace()), loop variables, macros, break/continue.
#pragma once
#include <string>

#include "frontend/tokenizer/jinja/ast.h"

namespace q3c::jinja {

// `context` is a dict of the template's variables. Throws TemplateError with the line.
std::string render(const Body& program, const Value& context);

}  // namespace q3c::jinja
