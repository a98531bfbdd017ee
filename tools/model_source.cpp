#include "tools/model_source.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "frontend/error.h"
#include "frontend/synth.h"

namespace q3c::tools {

namespace fs = std::filesystem;

namespace {

bool hasTokenizer(const fs::path& dir) { return !dir.empty() && fs::is_regular_file(dir / "tokenizer.json"); }

// A demo model is complete once every file `run` and `chat` read is there; it is written under
// another name and renamed, so an interrupted synthesis never looks complete.
bool isCompleteModel(const fs::path& dir) {
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    if (!fs::is_regular_file(dir / f)) return false;
  return true;
}

}  // namespace

fs::path findTokenizerDir() {
  if (const char* env = std::getenv("Q3C_TOKENIZER_DIR"); env && *env) return hasTokenizer(env) ? fs::path(env) : fs::path();
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = exe.parent_path().parent_path() / ".cache" / "tokenizer";  // build/q3c -> .cache/tokenizer
    if (hasTokenizer(beside)) return beside;
  }
#ifdef Q3C_SOURCE_DIR
  if (fs::path src = fs::path(Q3C_SOURCE_DIR) / ".cache" / "tokenizer"; hasTokenizer(src)) return src;
#endif
  return {};
}

fs::path demoModelDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "q3c" / "demo-model";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "q3c" / "demo-model";
  return fs::temp_directory_path() / "q3c-demo-model";
}

std::string resolveModelDir(const std::string& dir) {
  if (!dir.empty()) return dir;
  const fs::path demo = demoModelDir();
  if (!isCompleteModel(demo)) {
    const fs::path tokenizer = findTokenizerDir();
    if (tokenizer.empty())
      throw Error("no MODEL_DIR given and no Qwen3 tokenizer to build a demo model with: run scripts/fetch_tokenizer.sh "
                  "(or set Q3C_TOKENIZER_DIR), or give a model directory");
    std::fprintf(stderr, "q3c: no MODEL_DIR given: synthesizing a demo model (preset tiny, tokenizer from %s) into %s\n",
                 tokenizer.c_str(), demo.c_str());
    const fs::path tmp = demo.string() + ".partial-" + std::to_string(getpid());
    SynthOptions opt;
    opt.outDir = tmp.string();
    opt.tokenizerDir = tokenizer.string();
    try {
      synthesizeModel(opt);
    } catch (...) {
      std::error_code ec;
      fs::remove_all(tmp, ec);
      throw;
    }
    std::error_code ec;
    if (isCompleteModel(demo)) {
      fs::remove_all(tmp, ec);  // another q3c finished first: use its model
    } else {
      fs::remove_all(demo, ec);  // an incomplete one from before
      fs::rename(tmp, demo, ec);
      if (ec) {
        fs::remove_all(tmp);
        if (!isCompleteModel(demo)) throw Error(demo.string() + ": cannot write the demo model: " + ec.message());
      }
    }
  }
  std::fprintf(stderr,
               "q3c: using the demo model %s: its weights are RANDOM, so its answers are gibberish (give MODEL_DIR "
               "for a real model)\n",
               demo.c_str());
  return demo.string();
}

}  // namespace q3c::tools
