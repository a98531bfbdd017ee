// q3c tokenize / detokenize: Qwen3's tokenizer on stdin, as Hugging Face would tokenize
// (special tokens parsed, no BOS/EOS added).
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "frontend/error.h"
#include "frontend/gguf_model.h"
#include "frontend/tokenizer/tokenizer.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace {

std::string readStdin() {
  std::ios::sync_with_stdio(false);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

Tokenizer loadTokenizer(const std::string& path, bool verbose) {
  if (!std::filesystem::is_directory(path) && isGgufPath(path))  // rebuilt from the GGUF's metadata
    return Tokenizer::fromJson(ggufTokenizerJson(*GgufFile::open(path)), path);
  Tokenizer tok = Tokenizer::load(path);
  if (verbose) {
    const TokenizerLoadInfo& info = tok.loadInfo();
    std::fprintf(stderr, "tokenizer: %s loaded in %.1f ms (%s)\n", info.jsonPath.c_str(), info.seconds * 1e3,
                 info.fromCache ? ("binary cache " + info.cachePath.string()).c_str()
                                : info.cacheWritten ? ("parsed; cache written to " + info.cachePath.string()).c_str()
                                                    : "parsed; no cache");
  }
  return tok;
}

std::vector<int32_t> parseIds(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    if (isspace(static_cast<unsigned char>(text[i])) || text[i] == ',') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && !isspace(static_cast<unsigned char>(text[j])) && text[j] != ',') ++j;
    int64_t v = 0;
    auto r = std::from_chars(text.data() + i, text.data() + j, v);
    if (r.ec != std::errc() || r.ptr != text.data() + j || v < 0 || v > INT32_MAX)
      throw Error("stdin: '" + text.substr(i, j - i) + "' is not a token id");
    ids.push_back(static_cast<int32_t>(v));
    i = j;
  }
  return ids;
}

}  // namespace

void addTokenizeCommands(CLI::App& app) {
  struct Opts {
    std::string path;
    bool verbose = false, skipSpecial = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* tok = app.add_subcommand("tokenize", "Print the token ids of the UTF-8 text on stdin (one line, space-separated)");
  tok->add_option("tokenizer", o->path, "model folder holding tokenizer.json, the tokenizer.json, or a .gguf model")->required();
  tok->add_flag("-v,--verbose", o->verbose, "report the tokenizer's load time on stderr");
  tok->callback([o] {
    Tokenizer t = loadTokenizer(o->path, o->verbose);
    std::string text = readStdin();
    std::vector<int32_t> ids = t.encode(text);
    std::string line;
    line.reserve(ids.size() * 7);
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  });

  auto d = std::make_shared<Opts>();
  CLI::App* detok = app.add_subcommand("detokenize", "Print the text of the token ids on stdin, exactly, with no added newline");
  detok->add_option("tokenizer", d->path, "model folder holding tokenizer.json, the tokenizer.json, or a .gguf model")->required();
  detok->add_flag("--skip-special", d->skipSpecial, "leave special tokens such as <|im_end|> out");
  detok->add_flag("-v,--verbose", d->verbose, "report the tokenizer's load time on stderr");
  detok->callback([d] {
    Tokenizer t = loadTokenizer(d->path, d->verbose);
    std::string text = t.decode(parseIds(readStdin()), d->skipSpecial);
    std::fwrite(text.data(), 1, text.size(), stdout);
  });
}

}  // namespace q3c::tools
