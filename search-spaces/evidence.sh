#!/usr/bin/env bash
# The README's search evidence on the shipped zoo (issue 13, item 6): every strategy on the per-model (4 weights) and
# per-layer (24 weights) task-arithmetic spaces, 3 seeds each, one search at a time on one thread. Every run scores
# candidates on the search slice only; its finish re-scores the top 3 on the held-out slice and gates them
# (search-spaces/zoo-gates.yaml). The table gives, per space and strategy, mean ± sd over seeds of the held-out
# worst-task retention (the share of each specialist's held-out gain over the base the top-1 keeps; docs/search.md),
# the evaluations and wall-clock seconds to reach the best uniform recipe (the best search fitness of a grid over
# task arithmetic's lambda, every weight 1), and how many runs release a candidate (all gates passed).
#   search-spaces/evidence.sh [OUT]      (default results/evidence; finished runs are kept, interrupted ones resumed)
# Environment: SEEDS (default "1 2 3"), GLOBAL_BUDGET (48, the old demo's), LAYER_BUDGET (80), REFINE_STEPS (20).
# Runs go seed by seed (every row's seed 1 first), so a partial run still fills every row once. grid, greedy-soup and
# refine have no randomness: they run once and their sd is shown as "deterministic". grid is not run on the per-layer
# space (5^24 lattice points).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-results/evidence}"
seeds="${SEEDS:-1 2 3}"
gb="${GLOBAL_BUDGET:-48}"
lb="${LAYER_BUDGET:-80}"
steps="${REFINE_STEPS:-20}"
cd "$root"
run() {  # NAME SPACE STRATEGY BUDGET SEED
  if [ -f "$out/$1/finish.json" ]; then return; fi
  if [ -d "$out/$1" ]; then
    ./evomerge search --resume "$out/$1" >"$out/$1.log" 2>&1
  else
    ./evomerge search "search-spaces/$2" --suite eval-suites/zoo/zoo.yaml --gates search-spaces/zoo-gates.yaml \
      --strategy "$3" --budget "$4" --seed "$5" --top 3 --threads 1 --out "$out" --run-id "$1" >"$out/$1.log" 2>&1
  fi
}
mkdir -p "$out"
run uniform-grid zoo-task-arithmetic-uniform.yaml grid 11 1
for seed in $seeds; do
  for space in global per-layer; do
    yaml="zoo-task-arithmetic-$space.yaml"
    b=$gb; [ "$space" = per-layer ] && b=$lb
    for s in cmaes ga nsga2 random; do run "$space-$s-s$seed" "$yaml" "$s" "$b" "$seed"; done
    run "$space-cmaes+refine-s$seed" "$yaml" "cmaes+refine$steps" "$b" "$seed"
    if [ "$seed" = "$(echo $seeds | cut -d' ' -f1)" ]; then
      run "$space-refine-s$seed" "$yaml" refine "$((steps + 1))" "$seed"
      run "$space-greedy-soup-s$seed" "$yaml" greedy-soup "$b" "$seed"
      [ "$space" = global ] && run "$space-grid-s$seed" "$yaml" grid "$b" "$seed"
    fi
  done
done
python3 - "$out" <<'PY'
import json, os, re, statistics, sys
out = sys.argv[1]
tasks = ["add", "rev", "sort", "next"]
def load(name):
    d = os.path.join(out, name)
    if not os.path.exists(os.path.join(d, "finish.json")):
        return None
    lines = [json.loads(l) for l in open(os.path.join(d, "journal.jsonl")) if l.strip()][1:]
    return lines, json.load(open(os.path.join(d, "finish.json")))
def worst_retention(finish, h):  # held-out share of each specialist's gain over the base kept (docs/search.md)
    base, refs = finish["references"]["base"], finish["references"]
    return min((h[t] - base[t]) / (refs[t][t] - base[t]) for t in tasks)
def reach(lines, target):  # (evaluations, seconds since the first candidate began) to a search fitness >= target
    first = lines[0]
    t0 = first["epoch_millis"] - 1000 * ((first.get("merge_seconds") or 0) + (first.get("eval_seconds") or 0))
    for i, e in enumerate(lines):
        if e["status"] == "evaluated" and e["fitness"] >= target - 1e-12:
            return i + 1, (e["epoch_millis"] - t0) / 1000
    return None
def stat(xs, fmt):
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt % xs[0]
    return (fmt + " ± " + fmt) % (statistics.mean(xs), statistics.stdev(xs))
grid = load("uniform-grid")
if grid is None:
    sys.exit("the uniform grid run is missing: its best search fitness is the target")
target = max(e["fitness"] for e in grid[0] if e["status"] == "evaluated")
labels = [("cmaes", "CMA-ES"), ("ga", "GA"), ("nsga2", "NSGA-II"), ("random", "random"), ("grid", "grid (5 points per gene)"),
          ("greedy-soup", "greedy soup"), ("refine", "refinement alone"), ("cmaes+refine", "CMA-ES + refinement")]
print("Target: the best uniform recipe's search fitness %.3f (lambda grid, every weight 1). mean ± sd over the runs." % target)
print()
print("| space | strategy | runs (seeds) | evaluations | best search fitness | held-out worst-task retention (top-1) | "
      "evals to reach target | seconds to reach target | search seconds | released (all gates pass) |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
names = sorted(os.listdir(out))
for space, sname in [("global", "per-model (4)"), ("per-layer", "per-layer (24)")]:
    for key, label in labels:
        runs = []
        for n in names:
            m = re.fullmatch(re.escape(space + "-" + key) + r"-s(\d+)", n)
            if m and load(n):
                runs.append((int(m.group(1)), load(n)))
        if not runs:
            why = "not run (5^24 lattice points)" if (space, key) == ("per-layer", "grid") else "not run"
            print("| %s | %s | %s | | | | | | | |" % (sname, label, why))
            continue
        runs.sort(key=lambda r: r[0])
        kept, evals, secs, missed, released, best, wall = [], [], [], 0, 0, [], []
        for seed, (lines, finish) in runs:
            top = finish["candidates"][0]
            if top.get("heldout_scores"):
                kept.append(worst_retention(finish, top["heldout_scores"]))
            r = reach(lines, target)
            if r:
                evals.append(r[0]); secs.append(r[1])
            else:
                missed += 1
            released += any(c["accepted"] for c in finish["candidates"])
            best.append(max(e["fitness"] for e in lines if e["status"] == "evaluated"))
            wall.append(json.load(open(os.path.join(out, "%s-%s-s%d" % (space, key, seed), "run.json")))["timings"]
                        ["search_seconds"])
        det = key in ("grid", "greedy-soup", "refine")
        seeds = ",".join(str(s) for s, _ in runs) + (" (deterministic)" if det else "")
        never = "" if not missed else (" (%d never)" % missed if evals else "never")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d of %d |" % (sname, label, seeds,
              stat([len(l) for _, (l, _) in runs], "%.0f"), stat(best, "%.3f"), stat(kept, "%.3f"),
              (stat(evals, "%.0f") + never) if evals else never, (stat(secs, "%.0f") + never) if secs else never,
              stat(wall, "%.0f"), released, len(runs)))
PY
