#!/usr/bin/env bash
# Runs one FileCheck test: the file's first line `# RUN: q3c opt %s ARGS | FileCheck %s` says
# which passes to run; the CHECK lines in the file say what the output must contain.
set -euo pipefail
q3c="$1" filecheck="$2" file="$3"
args=$(head -1 "$file" | sed -n 's/^# RUN: q3c opt %s \(.*\) | FileCheck %s$/\1/p')
[ -n "$args" ] || { echo "$file: first line is not a RUN line" >&2; exit 1; }
# shellcheck disable=SC2086
"$q3c" opt "$file" $args | "$filecheck" --dump-input=fail "$file"
