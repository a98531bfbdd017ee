// qkv_rope_kv: one kernel from the attention input to q and the KV cache. The product of each
// head's D weight rows lands in a stack buffer; the epilogue normalizes it (q_norm / k_norm),
// rotates it (RoPE with this model's inverse frequencies baked in), and stores q to the output,
// k and v to the cache at positions past .. past+T-1 (codegen/llvm/kv_layout.h).
#include <functional>
#include <numeric>
#include <optional>

#include <llvm/IR/Constants.h>
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/llvm/kv_layout.h"
#include "ir/rope.h"

namespace q3c::llvmgen {

using llvm::Value;

namespace {

struct QkvShape {
  int64_t K, H, KV, D;
  ir::DType wType, qnType, knType, gType = ir::DType::F32;
  ir::QuantFormat quant;  // when wType is q8/q4
  int64_t rowBytes = 0;
  bool norm = false, normWeight = false;
  float normEps = 0, headEps = 0, attentionFactor = 1;
  std::vector<float> invFreq;
};

}  // namespace

KernelPlan planQkvRopeKv(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants, const TileOptions& tiles) {
  QkvShape s;
  const ir::TensorType& q = g.value(n.result).type;
  s.K = g.value(n.operands[1]).type.shape[1].value;
  s.H = n.attrInt("heads");
  s.KV = n.attrInt("kv_heads");
  s.D = q.shape[2].value;
  s.wType = dtypeOf(g, constants, n.operands[1]);
  s.quant = constants.at(n.operands[1]).quant;
  s.rowBytes = constants.rowBytes(n.operands[1]);
  s.qnType = dtypeOf(g, constants, n.operands[2]);
  s.knType = dtypeOf(g, constants, n.operands[3]);
  s.norm = n.hasAttr("norm_eps");
  s.normWeight = n.operands.size() == 5;
  if (s.norm) s.normEps = static_cast<float>(n.attrFloat("norm_eps"));
  if (s.normWeight) s.gType = dtypeOf(g, constants, n.operands[4]);
  s.headEps = static_cast<float>(n.attrFloat("eps"));
  ir::RopeParams rope = ir::RopeParams::fromNode(n);
  s.attentionFactor = static_cast<float>(rope.attentionFactor);
  s.invFreq = ir::ropeInvFreq(rope, s.D);

  KernelPlan p;
  p.name = "qkv_rope_kv_" + std::string(ir::dtypeName(s.wType)) + "_" + std::to_string(s.K) + "x" +
           std::to_string((s.H + 2 * s.KV) * s.D);
  p.key = attrsKey(n) + " K=" + std::to_string(s.K) + " D=" + std::to_string(s.D) + " w=" + ir::dtypeName(s.wType) +
          " qn=" + ir::dtypeName(s.qnType) + " kn=" + ir::dtypeName(s.knType) +
          " g=" + (s.normWeight ? ir::dtypeName(s.gType) : "none");
  if (ir::isQuantized(s.wType)) {
    p.name += "_" + std::string(ir::quantSchemeName(s.quant.scheme)) + "g" + std::to_string(s.quant.group);
    p.key += " quant=" + ir::quantFormatName(s.quant);
  }
  const int64_t layer = n.attrInt("layer");
  // ptrs: x, q_norm, k_norm, q out, k cache, v cache, [norm weight], scratch, weight part(s)
  p.args = {{ArgRef::Value, n.operands[0]}, {ArgRef::Value, n.operands[2]}, {ArgRef::Value, n.operands[3]},
            {ArgRef::Value, n.result},      {ArgRef::KCache, -1, layer},    {ArgRef::VCache, -1, layer}};
  if (s.normWeight) p.args.push_back({ArgRef::Value, n.operands[4]});
  p.args.push_back({ArgRef::Scratch});
  // q, k and v rows each read from one part when the parts fall on those boundaries (the usual
  // stacked q/k/v weights); otherwise the weight is read as one contiguous copy.
  std::vector<ArgRef> partArgs = p.args;
  std::vector<WeightSegment> segs = weightSegments(constants, n.operands[1], partArgs);
  const int64_t bounds[4] = {0, s.H * s.D, (s.H + s.KV) * s.D, (s.H + 2 * s.KV) * s.D};
  std::vector<WeightSegment> ranges;  // the segment for q, k and v rows
  for (int r = 0; r < 3; ++r) {
    const WeightSegment& seg = segmentOf(segs, bounds[r]);
    ranges.push_back(seg);
    if (bounds[r + 1] > seg.start + seg.rows) ranges.clear();
    if (ranges.empty()) break;
  }
  if (ranges.size() == 3) {
    p.args = partArgs;
    for (const WeightSegment& seg : segs) p.key += " part=" + std::to_string(seg.rows);
  } else {
    ranges.assign(3, {static_cast<int>(p.args.size()), 0, bounds[3]});
    p.args.push_back({ArgRef::Value, n.operands[1]});
    p.key += " contiguous";
  }
  // Scratch per token: row scale, x*g (bf16: the rounded rows), cos and sin of each frequency.
  const bool tiled = useTiles(tiles, s.wType);
  if (!tiled && ir::isQuantized(s.wType)) throw quantizedNeedsJit(g, n);
  const bool bf16 = tiled && tiles.activations == ir::DType::BF16;
  const int64_t inputFloats = bf16 ? (s.K + 1) / 2 : (s.normWeight ? s.K : 0);
  p.scratchFloatsPerToken = 1 + inputFloats + s.D;
  p.splits = true;  // parts take disjoint heads (q, k and v heads counted together)
  p.decodePartsPerThread = decodePartsPerThreadFor(tiles, s.wType);
  xbyak::GemmTiling t{};
  GemvPanels gemv;  // spread: decode's GEMV panels take rows D / nr apart in the head
  if (tiled) {
    t = tilingFor(tiles, s.K, s.wType);
    p.tiles = TileRequest{tiles.activations, panelType(tiles, s.wType)};
    if (ir::isQuantized(s.wType) && t.kFull != s.K)
      throw Error("%" + g.value(n.result).name + ": K = " + std::to_string(s.K) + " is not a whole number of dot steps");
    p.args.push_back({ArgRef::Tiles});
    p.key += tilingKey(t, tiles.activations);
    if (tiles.integerDots && ir::isQuantized(s.wType)) p.key += "_i8decode";
    // Decode's GEMV panels may take fewer weight rows than the tiles (as planMatMul's).
    gemv = intDotGemvPanels(tiles, s.wType, s.quant, s.K, t, s.D);
    p.key += gemv.keySuffix;
  }
  // Prefill on packed panels where they apply (see matmul_kernels.cpp); activation records in scratch.
  const PackedPanels::Kind packedKind = tiled ? packedPanelsFor(tiles, s.wType, s.quant, s.K) : PackedPanels::None;
  const int tableArg = static_cast<int>(p.args.size()) - 1;
  requestPackedTiles(p, packedKind, s.quant);
  p.scratchFloatsPerToken += activationRecordBytes(packedKind, s.quant, s.K) / 4;
  // Per thread: the input row's int8 codes for decode's int8 dot (emitOneRowActivationCodes).
  p.scratchFloatsPerThread = activationCodeFloats(s.wType, s.quant, s.K, tiled && tiles.integerDots);
  const int64_t scratchPerToken = p.scratchFloatsPerToken, scratchPerThread = p.scratchFloatsPerThread;
  p.emit = [s, ranges, scratchPerToken, scratchPerThread, tiled, bf16, dotTiling = t, gemv, inputFloats, packedKind, tableArg,
            aType = tiles.activations, int8Decode = tiles.integerDots, isa = tiles.isa](KernelBuilder& kb) {
    auto& B = kb.b();
    Value* x = kb.ptr(0);
    Value* qn = kb.ptr(1);
    Value* kn = kb.ptr(2);
    Value* qOut = kb.ptr(3);
    Value* kCache = kb.ptr(4);
    Value* vCache = kb.ptr(5);
    Value* g = s.normWeight ? kb.ptr(6) : nullptr;
    Value* scratch = kb.threadScratch(kb.ptr(s.normWeight ? 7 : 6), scratchPerToken, scratchPerThread);
    Value* T = kb.T();
    const int64_t half = s.D / 2;
    Value* inv = scratch;                                  // [T]
    Value* xs = kb.gep(scratch, T);                        // [T, K] when weighted
    Value* cosT = kb.gep(xs, B.CreateMul(T, kb.i(inputFloats)));  // [T, D/2]
    Value* sinT = kb.gep(cosT, B.CreateMul(T, kb.i(half)));        // [T, D/2]

    // The row scales, the staged (or bf16-rounded) rows and RoPE's tables, once per thread.
    kb.oncePerThread([&] {
      if (s.norm) emitNormPrologue(kb, x, T, s.K, s.normEps, inv, bf16 ? nullptr : g, s.gType, xs);
      emitRopeTables(kb, s.invFreq, s.attentionFactor, cosT, sinT);
      if (bf16) emitBf16Rows(kb, x, T, s.K, g, s.gType, xs);
    });
    Value* input = bf16 || g ? xs : x;  // the rounded rows, the staged x*g, or x as it is
    // This part's heads, numbered q heads, then k heads, then v heads.
    auto [lo, hi] = kb.partRange(s.H + 2 * s.KV, 1);
    auto clampTo = [&](int64_t first, int64_t count) {  // [first, first+count) ∩ [lo, hi), relative to first
      Value* a = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, lo, kb.i(first));
      Value* b = kb.smin(hi, kb.i(first + count));
      return std::make_pair(B.CreateSub(a, kb.i(first)), B.CreateSub(b, kb.i(first)));
    };
    if (tiled) {
      // The tiled products under tiling tt with the tiles `table` points to; with `packed` (see
      // packed_panels.cpp) on packed panels; with `spreadRows` a panel's rows D / nr apart.
      // Heads go `group` at a time (the least common multiple of a head's rows and a panel's,
      // up to 4 heads), so that panels run on across heads instead of ending each head with a
      // short one: on the packed panels 128 = 48 + 48 + 32 padded the last to 48 (144 columns a
      // head), and decode's 6-row GEMV panels ended each head with a 2-row tile that prefetched
      // only 2 rows of the next head. 3 heads of 128 are 8 panels of 48 and 64 of 6.
      auto tiledBody = [&](const xbyak::GemmTiling& tt, Value* table, const PackedPanels& packed, bool spreadRows = false) {
        const int64_t spacing = spreadRows ? s.D / tt.nr : 1;
        const int64_t lcmHeads = std::lcm(s.D, int64_t{tt.nr}) / s.D;
        const int64_t group = spreadRows || lcmHeads > 4 ? 1 : lcmHeads;
        // Blocks of mBlock tokens; per group of heads, panels of nr of their weight rows, each
        // tile's sums into the block's rows of the group's heads; then every token's head is
        // normalized, rotated and stored.
        Value* heads = kb.stackArray(tt.mBlock * group * s.D);
        Value* rowPtrs = kb.stackArray(tt.nr, B.getPtrTy());
        const bool quantized = ir::isQuantized(s.wType);
        Value* qRows = quantized ? kb.stackArray(tt.nr, B.getPtrTy()) : rowPtrs;  // see matmul_kernels.cpp
        Value* sums = kb.stackArray(tt.mBlock * tt.nr);
        const TileScratch tileScratchArea = packed.kind == PackedPanels::None ? tileScratch(kb, tt, isa) : TileScratch{};
        const std::optional<ActivationCodes> act =
            packed.kind != PackedPanels::None
                ? std::nullopt
                : intDotCodes(kb, s.wType, s.quant, s.K, int8Decode, kb.perThreadFloats(scratch, scratchPerToken));
        emitMBlocks(kb, tt, T, [&](Value* mb, Value* mEnd) {
          if (act) emitOneRowActivationCodes(kb, s.quant, s.K, aType, input, T, mb, mEnd, *act);
          // Heads h .. h+count-1 (global numbers) into heads[m - mb][0 .. count * D).
          auto products = [&](Value* h, Value* count) {
            Value* rows = B.CreateMul(count, kb.i(s.D));
            // Row r of the panel at d is the group's row d + r * spacing.
            auto groupRowOf = [&](Value* d, Value* r) { return B.CreateAdd(d, B.CreateMul(r, kb.i(spacing))); };
            kb.loop(kb.i(0), spreadRows ? kb.i(spacing) : rows, spreadRows ? 1 : tt.nr, [&](Value* d) {
              Value* nr = spreadRows ? kb.i(tt.nr) : kb.smin(kb.i(tt.nr), B.CreateSub(rows, d));
              kb.loop(kb.i(0), nr, 1, [&](Value* r) {
                Value* row = B.CreateAdd(B.CreateMul(h, kb.i(s.D)), groupRowOf(d, r));
                B.CreateStore(emitRowPointer(kb, ranges, row, s.rowBytes), kb.gep(qRows, r, B.getPtrTy()));
              });
              if (packed.kind != PackedPanels::None) {
                emitPackedPanelProducts(kb, packed, s.quant, s.K, input, mb, mEnd, nr, qRows, sums);
              } else if (quantized) {
                emitQuantizedProducts(kb, s.quant, s.K, tt, aType, table, tileScratchArea, input, mb, mEnd, nr, qRows, rowPtrs,
                                      sums, act ? &*act : nullptr, spreadRows ? 1 : 0);
              } else {
                emitPanelProducts(kb, tt, aType, s.wType, s.K, table, tileScratchArea, input, mb, mEnd, nr, rowPtrs, sums);
              }
              kb.loop(mb, mEnd, 1, [&](Value* m) {
                Value* scale = s.norm ? kb.loadScalar(inv, m, ir::DType::F32) : nullptr;
                Value* src = B.CreateMul(B.CreateSub(m, mb), kb.i(tt.nr));
                Value* dst = B.CreateMul(B.CreateSub(m, mb), kb.i(group * s.D));
                kb.loop(kb.i(0), nr, 1, [&](Value* j) {
                  Value* v = kb.loadScalar(sums, B.CreateAdd(src, j), ir::DType::F32);
                  kb.storeScalar(scale ? B.CreateFMul(v, scale) : v, heads, B.CreateAdd(dst, groupRowOf(d, j)));
                });
              });
            });
          };
          // Token m's row of the group's head g.
          auto headRow = [&](Value* m, Value* g) {
            return B.CreateAdd(B.CreateMul(B.CreateSub(m, mb), kb.i(group * s.D)), B.CreateMul(g, kb.i(s.D)));
          };
          // Heads [first, last) a group at a time: products, then `epilogue(h, g)` for head h,
          // the group's head g.
          auto inGroups = [&](Value* first, Value* last, int64_t base, const std::function<void(Value*, Value*)>& epilogue) {
            kb.loop(first, last, group, [&](Value* h) {
              Value* count = kb.smin(kb.i(group), B.CreateSub(last, h));
              products(B.CreateAdd(h, kb.i(base)), count);
              kb.loop(kb.i(0), count, 1, [&](Value* g) { epilogue(B.CreateAdd(h, g), g); });
            });
          };
          auto [q0, q1] = clampTo(0, s.H);
          auto [k0, k1] = clampTo(s.H, s.KV);
          auto [v0, v1] = clampTo(s.H + s.KV, s.KV);
          inGroups(q0, q1, 0, [&](Value* h, Value* g) {
            kb.loop(mb, mEnd, 1, [&](Value* m) {
              emitRmsNormInPlace(kb, heads, headRow(m, g), s.D, s.headEps, qn, s.qnType);
              emitRotateHead(kb, heads, headRow(m, g), qOut,
                             B.CreateMul(B.CreateAdd(B.CreateMul(m, kb.i(s.H)), h), kb.i(s.D)), cosT, sinT, m, half);
            });
          });
          inGroups(k0, k1, s.H, [&](Value* h, Value* g) {
            kb.loop(mb, mEnd, 1, [&](Value* m) {
              emitRmsNormInPlace(kb, heads, headRow(m, g), s.D, s.headEps, kn, s.knType);
              // Rotated in place, then spread into the cache's key layout (kv_layout.h).
              emitRotateHead(kb, heads, headRow(m, g), heads, headRow(m, g), cosT, sinT, m, half);
              emitStoreKey(kb, heads, headRow(m, g), kCache, B.CreateAdd(kb.past(), m), h, s.KV, s.D);
            });
          });
          inGroups(v0, v1, s.H + s.KV, [&](Value* h, Value* g) {
            kb.loop(mb, mEnd, 1, [&](Value* m) {
              emitStoreValue(kb, heads, headRow(m, g), vCache, B.CreateAdd(kb.past(), m), h, s.KV, s.D);
            });
          });
        });
      };
      Value* table = kb.ptr(tableArg);
      // Without packed panels: one token on the GEMV panels, more on the tiles.
      auto unpacked = [&] {
        if (gemv.tiling.nr == dotTiling.nr && !gemv.spread) return tiledBody(dotTiling, table, {});
        emitIfElse(kb, B.CreateICmpEQ(T, kb.i(1)), [&] { tiledBody(gemv.tiling, table, {}, gemv.spread); },
                   [&] { tiledBody(dotTiling, table, {}); });
      };
      if (packedKind == PackedPanels::None) {
        unpacked();
      } else {
        // Decode (one token) keeps the GEMV, and short bf16 blocks the dot tiles; more tokens
        // take the packed panels.
        PackedPanels packed{packedKind, kb.ptr(tableArg + 1)};
        if (activationRecordBytes(packedKind, s.quant, s.K)) packed.records = kb.gep(sinT, B.CreateMul(T, kb.i(half)));
        emitIfElse(kb, B.CreateICmpSLT(T, kb.i(packedPanelsMinRows(packedKind))), unpacked,
                   [&] {
                     if (packed.records) emitActivationRecords(kb, packedKind, s.quant, s.K, aType, input, T, packed.records);
                     tiledBody(packedPanelTiling(packedKind, s.K), table, packed);
                   });
      }
      kb.finish();
      return;
    }
    Value* head = kb.stackArray(s.D);

    // One head's D outputs for token m: weight rows [headBase, headBase + D) of q, k or v.
    auto product = [&](Value* m, Value* headBase, int which) {
      Value* w = kb.ptr(ranges[which].arg);
      Value* local = B.CreateSub(headBase, kb.i(ranges[which].start));
      Value* row = B.CreateMul(m, kb.i(s.K));
      Value* scale = s.norm ? kb.loadScalar(inv, m, ir::DType::F32) : nullptr;
      kb.loop(kb.i(0), kb.i(s.D), 1, [&](Value* d) {
        Value* wRow = B.CreateMul(B.CreateAdd(local, d), kb.i(s.K));
        Value* v = emitDot(kb, input, row, ir::DType::F32, w, wRow, s.wType, s.K);
        kb.storeScalar(scale ? B.CreateFMul(v, scale) : v, head, d);
      });
    };
    // Normalize with `normW`, rotate, and store at dst[dstIndex ..].
    auto normRopeStore = [&](Value* m, Value* normW, ir::DType normType, Value* dst, Value* dstIndex) {
      emitRmsNormInPlace(kb, head, kb.i(0), s.D, s.headEps, normW, normType);
      emitRotateHead(kb, head, kb.i(0), dst, dstIndex, cosT, sinT, m, half);
    };
    auto [q0, q1] = clampTo(0, s.H);
    auto [k0, k1] = clampTo(s.H, s.KV);
    auto [v0, v1] = clampTo(s.H + s.KV, s.KV);
    kb.loop(kb.i(0), T, 1, [&](Value* m) {
      Value* pos = B.CreateAdd(kb.past(), m);
      kb.loop(q0, q1, 1, [&](Value* h) {
        product(m, B.CreateMul(h, kb.i(s.D)), 0);
        normRopeStore(m, qn, s.qnType, qOut, B.CreateMul(B.CreateAdd(B.CreateMul(m, kb.i(s.H)), h), kb.i(s.D)));
      });
      kb.loop(k0, k1, 1, [&](Value* h) {
        product(m, B.CreateMul(B.CreateAdd(h, kb.i(s.H)), kb.i(s.D)), 1);
        normRopeStore(m, kn, s.knType, head, kb.i(0));
        emitStoreKey(kb, head, kb.i(0), kCache, pos, h, s.KV, s.D);
      });
      kb.loop(v0, v1, 1, [&](Value* h) {
        product(m, B.CreateMul(B.CreateAdd(h, kb.i(s.H + s.KV)), kb.i(s.D)), 2);
        emitStoreValue(kb, head, kb.i(0), vCache, pos, h, s.KV, s.D);
      });
    });
    kb.finish();
  };
  return p;
}

}  // namespace q3c::llvmgen
