#include "frontend/tokenizer/jinja/template.h"

#include "frontend/error.h"
#include "frontend/tokenizer/jinja/interpreter.h"
#include "frontend/tokenizer/jinja/parser.h"

namespace q3c::jinja {

namespace {

[[noreturn]] void rethrow(const std::string& name, const TemplateError& e) {
  throw Error(name + (e.line > 0 ? " line " + std::to_string(e.line) : std::string()) + ": " + e.what());
}

}  // namespace

Template::Template(std::string_view source, std::string name, const LexerOptions& options) : name_(std::move(name)) {
  try {
    program_ = std::make_shared<const Body>(parse(tokenize(source, options)));
  } catch (const TemplateError& e) {
    rethrow(name_, e);
  }
}

std::string Template::render(const nlohmann::ordered_json& variables) const {
  if (!variables.is_object()) throw Error(name_ + ": template variables must be a JSON object");
  return render(Value::fromJson(variables));
}

std::string Template::render(const Value& variables) const {
  try {
    return jinja::render(*program_, variables);
  } catch (const TemplateError& e) {
    rethrow(name_, e);
  }
}

}  // namespace q3c::jinja
