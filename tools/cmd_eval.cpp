// q3c eval: logits at every position of one forward pass, written as safetensors.
#include <cstring>
#include <iostream>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace q3c::tools {

void addEvalCommand(CLI::App& app) {
  struct Opts {
    std::string dir, out;
    IdsInput ids;
    PipelineFlags pipeline;
    BackendFlags backend{"jit"};
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("eval", "Run one forward pass over a prompt and write the logits of every position");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory")->required();
  o->ids.addOptions(*cmd);
  cmd->add_option("--out", o->out, "output .safetensors file (tensor 'logits', F32 [T, vocab])")->required();
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    std::vector<int32_t> ids = o->ids.read();
    Model model = Model::load(o->dir);
    checkTokenIds(ids, model.config.vocabSize);
    auto backend = o->backend.create();
    ir::Graph graph = o->pipeline.apply(model.graph, backend->runsPassesByDefault());
    Session session(model, *backend, static_cast<int64_t>(ids.size()), &graph, o->backend.threads);
    int64_t t0 = nowNs();
    const float* logits = session.forward(ids);
    double secs = secondsSince(t0);
    const int64_t T = static_cast<int64_t>(ids.size()), V = model.config.vocabSize;
    OwnedTensor t{ir::DType::F32, {T, V}, std::vector<uint8_t>(static_cast<size_t>(T * V) * 4)};
    std::memcpy(t.bytes.data(), logits, t.bytes.size());
    writeSafetensors(o->out, {{"logits", std::move(t)}});
    if (std::string d = session.executable().describe(); !d.empty()) std::cerr << d << "\n";
    std::cerr << "eval: " << T << " tokens in " << secs << " s with " << o->backend.backend << ", wrote " << o->out << "\n";
  });
}

}  // namespace q3c::tools
