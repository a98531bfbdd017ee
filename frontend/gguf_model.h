// A Qwen3 model read from a GGUF file (frontend/gguf.h): its config, its weights under Hugging
// Face names (F32/F16/BF16 in place; Q8_0, Q4_0, Q4_K and Q6_K repacked without loss into the
// rows of ir/quant.h), its tokenizer as tokenizer.json text and its chat template and special
// tokens as a tokenizer_config.json object. docs/gguf.md describes the mapping.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frontend/gguf.h"
#include "frontend/model_config.h"
#include "frontend/safetensors.h"
#include "ir/quant.h"

namespace q3c {

// From general.architecture (must be "qwen3") and the qwen3.* keys; the vocabulary size is the
// row count of token_embd.weight, the embeddings are tied when there is no output.weight.
// Validated as config.json is. Throws q3c::Error naming the file and the key.
ModelConfig ggufModelConfig(const GgufFile& f);

// llama.cpp's tensor names and Hugging Face's: "blk.3.attn_q.weight" <->
// "model.layers.3.self_attn.q_proj.weight". Empty when the name is not one of a Qwen3 model.
std::string hfNameFromGguf(const std::string& ggufName);
std::string ggufNameFromHf(const std::string& hfName);

// Repacking of one GGUF block type: false for a type that is not repacked (F32, F16, BF16 are
// used in place; anything else is unsupported).
bool ggufRepackFormat(uint32_t ggmlType, ir::QuantFormat& out);
// One row of K elements of a repacked type (ggufRepackFormat true) into the ir/quant.h row of
// quantRowBytes(format, K) bytes at dst. Lossless: dequantizeRows gives GGUF's values bit for bit.
void repackGgufRow(uint32_t ggmlType, const uint8_t* src, int64_t K, uint8_t* dst);

// The weights of a GGUF file under Hugging Face names, shapes [N, K].
struct GgufWeights {
  std::shared_ptr<const GgufFile> file;
  std::map<std::string, TensorView> views;
  std::shared_ptr<uint8_t> repacked;  // the repacked tensors, each 64-byte aligned
  size_t repackedBytes = 0;

  // The tensor's bytes live in `repacked` (not in the file at its fileOffset).
  bool isRepacked(const TensorView& t) const;
};
// Maps every tensor and repacks the quantized ones on `threads` threads (0: one per core, at most
// 8). Throws q3c::Error for a tensor q3c cannot use, naming it and its type.
std::shared_ptr<const GgufWeights> loadGgufWeights(std::shared_ptr<const GgufFile> file, int threads = 0);

// The text of a tokenizer.json equal to the one the GGUF was made from: tokenizer.ggml.model
// "gpt2", tokens, token_type (control → special added token, user-defined → added token, unused
// padding left out), merges, and tokenizer.ggml.pre "qwen2" → Qwen2's regex split + ByteLevel.
std::string ggufTokenizerJson(const GgufFile& f);
// What ChatTemplate reads from tokenizer_config.json: chat_template and the special tokens
// (bos_token, eos_token, pad_token, unk_token) named by tokenizer.ggml.*_token_id.
nlohmann::ordered_json ggufTokenizerConfig(const GgufFile& f);
// The ids that end generation: tokenizer.ggml.eos_token_id and eot_token_id, and the control
// tokens <|im_end|> and <|endoftext|> (generation_config.json's pair for Qwen3).
std::vector<int32_t> ggufEosIds(const GgufFile& f);

}  // namespace q3c
