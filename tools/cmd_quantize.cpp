// q3c quantize: a model's weights quantized once and written, so a start skips the work. A
// directory OUT gets q3c's own format (docs/quantization.md): the model's JSON files copied and
// one model.safetensors whose quantized weights are U8 rows in the layout of ir/quant.h, their
// format in the metadata; the norms (and weights no group fits) as they were. OUT ending in
// .gguf gets a GGUF file instead (int8 -> Q8_0, int4 -> Q4_0, both groups of 32), for llama.cpp.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "codegen/constants.h"
#include "frontend/error.h"
#include "frontend/gguf_writer.h"
#include "runtime/model.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace fs = std::filesystem;

namespace {

struct Opts {
  std::string in, out, quant = "int8", quantHead;
  int64_t group = 0;
  bool force = false, quiet = false;
};

void writeGguf(const Opts& o) {
  GgufExportType type;
  if (o.quant == "int8") type = GgufExportType::Q8_0;
  else if (o.quant == "int4") type = GgufExportType::Q4_0;
  else throw Error("a .gguf output holds int8 (Q8_0) or int4 (Q4_0); int4zp has no GGUF block type here");
  if (o.group != 0 && o.group != 32) throw Error("GGUF's Q8_0 and Q4_0 have groups of 32, not " + std::to_string(o.group));
  if (!o.quantHead.empty()) throw Error("--quant-head: a GGUF written here stores every 2-D weight as --quant");
  const int64_t t0 = nowNs();
  const bool tty = !o.quiet && isatty(2);  // progress on a terminal only: one line, rewritten
  const uint64_t bytes = exportGguf(o.in, o.out, type, [&](const std::string& tensor, uint64_t done, uint64_t total) {
    if (tty) std::fprintf(stderr, "\rquantize: %5.1f%% %-60s", 100.0 * done / std::max<uint64_t>(total, 1), tensor.c_str());
  });
  if (tty) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "quantize: wrote %s (%s, %.2f GB) in %.1f s\n", o.out.c_str(), ggufExportTypeName(type), bytes * 1e-9,
               secondsSince(t0));
}

// Every weight node of `g` with the value that the products read: its quantize node's, or itself.
std::map<std::string, ir::ValueId> storedForm(const ir::Graph& g) {
  std::map<std::string, ir::ValueId> out;
  for (const ir::Node& n : g.nodes())
    if (n.op == ir::OpKind::Weight) out.emplace(n.attrString("name"), n.result);
  for (const ir::Node& n : g.nodes())
    if (n.op == ir::OpKind::Quantize) out[g.producer(n.operands[0]).attrString("name")] = n.result;
  return out;
}

void writeDirectory(const Opts& o, const PipelineFlags& flags) {
  const int64_t t0 = nowNs();
  Model model = Model::load(o.in);
  const ir::Graph g = flags.apply(model.graph, /*byDefault=*/false);  // the quantize-weights pass alone
  if (!o.quiet) std::fprintf(stderr, "quantize: quantizing %s ...\n", o.in.c_str());
  ConstantTable constants(g, model.weights, /*contiguous=*/false);
  std::vector<SafetensorsWriter::Spec> specs;
  std::map<std::string, std::string> metadata = {{"q3c.format", "q3c quantized weights 1 (docs/quantization.md)"}};
  const std::map<std::string, ir::ValueId> stored = storedForm(g);
  for (const auto& [name, v] : stored) {
    const ConstantData& c = constants.at(v);
    std::vector<int64_t> shape;
    for (const ir::Dim& d : g.value(v).type.shape) shape.push_back(d.value);
    if (ir::isQuantized(c.dtype)) {
      shape[1] = constants.rowBytes(v);
      metadata[kQuantKeyPrefix + name] = ir::quantFormatName(c.quant);
    }
    specs.push_back({name, c.dtype, shape});
  }
  const fs::path tmp = o.out + ".partial-" + std::to_string(getpid());
  fs::create_directories(tmp);
  try {
    SafetensorsWriter w((tmp / "model.safetensors").string(), specs, metadata);
    for (const auto& [name, v] : stored) {
      const ConstantData& c = constants.at(v);
      const int64_t row = constants.rowBytes(v);
      for (const ConstantPart& p : c.parts) w.write(p.data, static_cast<size_t>(p.rows * row));
    }
    w.finish();
    for (const auto& e : fs::directory_iterator(o.in))  // config, generation config, tokenizer
      if (e.path().extension() == ".json" && e.path().filename() != "model.safetensors.index.json")
        fs::copy_file(e.path(), tmp / e.path().filename());
    std::error_code ec;
    fs::remove_all(o.out, ec);
    fs::rename(tmp, o.out);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  std::fprintf(stderr, "quantize: wrote %s (%s, %.2f GB of quantized weights) in %.1f s\n", o.out.c_str(),
               flags.quant.c_str(), constants.quantizedBytes() * 1e-9, secondsSince(t0));
}

}  // namespace

void addQuantizeCommand(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("quantize", "Quantize a model's weights once and write it (a directory, or a .gguf file)");
  cmd->add_option("IN", o->in, "Hugging Face model directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("OUT", o->out, "output directory (q3c's format), or a file ending in .gguf (Q8_0 / Q4_0)")->required();
  cmd->add_option("--quant", o->quant, "int8, int4 (symmetric) or int4zp (with zero points)")
      ->capture_default_str()
      ->check(CLI::IsMember({"int8", "int4", "int4zp"}));
  cmd->add_option("--group", o->group, "weights per scale: 32 or 128 (default: 128 for int8, 32 for int4; GGUF: 32)")
      ->check(CLI::IsMember({"32", "128"}));
  cmd->add_option("--quant-head", o->quantHead, "format of the embedding table and lm_head (default int8)")
      ->check(CLI::IsMember({"none", "int8", "int4", "int4zp"}));
  cmd->add_flag("--force", o->force, "replace OUT if it exists");
  cmd->add_flag("-q,--quiet", o->quiet, "no progress on stderr");
  cmd->callback([o] {
    if (fs::exists(o->out) && !o->force) throw Error(o->out + " exists (give --force to replace it)");
    if (fs::path(o->out).extension() == ".gguf") return writeGguf(*o);
    PipelineFlags flags;
    flags.quant = o->quant;
    flags.group = o->group;
    flags.quantHead = o->quantHead;
    writeDirectory(*o, flags);
  });
}

}  // namespace q3c::tools
