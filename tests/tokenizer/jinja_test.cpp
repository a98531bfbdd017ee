// The Jinja subset against Jinja2 itself: jinja_cases.json holds templates with the text Jinja2
// renders in transformers' chat-template environment (make_jinja_cases.py writes it). Then the
// errors: unsupported constructs and broken templates must name the problem and its line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "frontend/error.h"
#include "frontend/tokenizer/chat_template.h"
#include "frontend/tokenizer/jinja/py_format.h"
#include "frontend/tokenizer/jinja/template.h"
#include "test_data.h"

namespace q3c {
namespace {

const std::string kCasesPath = std::filesystem::path(__FILE__).parent_path() / "jinja_cases.json";

const nlohmann::ordered_json& cases() {
  static const nlohmann::ordered_json c = nlohmann::ordered_json::parse(test::readText(kCasesPath));
  return c;
}

class JinjaCases : public ::testing::TestWithParam<int> {};

TEST_P(JinjaCases, RendersLikeJinja2) {
  const auto& c = cases()[static_cast<size_t>(GetParam())];
  std::string source = c["template"].get<std::string>();
  jinja::Template t(source, "case");
  EXPECT_EQ(t.render(c["variables"]), c["text"].get<std::string>()) << "template: " << source;
}

INSTANTIATE_TEST_SUITE_P(Jinja2, JinjaCases, ::testing::Range(0, static_cast<int>(cases().size())));

std::string renderError(const std::string& source, const nlohmann::ordered_json& vars = nlohmann::ordered_json::object()) {
  try {
    jinja::Template t(source, "tmpl");
    t.render(vars);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JinjaErrors, UnsupportedConstructsAreNamedWithTheirLine) {
  EXPECT_EQ(renderError("ok\n{% include 'x.jinja' %}"),
            "tmpl line 2: unsupported tag '{% include %}' (the chat-template subset has if, for, set, macro, break, "
            "continue, raw, generation)");
  EXPECT_EQ(renderError("{{ x | frobnicate }}"), "tmpl line 1: unsupported filter 'frobnicate'");
  EXPECT_EQ(renderError("\n\n{% if x is frobnicated %}{% endif %}"), "tmpl line 3: unsupported test 'frobnicated'");
  EXPECT_EQ(renderError("{% for x in xs recursive %}{% endfor %}"), "tmpl line 1: unsupported: recursive loops");
  EXPECT_EQ(renderError("{{ f(*args) }}"), "tmpl line 1: unsupported: *args and **kwargs in calls");
  EXPECT_EQ(renderError("{% extends 'base' %}").substr(0, 40), "tmpl line 1: unsupported tag '{% extends");
}

TEST(JinjaErrors, BrokenTemplates) {
  EXPECT_EQ(renderError("a\n{% if x %}\nb"), "tmpl line 3: unexpected end of template: missing '{% endif %}' for the block opened on line 2");
  EXPECT_EQ(renderError("{% for x in y %}"), "tmpl line 1: unexpected end of template: missing '{% endfor %}' for the block opened on line 1");
  EXPECT_EQ(renderError("{% endif %}"), "tmpl line 1: unexpected '{% endif %}' (no open block it closes)");
  EXPECT_EQ(renderError("{{ x "), "tmpl line 1: unterminated '{{' tag (no '}}')");
  EXPECT_EQ(renderError("\n{{ 'abc }}"), "tmpl line 2: unterminated string literal");
  EXPECT_EQ(renderError("{# never closed"), "tmpl line 1: unterminated comment '{#'");
  EXPECT_EQ(renderError("{{ 1 + }}"), "tmpl line 1: unexpected '}}' in an expression");
  EXPECT_EQ(renderError("{% break %}"), "tmpl line 1: 'break' outside a loop");
  EXPECT_EQ(renderError("{{ a ? b }}"), "tmpl line 1: unexpected character '?' in a tag");
}

TEST(JinjaErrors, RuntimeFailuresNameTheLine) {
  EXPECT_EQ(renderError("x\n{{ foo.bar }}"), "tmpl line 2: 'foo' is undefined");
  EXPECT_EQ(renderError("{{ 1 + 'a' }}"), "tmpl line 1: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(renderError("{% for a in 5 %}{% endfor %}"), "tmpl line 1: 'int' object is not iterable");
  EXPECT_EQ(renderError("{{ raise_exception('Only user and assistant roles') }}"),
            "tmpl line 1: the template raised an error: Only user and assistant roles");
  EXPECT_EQ(renderError("{% set x = 1 %}{% set x.y = 2 %}"),
            "tmpl line 1: cannot assign attribute 'y' on 'x': only namespace() objects take attributes");
  EXPECT_EQ(renderError("{{ xs.append(1) }}", {{"xs", {1}}}),
            "tmpl line 1: list.append() is not allowed: templates render in a sandbox that forbids changing lists");
  EXPECT_EQ(renderError("{{ d | tojson }}", {{"d", nullptr}}), "(no error)");
  EXPECT_EQ(renderError("{{ undefined_thing | tojson }}"), "tmpl line 1: tojson: Object of type Undefined is not JSON serializable");
}

TEST(PyFormat, FloatReprMatchesPython) {
  EXPECT_EQ(jinja::pyFloatRepr(0.1), "0.1");
  EXPECT_EQ(jinja::pyFloatRepr(1.0), "1.0");
  EXPECT_EQ(jinja::pyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(jinja::pyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(jinja::pyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(jinja::pyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(jinja::pyFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(jinja::pyFloatRepr(123.456), "123.456");
  EXPECT_EQ(jinja::pyFloatRepr(1.5e300), "1.5e+300");
}

// A chat template from a folder: tokenizer_config.json, or chat_template.jinja beside it.
TEST(ChatTemplateLoad, MissingAndBrokenConfigs) {
  auto dir = std::filesystem::temp_directory_path() / ("q3c_chat_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
  };
  auto loadError = [&]() -> std::string {
    try {
      ChatTemplate::load(dir);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(loadError().find("tokenizer_config.json: not found"), std::string::npos);
  write("tokenizer_config.json", "{not json");
  EXPECT_NE(loadError().find("tokenizer_config.json: not valid JSON"), std::string::npos);
  write("tokenizer_config.json", "{\"eos_token\": \"<|im_end|>\"}");
  EXPECT_NE(loadError().find("has no 'chat_template'"), std::string::npos);
  write("tokenizer_config.json", "{\"chat_template\": \"{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor\"}");
  EXPECT_NE(loadError().find("tokenizer_config.json chat_template line 1: unterminated '{%' tag"), std::string::npos);
  write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"default\", \"template\": \"{{ messages[0].content }}{{ eos_token }}\"}], \"eos_token\": {\"content\": \"</s>\"}}");
  EXPECT_EQ(ChatTemplate::load(dir).render(nlohmann::ordered_json::parse(R"([{"role": "user", "content": "hi"}])")), "hi</s>");
  write("chat_template.jinja", "J{{ messages | length }}");
  EXPECT_EQ(ChatTemplate::load(dir).render(nlohmann::ordered_json::parse("[{}, {}]")), "J2");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace q3c
