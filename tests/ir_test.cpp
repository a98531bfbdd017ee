// The textual IR: print -> parse -> print is identical, and the parser and verifier reject bad
// graphs with a message that points at the problem.
#include <gtest/gtest.h>

#include "frontend/qwen3_graph.h"
#include "ir/graph.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

using ir::IrError;

std::string errorOf(const std::string& text) {
  try {
    ir::parse(text);
  } catch (const IrError& e) {
    return e.what();
  }
  return "";
}

TEST(IrText, GoldenModelGraphsRoundTrip) {
  for (const std::string& m : test::goldenModels()) {
    std::string dir = (test::goldenDir() / m).string();
    ir::Graph g = buildQwen3Graph(ModelConfig::load(dir), WeightStore::open(dir));
    std::string once = ir::print(g);
    std::string twice = ir::print(ir::parse(once));
    EXPECT_EQ(once, twice) << m;
    EXPECT_NE(once.find("rope(%l0.q_normed)"), std::string::npos) << m;
  }
}

TEST(IrText, FloatAttributesRoundTripExactly) {
  const char* text = R"(graph @g {
  %x = input {name = "x"} : f32[T,8]
  %w = weight {name = "w"} : bf16[8]
  %y = rms_norm(%x, %w) {eps = 1.0000000000000001e-07} : f32[T,8]
  return %y
}
)";
  ir::Graph g = ir::parse(text);
  EXPECT_EQ(g.producer(g.findValue("y")).attrFloat("eps"), 1.0000000000000001e-07);
  EXPECT_EQ(ir::print(g), text);
}

TEST(IrText, SymbolicDimsAndQuotedStrings) {
  const char* text = R"(graph @g {
  %ids = input {name = "a \"quoted\" name"} : i32[T]
  %t = weight {name = "emb"} : f32[16,4]
  %h = embed(%t, %ids) : f32[T,4]
  %k = reshape(%h) : f32[T,2,2]
  %c = kv_append(%k) {layer = 0, slot = "k"} : f32[C,2,2]
  return %c
}
)";
  ir::Graph g = ir::parse(text);
  EXPECT_EQ(g.value(g.findValue("c")).type.shape[0].kind, ir::Dim::C);
  EXPECT_EQ(g.producer(g.findValue("ids")).attrString("name"), "a \"quoted\" name");
  EXPECT_EQ(ir::print(g), text);
}

TEST(IrText, ParserErrorsNameTheProblem) {
  EXPECT_NE(errorOf("graph @g {\n  %x = frobnicate : f32[4]\n  return %x\n}").find("unknown op 'frobnicate'"),
            std::string::npos);
  EXPECT_NE(errorOf("graph @g {\n  %y = silu(%x) : f32[4]\n  return %y\n}").find("undefined value %x"),
            std::string::npos);
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : q3[4]\n  return %x\n}").find("unknown dtype 'q3'"),
            std::string::npos);
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[4]\n  %x = silu(%x) : f32[4]\n  return %x\n}")
                .find("defined twice"),
            std::string::npos);
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[4]\n").find("line 3"), std::string::npos);
}

TEST(IrVerifier, RejectsWrongShapesAndAttributes) {
  // matmul with mismatched K
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[T,8]\n  %w = weight {name = \"w\"} : f32[4,7]\n"
                    "  %y = matmul(%x, %w) : f32[T,4]\n  return %y\n}")
                .find("is not [N,8]"),
            std::string::npos);
  // declared result type disagrees with the shape rule
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[T,8]\n  %y = silu(%x) : f32[T,9]\n  return %y\n}")
                .find("should be f32[T,8]"),
            std::string::npos);
  // missing attribute
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[T,8]\n  %w = weight {name = \"w\"} : f32[8]\n"
                    "  %y = rms_norm(%x, %w) : f32[T,8]\n  return %y\n}")
                .find("missing attribute 'eps'"),
            std::string::npos);
  // wrong attribute kind
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[T,8]\n  %w = weight {name = \"w\"} : f32[8]\n"
                    "  %y = rms_norm(%x, %w) {eps = 1} : f32[T,8]\n  return %y\n}")
                .find("'eps' is not a float"),
            std::string::npos);
  // grouped-query attention needs heads divisible by kv heads
  EXPECT_NE(errorOf("graph @g {\n  %q = input {name = \"q\"} : f32[T,3,4]\n  %k = input {name = \"k\"} : f32[T,2,4]\n"
                    "  %kc = kv_append(%k) {layer = 0, slot = \"k\"} : f32[C,2,4]\n"
                    "  %a = attention(%q, %kc, %kc) {scale = 0.5} : f32[T,3,4]\n  return %a\n}")
                .find("multiple of kv heads"),
            std::string::npos);
  // reshape must keep the element count
  EXPECT_NE(errorOf("graph @g {\n  %x = input {name = \"x\"} : f32[T,8]\n  %y = reshape(%x) : f32[T,3,3]\n  return %y\n}")
                .find("cannot reshape"),
            std::string::npos);
}

}  // namespace
}  // namespace q3c
