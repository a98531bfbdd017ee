// q3c synth: a Qwen3 model directory with deterministic random weights.
#include <unistd.h>

#include <cstdio>

#include "frontend/error.h"
#include "frontend/synth.h"
#include "tools/commands.h"
#include "tools/model_source.h"

namespace q3c::tools {

void addSynthCommand(CLI::App& app) {
  struct Opts {
    std::string preset, dtype = "bf16", out, tokenizer;
    uint64_t seed = 0;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("synth", "Write a Qwen3 model directory with random weights in the real layout");
  std::string presets;
  for (const auto& p : synthPresets()) presets += (presets.empty() ? "" : "|") + p;
  cmd->add_option("--preset", o->preset, "model shape: " + presets)->required();
  cmd->add_option("--dtype", o->dtype, "weight dtype: bf16|f32")->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed")->capture_default_str();
  cmd->add_option("-o,--out", o->out, "output directory")->required();
  cmd->add_option("--tokenizer", o->tokenizer,
                  "copy tokenizer.json, tokenizer_config.json, generation_config.json from this folder, or 'none' "
                  "(default: the repository's .cache/tokenizer when it exists)");
  cmd->add_flag("-q,--quiet", o->quiet, "no progress on stderr");
  cmd->callback([o] {
    SynthOptions opt;
    opt.shape = synthPreset(o->preset);
    if (o->dtype == "bf16") opt.dtype = ir::DType::BF16;
    else if (o->dtype == "f32") opt.dtype = ir::DType::F32;
    else throw Error("unknown --dtype '" + o->dtype + "' (bf16 or f32)");
    opt.seed = o->seed;
    opt.outDir = o->out;
    opt.tokenizerDir = o->tokenizer == "none" ? "" : o->tokenizer.empty() ? findTokenizerDir().string() : o->tokenizer;
    const bool tty = isatty(fileno(stderr));
    if (!o->quiet)
      opt.progress = [tty](uint64_t done, uint64_t total) {
        std::fprintf(stderr, tty ? "\rsynth: %5.1f%% of %.2f GB" : "synth: %5.1f%% of %.2f GB\n",
                     100.0 * static_cast<double>(done) / static_cast<double>(total), static_cast<double>(total) * 1e-9);
      };
    int64_t t0 = nowNs();
    uint64_t bytes = synthesizeModel(opt);
    if (!o->quiet)
      std::fprintf(stderr, "%ssynth: wrote %s (%s, %s, %.2f GB) in %.1f s\n", tty ? "\n" : "", o->out.c_str(),
                   o->preset.c_str(), o->dtype.c_str(), static_cast<double>(bytes) * 1e-9, secondsSince(t0));
  });
}

}  // namespace q3c::tools
