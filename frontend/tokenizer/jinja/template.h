// A compiled template of the Jinja subset: parse once, render many times. Errors, at parse or at
// render time, are q3c::Error naming the template and the line.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "frontend/tokenizer/jinja/ast.h"
#include "frontend/tokenizer/jinja/lexer.h"

namespace q3c::jinja {

class Template {
 public:
  // `name` is how errors refer to the template (e.g. "dir/tokenizer_config.json chat_template").
  Template(std::string_view source, std::string name, const LexerOptions& options = {});

  // Renders with the variables of a JSON object, or of a dict Value.
  std::string render(const nlohmann::ordered_json& variables) const;
  std::string render(const Value& variables) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const Body> program_;
};

}  // namespace q3c::jinja
