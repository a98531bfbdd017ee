// The safetensors reader and the weight store reject every kind of malformed file with one
// message naming the file and tensor, and never read out of bounds.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "frontend/error.h"
#include "frontend/qwen3_graph.h"
#include "frontend/weight_store.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A file with the given header text and `dataBytes` zero bytes of data.
std::string fileWith(const std::string& header, size_t dataBytes, uint64_t declaredLen = UINT64_MAX) {
  uint64_t len = declaredLen == UINT64_MAX ? header.size() : declaredLen;
  std::string s(8, '\0');
  std::memcpy(s.data(), &len, 8);
  return s + header + std::string(dataBytes, '\0');
}

std::string errorOpening(const std::string& bytes) {
  test::TempDir tmp;
  std::string path = tmp / "m.safetensors";
  test::writeFile(path, bytes);
  try {
    SafetensorsFile::open(path);
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path, 0), 0u) << "message should start with the file: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    return msg;
  }
  return "";
}

TEST(Safetensors, ReadsAValidFile) {
  test::TempDir tmp;
  std::vector<uint8_t> bytes(24);
  for (int i = 0; i < 6; ++i) {
    float f = static_cast<float>(i);
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  writeSafetensors(tmp / "a.safetensors", {{"w", OwnedTensor{ir::DType::F32, {2, 3}, bytes}}});
  auto f = SafetensorsFile::open(tmp / "a.safetensors");
  const TensorView& t = f->tensors().at("w");
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(test::tensorF32(t)[5], 5.0f);
}

TEST(Safetensors, RejectsMalformedFiles) {
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  EXPECT_EQ(errorOpening(fileWith(ok, 16)), "");
  EXPECT_NE(errorOpening("abc").find("too short"), std::string::npos);
  EXPECT_NE(errorOpening(fileWith(ok, 16, 1ull << 40)).find("larger than the file"), std::string::npos);
  EXPECT_NE(errorOpening(fileWith(ok, 16).substr(0, 40)).find("larger than the file"), std::string::npos);  // truncated header
  EXPECT_NE(errorOpening(fileWith(ok, 10)).find("run past the end"), std::string::npos);  // truncated data
  EXPECT_NE(errorOpening(fileWith("{\"w\": [1,2", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(errorOpening(fileWith("[1,2]", 0)).find("not a JSON object"), std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", 16))
                .find("unsupported dtype 'F64'"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}})", 16))
                .find("needs 24 bytes but data_offsets span 16"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", 16))
                .find("non-integer or negative"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", 16))
                .find("too large"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", 16)).find("begin > end"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", 16)).find("[begin, end]"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[1000000,1000016]}})", 16))
                .find("run past the end"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                  16))
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":{"shape":[4],"data_offsets":[0,16]}})", 16)).find("missing dtype"),
            std::string::npos);
  EXPECT_NE(errorOpening(fileWith(R"({"w":7})", 0)).find("tensor 'w': entry is not an object"), std::string::npos);
}

// A copy of a golden model in a temp dir, so the test can break it.
struct BrokenModel {
  test::TempDir tmp;
  std::string dir = tmp.path().string();
  BrokenModel() {
    for (const char* f : {"config.json", "model.safetensors"})
      fs::copy_file(test::goldenDir() / "tiny-bf16-untied" / f, tmp.path() / f);
  }
  std::string loadError() {
    try {
      buildQwen3Graph(ModelConfig::load(dir), WeightStore::open(dir));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  // Rewrites the weights with one tensor changed (or dropped when shape is empty).
  void replaceTensor(const std::string& name, std::vector<int64_t> shape) {
    auto src = SafetensorsFile::open((test::goldenDir() / "tiny-bf16-untied" / "model.safetensors").string());
    std::map<std::string, OwnedTensor> out;
    for (const auto& [n, t] : src->tensors()) {
      if (n == name && shape.empty()) continue;
      OwnedTensor o{t.dtype, n == name ? shape : t.shape, {}};
      int64_t numel = 1;
      for (int64_t d : o.shape) numel *= d;
      o.bytes.assign(static_cast<size_t>(numel * ir::dtypeSize(t.dtype)), 0);
      std::memcpy(o.bytes.data(), t.data, std::min(o.bytes.size(), t.bytes));
      out[n] = std::move(o);
    }
    writeSafetensors(dir + "/model.safetensors", out);
  }
};

TEST(WeightStore, GoldenModelLoads) {
  BrokenModel m;
  EXPECT_EQ(m.loadError(), "");
}

TEST(WeightStore, ResidentCopyHoldsTheSameBytesInItsOwnMemory) {
  WeightStore mapped = WeightStore::open((test::goldenDir() / "tiny-bf16-untied").string());
  for (int threads : {1, 3}) {
    WeightStore copy = mapped.residentCopy({}, threads);
    ASSERT_EQ(copy.tensors().size(), mapped.tensors().size());
    EXPECT_GE(copy.residentBytes(), mapped.totalBytes());
    for (const auto& [name, view] : mapped.tensors()) {
      const TensorView* c = copy.find(name);
      ASSERT_NE(c, nullptr) << name;
      EXPECT_NE(c->data, view->data) << name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(c->data) % 64, 0u) << name;
      EXPECT_EQ(c->shape, view->shape);
      EXPECT_EQ(std::memcmp(c->data, view->data, view->bytes), 0) << name;
    }
  }
  WeightStore some = mapped.residentCopy({"lm_head.weight"}, 2);
  EXPECT_EQ(some.tensors().size(), 1u);
  EXPECT_THROW(mapped.residentCopy({"no.such.weight"}, 2), Error);
}

TEST(WeightStore, MissingTensorIsNamed) {
  BrokenModel m;
  m.replaceTensor("model.layers.1.mlp.up_proj.weight", {});
  EXPECT_NE(m.loadError().find("missing tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [200,96])"),
            std::string::npos);
}

TEST(WeightStore, WrongShapeIsNamed) {
  BrokenModel m;
  m.replaceTensor("model.layers.0.self_attn.k_proj.weight", {64, 96});
  EXPECT_NE(m.loadError().find("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64,96], expected [128,96]"),
            std::string::npos);
}

TEST(WeightStore, NoWeightsInDirectory) {
  BrokenModel m;
  fs::remove(m.dir + "/model.safetensors");
  EXPECT_NE(m.loadError().find("no model.safetensors or model.safetensors.index.json"), std::string::npos);
}

TEST(WeightStore, ShardedIndexProblems) {
  BrokenModel m;
  fs::rename(m.dir + "/model.safetensors", m.dir + "/model-00001-of-00001.safetensors");
  auto writeIndex = [&](const json& weightMap) {
    test::writeFile(m.dir + "/model.safetensors.index.json", json{{"metadata", json::object()}, {"weight_map", weightMap}}.dump());
  };
  json good = json::object();
  auto shard = SafetensorsFile::open(m.dir + "/model-00001-of-00001.safetensors");
  for (const auto& [n, t] : shard->tensors())
    good[n] = "model-00001-of-00001.safetensors";
  writeIndex(good);
  EXPECT_EQ(m.loadError(), "");

  json missingShard = good;
  missingShard["model.norm.weight"] = "model-00002-of-00002.safetensors";
  writeIndex(missingShard);
  EXPECT_NE(m.loadError().find("shard 'model-00002-of-00002.safetensors' (for tensor 'model.norm.weight') is missing"),
            std::string::npos);

  json ghost = good;
  ghost["model.extra.weight"] = "model-00001-of-00001.safetensors";
  writeIndex(ghost);
  EXPECT_NE(m.loadError().find("tensor 'model.extra.weight' listed in the index is not in this shard"), std::string::npos);

  json escape = good;
  escape["model.norm.weight"] = "../../etc/passwd";
  writeIndex(escape);
  EXPECT_NE(m.loadError().find("not a file in the model directory"), std::string::npos);

  test::writeFile(m.dir + "/model.safetensors.index.json", "{ nope");
  EXPECT_NE(m.loadError().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace q3c
