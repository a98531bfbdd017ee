// Where `run` and `chat` get their model: the MODEL_DIR given, or a demo model with random
// weights and the real Qwen3 tokenizer, synthesized once into the user's cache directory so the
// commands work on a fresh machine. Also where the repository's tokenizer files are found.
#pragma once
#include <filesystem>
#include <string>

namespace q3c::tools {

// The folder holding Qwen3's tokenizer.json (scripts/fetch_tokenizer.sh puts it in the
// repository's .cache/tokenizer): $Q3C_TOKENIZER_DIR, else .cache/tokenizer beside the build
// folder of this executable, else in the source tree it was built from. Empty when none exists.
std::filesystem::path findTokenizerDir();

// $XDG_CACHE_HOME/q3c/demo-model, else ~/.cache/q3c/demo-model.
std::filesystem::path demoModelDir();

// `dir` when given; otherwise the demo model, synthesized (preset "tiny", real tokenizer) when
// missing. Says on stderr that the demo's weights are random. Throws q3c::Error when no
// tokenizer is available to build the demo with.
std::string resolveModelDir(const std::string& dir);

}  // namespace q3c::tools
