// `q3c run` and `q3c chat` as a user meets them, on a tiny synthesized model with Qwen3's real
// tokenizer: streamed text, a tokens/s line, reproducible with --seed and --greedy, greedy equal
// to `q3c generate`, a two-turn chat from a pipe, Ctrl-C, the demo model when no MODEL_DIR is
// given, and bad flags answered with one line. Needs .cache/tokenizer (scripts/fetch_tokenizer.sh):
// without it every test fails.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "frontend/tokenizer/chat_template.h"
#include "frontend/tokenizer/tokenizer.h"
#include "tests/test_support.h"
#include "tools/answer_printer.h"

namespace q3c {
namespace {

namespace fs = std::filesystem;
using test::expectCleanFailure;
using test::runQ3c;

const fs::path kTokenizerDir = Q3C_TOKENIZER_DIR;

// Where the tests keep their demo model and kernel cache: beside the test binary, shared by the
// test processes (the demo model is written once, atomically).
fs::path testCacheDir() {
  return fs::read_symlink("/proc/self/exe").parent_path() / "run_cli_test.cache";
}


size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class RunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::is_regular_file(kTokenizerDir / "tokenizer.json"))
        << "Qwen3's tokenizer is missing: " << (kTokenizerDir / "tokenizer.json")
        << " (run scripts/fetch_tokenizer.sh); run and chat cannot be tested without it";
    fs::create_directories(testCacheDir());
    setenv("XDG_CACHE_HOME", testCacheDir().c_str(), 1);
    setenv("Q3C_TOKENIZER_DIR", kTokenizerDir.c_str(), 1);
  }

  // The demo model (tiny preset, real tokenizer), written on first use by `q3c run` itself.
  std::string model() {
    fs::path dir = testCacheDir() / "q3c" / "demo-model";
    if (!fs::exists(dir / "tokenizer_config.json")) {
      test::RunResult r = runQ3c("run -p hi -n 1");
      EXPECT_EQ(r.exitCode, 0) << r.err;
    }
    return dir.string();
  }

  // Lines of text on stdin of `q3c ARGS`.
  test::RunResult withInput(const std::string& input, const std::string& args) {
    std::string file = tmp_ / "stdin.txt";
    test::writeFile(file, input);
    return runQ3c(args + " <" + file);
  }

  test::TempDir tmp_;
};

TEST_F(RunCli, RunStreamsTextAndReportsSpeed) {
  test::RunResult r = runQ3c("run " + model() + " -p 'Write a haiku about compilers.' -n 24 --seed 1");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_NE(r.err.find("tok/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sampling: T 0.6, top-k 20, top-p 0.95, seed 1"), std::string::npos) << r.err;  // generation_config.json
  EXPECT_EQ(r.out.find("<|im_end|>"), std::string::npos) << "special tokens are not printed";
}

TEST_F(RunCli, SameSeedSameTextOtherSeedOtherText) {
  const std::string run = "run " + model() + " -p 'Tell me a story.' -n 24 --temp 1.0 --top-k 0 --top-p 1";
  test::RunResult a = runQ3c(run + " --seed 7"), b = runQ3c(run + " --seed 7"), c = runQ3c(run + " --seed 8");
  ASSERT_EQ(a.exitCode, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
}

TEST_F(RunCli, GreedyIsDeterministicAndEqualsGenerate) {
  const std::string dir = model();
  test::RunResult a = runQ3c("run " + dir + " -p 'What is 2+2?' -n 12 --greedy");
  test::RunResult b = runQ3c("run " + dir + " -p 'What is 2+2?' -n 12 --greedy --seed 99");
  ASSERT_EQ(a.exitCode, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.err.find("sampling: greedy"), std::string::npos) << a.err;

  // The same prompt through the template, the tokenizer and `q3c generate`'s greedy loop.
  ChatTemplate tmpl = ChatTemplate::load(dir);
  Tokenizer tok = Tokenizer::load(dir);
  ChatOptions opt;
  opt.addGenerationPrompt = true;
  std::vector<int32_t> ids = tok.encode(tmpl.render(nlohmann::ordered_json::parse(R"([{"role":"user","content":"What is 2+2?"}])"), opt));
  std::string idsText;
  for (int32_t id : ids) idsText += std::to_string(id) + " ";
  test::writeFile(tmp_ / "ids.txt", idsText);
  test::RunResult g = runQ3c("generate " + dir + " --ids-file " + tmp_ / "ids.txt" + " -n 12 --print-ids");
  ASSERT_EQ(g.exitCode, 0) << g.err;
  std::vector<int32_t> out;
  for (size_t at = 0; at < g.out.size();) {
    size_t end = g.out.find_first_of(" \n", at);
    if (end > at) out.push_back(std::stoi(g.out.substr(at, end - at)));
    at = end + 1;
  }
  std::string text = tok.decode(out, /*skipSpecialTokens=*/true);
  EXPECT_EQ(a.out, text + (text.empty() || text.back() != '\n' ? "\n" : ""));
}

TEST_F(RunCli, WithoutModelDirSynthesizesTheDemoModelAndSaysItIsRandom) {
  test::TempDir cache;
  setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);
  test::RunResult r = runQ3c("run -p 'Hello' -n 4 --seed 3");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("synthesizing a demo model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("RANDOM"), std::string::npos) << r.err;
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    EXPECT_TRUE(fs::exists(cache.path() / "q3c" / "demo-model" / f)) << f;
  // The second time it is there already.
  test::RunResult again = withInput("Hi\n", "chat -n 4 --seed 3");
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_EQ(again.err.find("synthesizing"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("RANDOM"), std::string::npos) << again.err;
}

TEST_F(RunCli, SynthCopiesTheTokenizerFiles) {
  test::RunResult s = runQ3c("synth --preset tiny -q --tokenizer " + kTokenizerDir.string() + " -o " + tmp_ / "m");
  ASSERT_EQ(s.exitCode, 0) << s.err;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    EXPECT_EQ(test::readFile(tmp_ / ("m/" + std::string(f))), test::readFile((kTokenizerDir / f).string())) << f;
  test::RunResult r = runQ3c("run " + tmp_ / "m" + " -p 'Hi' -n 4 --no-think --hide-think --seed 2");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  expectCleanFailure(runQ3c("synth --preset tiny -q --tokenizer " + tmp_ / "nowhere" + " -o " + tmp_ / "n"), "nowhere",
                     "synth --tokenizer nowhere");
  // A model without a tokenizer is refused by run, naming what is missing.
  ASSERT_EQ(runQ3c("synth --preset tiny -q --tokenizer none -o " + tmp_ / "bare").exitCode, 0);
  expectCleanFailure(runQ3c("run " + tmp_ / "bare" + " -p hi"), "tokenizer.json", "run on a model without tokenizer");
}

TEST_F(RunCli, ChatAnswersTwoTurnsFromAPipe) {
  test::RunResult r = withInput("Hello, who are you?\nAnd what can you do? /no_think\n", "chat " + model() + " -n 16 --seed 4");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_EQ(count(r.err, "tok/s)"), 4u) << "prefill and decode rates after each of the two answers:\n" << r.err;
  EXPECT_EQ(r.out.find("> "), std::string::npos) << "no prompt when stdin is not a terminal";
  // With a seed the whole conversation is reproducible.
  test::RunResult again = withInput("Hello, who are you?\nAnd what can you do? /no_think\n", "chat " + model() + " -n 16 --seed 4");
  EXPECT_EQ(r.out, again.out);
}

TEST_F(RunCli, ChatCommands) {
  test::RunResult r = withInput("/reset\n\nHi\n/exit\nnever answered\n", "chat " + model() + " -n 4 --no-think");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("new conversation"), std::string::npos) << r.err;
  EXPECT_EQ(count(r.err, "| decode"), 1u) << r.err;
  // End of input without a newline still answers the last line.
  test::RunResult last = withInput("Hi", "chat " + model() + " -n 4");
  ASSERT_EQ(last.exitCode, 0) << last.err;
  EXPECT_EQ(count(last.err, "| decode"), 1u) << last.err;
}

// Ctrl-C while an answer streams: `run` stops and exits 130; `chat` stops that answer only and
// goes on to the next line. The signal is sent once the first token has been printed.
TEST_F(RunCli, CtrlCStopsTheAnswer) {
  const std::string dir = model(), q3c = Q3C_BINARY, out = tmp_ / "out", err = tmp_ / "err";
  const std::string interruptOnceStreaming =
      " & pid=$!\nfor i in $(seq 600); do [ -s " + out + " ] && break; sleep 0.05; done\nkill -INT $pid\nwait $pid\n";
  test::writeFile(tmp_ / "run.sh", q3c + " run " + dir + " -p 'Count to a million.' -n 3000 --seed 1 >" + out + " 2>" + err +
                                       interruptOnceStreaming);
  int status = std::system(("sh " + tmp_ / "run.sh").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  std::string log = test::readFile(err);
  EXPECT_EQ(WEXITSTATUS(status), 130) << log;
  EXPECT_NE(log.find("stopped: interrupted"), std::string::npos) << log;
  EXPECT_NE(log.find("tok/s"), std::string::npos) << log;

  // The first answer is cut by Ctrl-C; the second line still gets its answer.
  std::remove(out.c_str());
  test::writeFile(tmp_ / "chat.sh", "(echo 'Count to a million.'; sleep 3; echo 'Now stop.') | " + q3c + " chat " + dir +
                                        " -n 300 --seed 1 >" + out + " 2>" + err + interruptOnceStreaming);
  status = std::system(("sh " + tmp_ / "chat.sh").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  log = test::readFile(err);
  EXPECT_EQ(WEXITSTATUS(status), 0) << log;
  EXPECT_NE(log.find("[stopped: interrupted]"), std::string::npos) << log;
  EXPECT_NE(log.find("[stopped: token limit]"), std::string::npos) << log;
  EXPECT_EQ(count(log, "| decode"), 2u) << log;
}

TEST_F(RunCli, BadFlagsAreOneLineErrors) {
  const std::string dir = model();
  expectCleanFailure(runQ3c("run " + dir), "--prompt", "run without -p");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --top-p 2"), "top-p", "--top-p 2");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --temp -1"), "temp", "--temp -1");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --min-p 1.5"), "min-p", "--min-p 1.5");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --repeat-penalty 0"), "repeat-penalty", "--repeat-penalty 0");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --sampling hot"), "sampling", "--sampling hot");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --greedy --temp 0.5"), "greedy", "--greedy with --temp");
  expectCleanFailure(runQ3c("run " + dir + " -p hi -n 0"), "max-new", "-n 0");
  expectCleanFailure(runQ3c("run " + dir + " -p hi --max-context 4"), "max-context", "a context smaller than the prompt");
  expectCleanFailure(runQ3c("run " + tmp_ / "nowhere" + " -p hi"), "nowhere", "a missing model directory");
  expectCleanFailure(runQ3c("chat " + dir + " --top-k -3"), "top-k", "chat --top-k -3");
  expectCleanFailure(runQ3c("chat " + dir + " --bogus"), "bogus", "chat --bogus");
}

TEST_F(RunCli, HelpListsTheFlags) {
  for (const char* cmd : {"run", "chat"}) {
    test::RunResult r = runQ3c(std::string(cmd) + " --help");
    EXPECT_EQ(r.exitCode, 0) << cmd;
    for (const char* flag : {"--no-think", "--hide-think", "--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty",
                             "--presence-penalty", "--seed", "--greedy", "--system", "--max-context", "--sampling"})
      EXPECT_NE(r.out.find(flag), std::string::npos) << cmd << " " << flag;
  }
}

// The printer behind --hide-think, fed the tokens a thinking model produces.
std::string printed(const Tokenizer& tok, const std::string& text, bool hide) {
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  {
    tools::AnswerPrinter p(tok, hide, f);
    for (int32_t id : tok.encode(text)) p.push(id);
    p.finish();
  }
  std::fclose(f);
  std::string out(buf, size);
  std::free(buf);
  return out;
}

TEST_F(RunCli, HideThinkLeavesOutTheReasoning) {
  Tokenizer tok = Tokenizer::load(kTokenizerDir);
  const std::string answer = "<think>\nThe user greets me; answer in kind. 你好 means hello.\n</think>\n\nHello! 你好 — ça va?<|im_end|>";
  EXPECT_EQ(printed(tok, answer, true), "Hello! 你好 — ça va?\n");
  EXPECT_EQ(printed(tok, answer, false),
            "<think>\nThe user greets me; answer in kind. 你好 means hello.\n</think>\n\nHello! 你好 — ça va?\n");
  EXPECT_EQ(printed(tok, "No reasoning here.\n", true), "No reasoning here.\n");
  // An answer cut inside its reasoning prints nothing when hidden.
  EXPECT_EQ(printed(tok, "<think>\nstill thinking", true), "");
}

}  // namespace
}  // namespace q3c
