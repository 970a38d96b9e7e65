#!/usr/bin/env bash
# Gradient refinement on the zoo's per-layer task-arithmetic space (24 genes), seed 1, one run at a time on one
# thread: refinement alone (the start point and 20 steps), CMA-ES alone (80 evaluations) and CMA-ES (60) followed by 20
# refinement steps; each run's top 3 re-scored on the held-out slice and gated (docs/refine.md has the results).
#   search-spaces/refine-evidence.sh [OUT]      (default results/refine-evidence)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-results/refine-evidence}"
cd "$root"
run() {  # NAME STRATEGY BUDGET
  if [ -f "$out/$1/finish.json" ]; then return; fi
  if [ -d "$out/$1" ]; then
    ./evomerge search --resume "$out/$1" >"$out/$1.log" 2>&1
  else
    ./evomerge search search-spaces/zoo-task-arithmetic-per-layer.yaml --suite eval-suites/zoo/zoo.yaml \
      --gates search-spaces/zoo-gates.yaml --strategy "$2" --budget "$3" --seed 1 --top 3 --threads 1 --out "$out" \
      --run-id "$1" >"$out/$1.log" 2>&1
  fi
}
mkdir -p "$out"
run refine refine 21
run cmaes cmaes 80
run cmaes-refine cmaes+refine20 80
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
tasks = ["add", "rev", "sort", "next"]
print("| search | evaluations | search seconds | best search fitness | held-out %s (top-1) | held-out worst | gates (top 3) |"
      % " / ".join(tasks))
print("|---|---:|---:|---:|---|---:|---|")
for key, label in [("refine", "refinement alone (start + 20 steps)"), ("cmaes", "CMA-ES alone"),
                   ("cmaes-refine", "CMA-ES (60) + 20 refinement steps")]:
    d = os.path.join(out, key)
    if not os.path.exists(os.path.join(d, "finish.json")):
        continue
    lines = [json.loads(l) for l in open(os.path.join(d, "journal.jsonl")) if l.strip()][1:]
    run = json.load(open(os.path.join(d, "run.json")))
    finish = json.load(open(os.path.join(d, "finish.json")))
    best = max(e["fitness"] for e in lines if e["status"] == "evaluated")
    h = finish["candidates"][0].get("heldout_scores") or {}
    passed = sum(1 for c in finish["candidates"] if c["accepted"])
    print("| %s | %d | %.0f | %.3f | %s | %.3f | %d of %d pass |" % (label, len(lines),
          run["timings"]["search_seconds"], best, " / ".join("%.2f" % h[t] for t in tasks), min(h[t] for t in tasks),
          passed, len(finish["candidates"])))
PY
