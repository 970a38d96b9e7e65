#!/usr/bin/env bash
# Recomputes the zoo's merge matrix: merges every recipe here, scores all models on the eval suite's slice.
#   models/zoo/recipes/matrix.sh [search|heldout] [WORKDIR] [ZOO]
# ZOO (default models/zoo) is a directory of base/ and specialists, e.g. a fresh `zoo train --out` to compare.
# Prints one markdown row per model: accuracy per skill and the mean.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
slice="${1:-heldout}"
work="${2:-$(mktemp -d)}"
cd "$root"
zoo="${3:-models/zoo}"
if [ "$zoo" != models/zoo ]; then  # the recipes name ../base etc.: put copies beside the other zoo
  mkdir -p "$zoo/recipes" && cp models/zoo/recipes/*.yaml "$zoo/recipes/"
fi
row() {
  ./evomerge eval "$2" --suite eval-suites/zoo/zoo.yaml --slice "$slice" --cache-dir "$work/cache" -o "$work/$1.json" >/dev/null 2>&1
  python3 - "$1" "$work/$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"]
acc = [r[t]["exact_match,none"] for t in ("add", "rev", "sort", "next")]
print("| %s | %s | %.1f |" % (sys.argv[1], " | ".join("%.1f" % (100 * a) for a in acc), 100 * sum(acc) / 4))
PY
}
echo "| model | add | rev | sort | next | mean |"
echo "|---|---|---|---|---|---|"
for m in base add rev sort next; do row "$m" "$zoo/$m"; done
for r in "$zoo"/recipes/*.yaml; do
  name="$(basename "$r" .yaml)"
  ./evomerge merge "$r" "$work/$name" --overwrite -q >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err"; exit 1; }
  row "$name" "$work/$name"
done
