#!/usr/bin/env bash
# GPU check of evomerge's --device cuda (issue 10, items 6 and 7). Run from anywhere on a machine with an NVIDIA GPU:
#   scripts/gpu-check.sh [OUT_DIR]          (default OUT_DIR: results/gpu-check; the summary is OUT_DIR/summary.txt)
#
# It needs no network. What must be on the machine:
#   - this repository (the zoo models in models/zoo and their suite in eval-suites/zoo are part of it);
#   - the NVIDIA driver (libcuda.so.1); no CUDA toolkit: the CUDA 12.4 runtime comes inside the libtorch jar;
#   - a JDK 25 (JAVA_HOME, or /usr/lib/jvm/temurin-25-*);
#   - the GPU build, one of:
#       a) target-cuda/ as built elsewhere by `EVOMERGE_CUDA=1 ./evomerge --version` (about 2.6 GB: evomerge.jar and
#          lib/, which holds the 2.46 GB pytorch-native-cu124 jar); or
#       b) Maven and a ~/.m2/repository holding the cuda profile's dependencies (`mvn -Pcuda dependency:go-offline`
#          or one `mvn -Pcuda package` elsewhere; about 2.6 GB), and this script builds target-cuda/ offline;
#   - about 5 GB free under ~/.djl.ai (DJL unpacks libtorch there on the first run: a minute or two) and 1.1 GB under
#     OUT_DIR for the synthetic 0.54B model (generated here, once).
# What it does: bench device (CPU float32 vs GPU float16 logits, tokens/s of each) on a zoo model and on a synthetic
# 0.54B BF16 Llama; eval of a zoo model on the CPU and on the GPU (scores side by side, wall time); a worker's GPU
# check. Exit 0 when every logit comparison passes (max |gpu - cpu| <= 1% of the largest CPU logit).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/results/gpu-check}"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
export EVOMERGE_CUDA=1
status=0

say "evomerge GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
if command -v nvidia-smi >/dev/null; then
  say "$(nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader)"
else
  say "nvidia-smi not found"
fi

# The build: offline from ~/.m2 when Maven has what it needs; else a carried target-cuda/ is used as it is (copying
# the repository can leave sources newer than the jar, which would make the launcher try to rebuild).
jar="$root/target-cuda/evomerge.jar"
if ls ~/.m2/repository/ai/djl/pytorch/pytorch-native-cu124/2.5.1/*.jar >/dev/null 2>&1 && command -v mvn >/dev/null; then
  export EVOMERGE_MVN_FLAGS="-o"
elif [ -f "$jar" ]; then
  touch "$jar"
else
  say "FAIL: neither target-cuda/evomerge.jar nor the cuda profile's dependencies in ~/.m2 (see this script's header)"
  exit 3
fi
ev() { "$root/evomerge" "$@"; }
if ! ev --version > "$out/build.txt" 2>&1; then
  say "FAIL: the GPU build did not build or start (see $out/build.txt)"
  exit 3
fi

bench() {
  local name="$1"; shift
  say ""
  say "== bench device: $name"
  ev bench device "$@" --device cuda > "$out/bench-$name.txt" 2> "$out/bench-$name.err"
  local rc=$?
  tee -a "$summary" < "$out/bench-$name.txt"
  [ $rc -eq 0 ] || { say "(exit $rc; stderr in $out/bench-$name.err)"; tail -3 "$out/bench-$name.err" | tee -a "$summary"; status=1; }
}
bench zoo-base "$root/models/zoo/base" --seq-len 63 --batch 16 --iterations 20
bench zoo-add "$root/models/zoo/add" --seq-len 63 --batch 16 --iterations 20
bench synthetic-0.54b --synthetic 9 --dir "$out/synthetic" --seq-len 128 --batch 8 --iterations 5

say ""
say "== eval models/zoo/add, heldout slice, CPU vs GPU (no cache)"
evals=0
for d in cpu cuda; do
  t0=$(date +%s.%N)
  if ev eval "$root/models/zoo/add" --suite "$root/eval-suites/zoo/zoo.yaml" --no-cache --device "$d" \
      > "$out/eval-$d.txt" 2> "$out/eval-$d.err"; then
    evals=$((evals + 1))
  else
    say "eval --device $d failed:"
    tail -3 "$out/eval-$d.err" | tee -a "$summary"
    status=1
  fi
  t1=$(date +%s.%N)
  say "eval --device $d: $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s wall (JVM start included)"
done
if [ $evals -lt 2 ]; then
  :
elif diff "$out/eval-cpu.txt" "$out/eval-cuda.txt" > "$out/eval-diff.txt"; then
  say "eval tables identical on CPU and GPU"
else
  say "eval tables differ (float16 on the GPU):"
  tee -a "$summary" < "$out/eval-diff.txt"
fi

say ""
say "== worker --gpus 0 (starts, checks the GPU, reports its slot; stopped after 20 s)"
timeout 20 "$root/evomerge" worker --gpus 0 --port 5799 --host 127.0.0.1 > "$out/worker.txt" 2>&1
head -3 "$out/worker.txt" | tee -a "$summary"

say ""
say "overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
