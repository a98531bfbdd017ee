// q3c generate: greedy decoding with the KV cache.
#include <cstdio>
#include <iostream>

#include "codegen/backend.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace q3c::tools {

void addGenerateCommand(CLI::App& app) {
  struct Opts {
    std::string dir;
    IdsInput ids;
    int64_t maxNew = 32;
    bool printIds = false, ignoreEos = false;
    PipelineFlags pipeline;
    BackendFlags backend{"jit"};
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("generate", "Greedy decoding from token ids, with the KV cache");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory")->required();
  o->ids.addOptions(*cmd);
  cmd->add_option("--max-new,-n", o->maxNew, "number of new tokens")->capture_default_str()->check(positiveInteger());
  cmd->add_flag("--print-ids", o->printIds,
                "print the new ids space-separated on one stdout line (the only output form until "
                "the tokenizer lands)");
  cmd->add_flag("--ignore-eos", o->ignoreEos, "keep going past an end-of-sequence token");
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    std::vector<int32_t> prompt = o->ids.read();
    int64_t t0 = nowNs();
    Model model = Model::load(o->dir);
    checkTokenIds(prompt, model.config.vocabSize);
    auto backend = o->backend.create();
    ir::Graph graph = o->pipeline.apply(model.graph, backend->runsPassesByDefault());
    Session session(model, *backend, static_cast<int64_t>(prompt.size()) + o->maxNew, &graph, o->backend.threads);
    double loadSecs = secondsSince(t0);
    if (std::string d = session.executable().describe(); !d.empty()) std::fprintf(stderr, "%s\n", d.c_str());

    int64_t start = nowNs(), firstTokenNs = 0;
    GenerateOptions g;
    g.maxNew = o->maxNew;
    g.stopAtEos = !o->ignoreEos;
    g.onToken = [&](int32_t) {
      if (!firstTokenNs) firstTokenNs = nowNs();
    };
    std::vector<int32_t> out = generateGreedy(session, prompt, model.eosIds, g);
    int64_t end = nowNs();

    std::string line;
    for (size_t i = 0; i < out.size(); ++i) line += (i ? " " : "") + std::to_string(out[i]);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    double prefill = static_cast<double>(firstTokenNs - start) * 1e-9;
    double decode = static_cast<double>(end - firstTokenNs) * 1e-9;
    std::fprintf(stderr, "load %.2f s | prefill %zu tokens in %.3f s (%.1f tok/s) | decode %zu tokens in %.3f s (%.2f tok/s) [%s]\n",
                 loadSecs, prompt.size(), prefill, static_cast<double>(prompt.size()) / prefill, out.size() - 1, decode,
                 out.size() > 1 ? static_cast<double>(out.size() - 1) / decode : 0.0, o->backend.backend.c_str());
  });
}

}  // namespace q3c::tools
