// Encode throughput of Hugging Face tokenizers (npm tokenizers@0.23.2, its native Rust library)
// on the same text file, single-threaded, as bench/tokenizer/run.sh calls it:
//   node hf_bench.mjs NODE_PREFIX TOKENIZER_JSON TEXT_FILE [IDS_OUT] [RUNS]
import { createRequire } from "module";
import { readFileSync, writeFileSync } from "fs";
import path from "path";

const [prefix, tokenizerJson, textFile, idsOut, runsArg] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(prefix), "node_modules", "x.js"));
const { Tokenizer } = require("tokenizers");

const text = readFileSync(textFile, "utf8");
const mb = Buffer.byteLength(text, "utf8") / 1e6;
const runs = Number(runsArg || 3);

let t0 = process.hrtime.bigint();
const tok = Tokenizer.fromFile(tokenizerJson);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`hf load: ${loadMs.toFixed(0)} ms (Tokenizer.fromFile)`);

const opts = { addSpecialTokens: false };
t0 = process.hrtime.bigint();
const first = await tok.encode(text, null, opts);
const firstS = Number(process.hrtime.bigint() - t0) / 1e9;
let best = Infinity;
for (let r = 0; r < runs; ++r) {
  t0 = process.hrtime.bigint();
  await tok.encode(text, null, opts);
  best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
}
const ids = first.getIds();
console.log(`hf encode, whole text in one call: ${mb.toFixed(2)} MB -> ${ids.length} tokens; ${(mb / best).toFixed(1)} MB/s (best of ${runs}, warm), ${(mb / firstS).toFixed(1)} MB/s (first pass)`);

// The text as documents (cut after every blank line), encoded in one encodeBatch call; with
// RAYON_NUM_THREADS=1 the batch runs on one thread.
const docs = text.split(/(?<=\n\n)/);
let bestDocs = Infinity, docIds = null;
for (let r = 0; r < runs + 1; ++r) {
  t0 = process.hrtime.bigint();
  const encs = await tok.encodeBatch(docs, opts);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r > 0) bestDocs = Math.min(bestDocs, s);  // the first pass warms the word cache
  if (!docIds) docIds = encs.flatMap((e) => e.getIds());
}
console.log(`hf encode, ${docs.length} documents: ${(mb / bestDocs).toFixed(1)} MB/s (best of ${runs}, warm)`);
if (idsOut) {
  writeFileSync(idsOut, ids.join(" ") + "\n");
  writeFileSync(idsOut + ".docs", docIds.join(" ") + "\n");
}
