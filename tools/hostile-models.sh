#!/usr/bin/env bash
# Runs the native electra (.build/native, built by ./electra) over a folder of hostile model directories made here
# (nothing large is committed: each is the tiny demo discriminator with one thing broken) and fails on any exit code
# other than the documented ones (0 ok, 1 bad input, 2 usage, 3 validation) or on anything on stderr that looks like a
# .NET stack trace or an unhandled exception. Each command has a time limit: a hang is a failure too.
# Usage: tools/hostile-models.sh [ELECTRA]   (default: the native build, else the managed one through ./electra)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
electra="${1:-}"
if [ -z "$electra" ]; then
  ELECTRA_NATIVE="${ELECTRA_NATIVE:-1}" "$root/electra" help >/dev/null 2>&1 || true
  if [ -x "$root/.build/native/electra" ]; then electra="$root/.build/native/electra"; else electra="$root/electra"; fi
fi
base="$root/models/electra-tiny-rtd/discriminator"
work="$(mktemp -d "${TMPDIR:-/tmp}/electra-hostile-XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0; checks=0

fresh() {   # fresh NAME: a writable copy of the demo discriminator
  local d="$work/$1"
  mkdir -p "$d"
  for f in config.json model.safetensors vocab.txt tokenizer_config.json special_tokens_map.json; do
    [ -f "$base/$f" ] && cp "$base/$f" "$d/$f"
  done
  chmod -R u+w "$d"
  echo "$d"
}

set_config() {   # set_config DIR KEY RAWVALUE: replaces or adds one top-level key of config.json
  local d="$1" key="$2" value="$3"
  if grep -q "\"$key\"" "$d/config.json"; then
    sed -i "s/\"$key\": *[^,}]*/\"$key\": $value/" "$d/config.json"
  else
    sed -i "0,/{/s//{\"$key\": $value, /" "$d/config.json"
  fi
}

data_start() {   # byte offset of a safetensors file's data section
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  echo $((8 + n))
}

# --- the hostile directories ---------------------------------------------------------------------------------
d=$(fresh layers-int-max); set_config "$d" num_hidden_layers 2147483647
d=$(fresh layers-1e9); set_config "$d" num_hidden_layers 1e9
d=$(fresh labels-million); set_config "$d" num_labels 1000000
d=$(fresh hidden-zero); set_config "$d" hidden_size 0
d=$(fresh config-dev-zero); rm "$d/config.json"; ln -s /dev/zero "$d/config.json"
d=$(fresh config-fifo); rm "$d/config.json"; mkfifo "$d/config.json"
d=$(fresh config-directory); rm "$d/config.json"; mkdir "$d/config.json"
d=$(fresh config-not-json); printf '{"model_type": "electra", ' > "$d/config.json"
d=$(fresh config-surrogate); set_config "$d" hidden_act '"\\ud800"'
d=$(fresh vocab-dev-zero); rm "$d/vocab.txt"; ln -s /dev/zero "$d/vocab.txt"
d=$(fresh vocab-fifo); rm "$d/vocab.txt"; mkfifo "$d/vocab.txt"
d=$(fresh vocab-invalid-utf8); printf '[PAD]\n\xff\xfe\n' > "$d/vocab.txt"
d=$(fresh tokenizer-json-negative-word-limit)
printf '%s' '{"model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":-1,"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"the":5}}}' > "$d/tokenizer.json"
d=$(fresh weights-truncated); truncate -s 5000 "$d/model.safetensors"
d=$(fresh weights-header-huge); printf '\xff\xff\xff\xff\xff\xff\xff\x7f' | dd of="$d/model.safetensors" conv=notrunc status=none
d=$(fresh weights-dev-zero); rm "$d/model.safetensors"; ln -s /dev/zero "$d/model.safetensors"
d=$(fresh weights-fifo); rm "$d/model.safetensors"; mkfifo "$d/model.safetensors"
d=$(fresh weights-nan)   # every data byte 0xff: every weight is a NaN
s=$(data_start "$d/model.safetensors"); size=$(stat -c %s "$d/model.safetensors")
head -c $((size - s)) /dev/zero | tr '\0' '\377' | dd of="$d/model.safetensors" bs=1M seek="$s" oflag=seek_bytes conv=notrunc status=none
d=$(fresh index-array); rm "$d/model.safetensors"; printf '[]' > "$d/model.safetensors.index.json"
d=$(fresh index-surrogate); rm "$d/model.safetensors"; printf '{"weight_map": {"a": "\\ud800"}}' > "$d/model.safetensors.index.json"
d=$(fresh index-parent); rm "$d/model.safetensors"; printf '{"weight_map": {"a": "../x.safetensors"}}' > "$d/model.safetensors.index.json"
d=$(fresh bin-garbage); rm "$d/model.safetensors"; head -c 4096 /dev/urandom > "$d/pytorch_model.bin"
d=$(fresh empty); rm -f "$d"/*

# --- run ------------------------------------------------------------------------------------------------------
run() {   # run NAME ARGS...: one electra command, judged by exit code and stderr
  local name="$1"; shift
  local err="$work/.stderr" out="$work/.stdout" code
  checks=$((checks + 1))
  timeout 120 "$electra" "$@" >"$out" 2>"$err" </dev/null
  code=$?
  if [ "$code" -gt 3 ]; then
    echo "hostile: FAIL $name: exit code $code$([ "$code" -eq 124 ] && echo ' (hung: over 120 s)')"
    sed 's/^/    /' "$err" | head -8
    failures=$((failures + 1))
  elif grep -qE '^\s+at [A-Za-z_.<>`0-9]+[.(]|Unhandled exception|   --- End of' "$err"; then
    echo "hostile: FAIL $name: a stack trace on stderr (exit $code)"
    sed 's/^/    /' "$err" | head -8
    failures=$((failures + 1))
  else
    echo "hostile: ok   $name (exit $code) $(head -c 160 "$err" | tr '\n' ' ')"
  fi
}

for d in "$work"/*/; do
  name="$(basename "$d")"
  run "$name: detect" detect --model "$d" "the quick brown fox"
  run "$name: detect --json" detect --model "$d" --json "the quick brown fox"
done
run "forward: inputs.json a FIFO" forward --model "$base" --inputs "$work/config-fifo/config.json" --out "$work/out.safetensors"
run "forward: inputs.json /dev/zero" forward --model "$base" --inputs "$work/config-dev-zero/config.json" --out "$work/out.safetensors"

# NaN weights: a JSON answer (null plus a field, no exception) and a warning on stderr.
nan_out="$(timeout 120 "$electra" detect --model "$work/weights-nan" --json "the cat" 2>"$work/.nan-err")"
checks=$((checks + 1))
if ! grep -q '"score":null,"score_nonfinite":"NaN"' <<<"$nan_out"; then
  echo "hostile: FAIL weights-nan: detect --json does not write NaN as null plus score_nonfinite"; echo "$nan_out" | head -c 300 | sed 's/^/    /'
  failures=$((failures + 1))
elif ! grep -qi 'non-finite' "$work/.nan-err"; then
  echo "hostile: FAIL weights-nan: no warning about non-finite weights on stderr"; failures=$((failures + 1))
else
  echo "hostile: ok   weights-nan: JSON null + score_nonfinite, warning on stderr"
fi

echo "hostile: $checks checks, $failures failed ($electra)"
[ "$failures" -eq 0 ]
