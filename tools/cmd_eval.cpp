// q3c eval: logits at every position of one forward pass, written as safetensors, and/or
// compared with a reference eval's (the accuracy report of quantization: KL divergence, top-1
// and greedy agreement).
#include <algorithm>
#include <cstring>
#include <iostream>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "runtime/accuracy.h"
#include "runtime/generator.h"
#include "runtime/session.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace {

// The reference run's logits [T, V] and greedy tokens (empty when it wrote none).
struct Reference {
  std::vector<float> logits;
  std::vector<int32_t> greedy;
};

Reference readReference(const std::string& path, int64_t T, int64_t V) {
  auto f = SafetensorsFile::open(path);
  auto it = f->tensors().find("logits");
  if (it == f->tensors().end()) throw Error(path + ": no tensor 'logits' (write one with q3c eval --out)");
  const TensorView& l = it->second;
  if (l.dtype != ir::DType::F32 || l.shape != std::vector<int64_t>{T, V})
    throw Error(path + ": logits are " + ir::dtypeName(l.dtype) + " [" + std::to_string(l.shape.size() ? l.shape[0] : 0) +
                ", ...], expected f32 [" + std::to_string(T) + ", " + std::to_string(V) +
                "]: the reference must come from the same prompt and vocabulary");
  Reference r;
  r.logits.resize(static_cast<size_t>(T * V));
  std::memcpy(r.logits.data(), l.data, r.logits.size() * 4);
  if (auto g = f->tensors().find("greedy"); g != f->tensors().end()) {
    if (g->second.dtype != ir::DType::I32 || g->second.shape.size() != 1) throw Error(path + ": 'greedy' is not i32 [N]");
    r.greedy.resize(static_cast<size_t>(g->second.shape[0]));
    std::memcpy(r.greedy.data(), g->second.data, r.greedy.size() * 4);
  }
  return r;
}

// n tokens chosen by argmax after the prompt whose last logits row is `last`.
std::vector<int32_t> greedyTokens(Session& session, const float* last, int64_t n) {
  std::vector<int32_t> out;
  const int64_t V = session.vocabSize();
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(static_cast<int32_t>(std::max_element(last, last + V) - last));
    if (i + 1 < n) last = session.forward({out.back()});
  }
  return out;
}

}  // namespace

void addEvalCommand(CLI::App& app) {
  struct Opts {
    std::string dir, out, compareTo;
    int64_t greedy = 0;
    bool json = false;
    IdsInput ids;
    PipelineFlags pipeline;
    BackendFlags backend{"jit"};
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Run one forward pass over a prompt: write the logits of every position, or compare them with a reference's");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory or .gguf file")->required();
  o->ids.addOptions(*cmd);
  cmd->add_option("--out", o->out, "output .safetensors file (tensor 'logits', F32 [T, vocab]; with --greedy also 'greedy', I32 [N])");
  cmd->add_option("--greedy", o->greedy, "also choose N tokens greedily after the prompt (written to --out; compared under --compare-to when the reference has them)")
      ->check(nonNegativeInteger());
  cmd->add_option("--compare-to", o->compareTo,
                  "a reference eval's --out file of the same prompt: print the KL divergence of each position's next-token "
                  "distribution (reference || this run), top-1 agreement, and how many greedy tokens agree");
  cmd->add_flag("--json", o->json, "with --compare-to: print the comparison as one JSON object on stdout");
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    if (o->out.empty() && o->compareTo.empty()) throw Error("give --out FILE, --compare-to REF, or both");
    std::vector<int32_t> ids = o->ids.read();
    Model model = Model::load(o->dir);
    checkTokenIds(ids, model.config.vocabSize);
    const int64_t T = static_cast<int64_t>(ids.size()), V = model.config.vocabSize;
    Reference ref;
    if (!o->compareTo.empty()) ref = readReference(o->compareTo, T, V);
    const int64_t greedy = std::max<int64_t>(o->greedy, static_cast<int64_t>(ref.greedy.size()));
    auto backend = o->backend.create();
    ir::Graph graph = o->pipeline.apply(model.graph, backend->runsPassesByDefault());
    Session session(model, *backend, T + std::max<int64_t>(greedy, 1), &graph, o->backend.threads);
    int64_t t0 = nowNs();
    const float* logits = session.forward(ids);
    double secs = secondsSince(t0);
    std::vector<float> all(logits, logits + T * V);
    std::vector<int32_t> chosen = greedyTokens(session, all.data() + (T - 1) * V, greedy);
    if (std::string d = session.executable().describe(); !d.empty()) std::cerr << d << "\n";
    std::cerr << "eval: " << T << " tokens in " << secs << " s with " << o->backend.backend << "\n";
    if (!o->out.empty()) {
      std::map<std::string, OwnedTensor> tensors;
      OwnedTensor t{ir::DType::F32, {T, V}, std::vector<uint8_t>(all.size() * 4)};
      std::memcpy(t.bytes.data(), all.data(), t.bytes.size());
      tensors["logits"] = std::move(t);
      if (!chosen.empty()) {
        OwnedTensor g{ir::DType::I32, {static_cast<int64_t>(chosen.size())}, std::vector<uint8_t>(chosen.size() * 4)};
        std::memcpy(g.bytes.data(), chosen.data(), g.bytes.size());
        tensors["greedy"] = std::move(g);
      }
      writeSafetensors(o->out, tensors);
      std::cerr << "eval: wrote " << o->out << "\n";
    }
    if (o->compareTo.empty()) return;
    const LogitComparison c = compareLogits(ref.logits.data(), all.data(), T, V);
    const size_t agreeing = commonPrefix(ref.greedy, std::vector<int32_t>(chosen.begin(), chosen.begin() + ref.greedy.size()));
    if (o->json) {
      std::cout << "{\"positions\": " << c.positions << ", \"mean_kl\": " << c.meanKl << ", \"max_kl\": " << c.maxKl
                << ", \"top1_agreement\": " << c.top1Agreement << ", \"greedy_tokens\": " << ref.greedy.size()
                << ", \"greedy_agreement\": " << agreeing << "}\n";
    } else {
      std::cout << c.describe();
      if (!ref.greedy.empty()) std::cout << ", greedy agreement " << agreeing << " of " << ref.greedy.size() << " tokens";
      std::cout << "\n";
    }
  });
}

}  // namespace q3c::tools
