// The q3c tokenize / detokenize / template commands, run as a user would: text on stdin, output
// compared byte for byte with the shared vectors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_data.h"

namespace q3c {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out, err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("q3c_cli_tok_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  static std::string read(const fs::path& p) { return test::readText(p.string()); }

  Result run(const std::string& args, const std::string& stdinText = "") {
    fs::path in = write("stdin", stdinText), out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = std::string(Q3C_BINARY) + " " + args + " < '" + in.string() + "' > '" + out.string() + "' 2> '" +
                      err.string() + "'";
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read(out), read(err)};
  }

  fs::path dir_;
};

std::string tokenizerDir() { return fs::path(test::tokenizerJsonPath()).parent_path().string(); }

TEST_F(Cli, TokenizeAndDetokenizeVectors) {
  Q3C_REQUIRE_VECTORS();
  Q3C_REQUIRE_TOKENIZER();
  for (size_t i : {10u, 62u, 70u, 84u, 190u, 205u}) {  // prose, newlines, white space, code, special tokens
    const auto& c = test::vectors()["cases"][i];
    std::string text = c["text"].get<std::string>();
    std::string line;
    for (int32_t id : c["ids"].get<std::vector<int32_t>>()) line += (line.empty() ? "" : " ") + std::to_string(id);
    Result r = run("tokenize " + tokenizerDir(), text);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, line + "\n") << "case " << i;
    Result back = run("detokenize " + test::tokenizerJsonPath(), line);
    ASSERT_EQ(back.code, 0) << back.err;
    EXPECT_EQ(back.out, text) << "case " << i;  // exactly, no newline added
  }
}

TEST_F(Cli, TemplateRendersChatVectors) {
  Q3C_REQUIRE_VECTORS();
  Q3C_REQUIRE_TOKENIZER();
  for (size_t i = 0; i < test::vectors()["chat"].size(); ++i) {
    const auto& c = test::vectors()["chat"][i];
    std::string args = "template " + tokenizerDir() + " --messages " + write("m.json", c["messages"].dump()).string();
    if (c.contains("tools")) args += " --tools " + write("t.json", c["tools"].dump()).string();
    if (!c["enable_thinking"].get<bool>()) args += " --no-think";
    if (c["add_generation_prompt"].get<bool>()) args += " --add-generation-prompt";
    Result r = run(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, c["text"].get<std::string>()) << "chat case " << i;
  }
}

TEST_F(Cli, ErrorsAreOneLineAndNonZero) {
  Result r = run("tokenize " + (dir_ / "nowhere").string(), "x");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "q3c: error: " + (dir_ / "nowhere").string() + ": not found (a tokenizer.json or a model folder holding one)\n");
  Q3C_REQUIRE_TOKENIZER();
  r = run("detokenize " + tokenizerDir(), "12 abc");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "q3c: error: stdin: 'abc' is not a token id\n");
  r = run("tokenize " + tokenizerDir(), "bad \xff utf-8");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "q3c: error: text to tokenize is not valid UTF-8 (byte 4 of 11)\n");
  write("tokenizer_config.json", R"({"chat_template": "{% if messages %}{{ messages[0].content }"})");
  r = run("template " + dir_.string() + " --messages " + write("m.json", R"([{"role": "user", "content": "hi"}])").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "q3c: error: " + (dir_ / "tokenizer_config.json").string() +
                       " chat_template line 1: unterminated '{{' tag (no '}}')\n");
}

}  // namespace
}  // namespace q3c
