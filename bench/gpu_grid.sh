#!/usr/bin/env bash
# The grids the 2-core CPU cannot afford, as one command on a lent GPU machine. Here, first:
#     .venv/bin/python tools/device_kit.py     # writes .dev/: checkpoint, center crops of the shared images, wheels
#     bash bench/gpu_grid.sh smoke 0; bash bench/gpu_grid.sh smoke-long 0   # the same plumbing on this CPU: minutes
# then a device run with carry ['.dev'] and the command `bash bench/gpu_grid.sh GRID SECONDS`, where GRID is
#   compare  SARDFQ against PSAQ-ViT at the paper's length: psaq and sardfq after 200, 500 and 1000 synthesis
#            iterations (one synthesis each, with snapshots) and real images, W4A4 with reconstruction, seed by seed
#   long     a long reconstruction against the default one, real calibration images, seed by seed: 1000 steps per
#            block (`steps1000` of bench/quant_ablation.py, against `recon`'s 100) on 128 images, since 500 steps on
#            32 images gave nothing on the CPU (`steps500`)
#   smoke    compare's command at 3 synthesis iterations, 2 reconstruction steps and 8 calibration images, on the CPU
#   smoke-long  long's command with the default reconstruction at 2 steps and calibration alone, 8 images, on the CPU
# and SECONDS is when to stop starting seeds (a seed of `compare` takes a few minutes: leave one of margin below the
# run's timeout). After each seed its results are copied into $OUT, so a run stopped at its limit still returns them;
# keep them here apart from the CPU grids (results/compare/gpu, results/quant_ablation/gpu).
set -uo pipefail
usage="usage: bash bench/gpu_grid.sh compare|long|smoke|smoke-long SECONDS"
grid=${1:?$usage} budget=${2:?$usage}
[ -d .dev/whl ] || { echo ".dev/ is missing: run .venv/bin/python tools/device_kit.py here and carry .dev"; exit 2; }
if [ -x .venv/bin/python ]; then python=.venv/bin/python  # here: the project's environment
else python=python3; $python -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .dev/whl/*.whl || exit; fi  # there: the image's, with the wheels it lacks
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
data=.dev/data/imagenet-sample-dev ckpt=.dev/models/deit_tiny_patch16_224.safetensors out=${OUT:-/tmp/gpu-grid-out} work=/tmp/gpu-grid
mkdir -p "$out" "$work"
printf 'import sys\nfrom sardfq.run import sardfq_compare\nsys.exit(sardfq_compare())\n' > "$work/sardfq-compare"  # the console script pip would write
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
$python -c "import torch, timm, fastcore; print('torch', torch.__version__, 'timm', timm.__version__, 'fastcore', fastcore.__version__, 'cuda', torch.cuda.is_available())" || exit
case $grid in
  compare) run=(--device cuda --iters 1000 --methods psaq@200,psaq@500,psaq@1000,sardfq@200,sardfq@500,sardfq@1000,real --baseline psaq@1000 --recon-iters 100) ;;
  smoke)   run=(--device cpu --iters 3 --methods psaq@2,psaq@3,real --baseline psaq@3 --recon-iters 2 --n 8) ;;
  long)    run=(--device cuda --sources real --variants recon,steps1000 --n 128) ;;
  smoke-long) run=(--device cpu --sources real --variants calib,recon --recon-iters 2 --n 8) ;;
  *)       echo "unknown grid $grid: $usage"; exit 2 ;;
esac
for seed in 0 1 2 3 4 5 6 7; do
  [ "$seed" = 0 ] || [ "$SECONDS" -le "$budget" ] || break  # the first seed always runs
  if [[ $grid == *long ]]; then
    $python bench/quant_ablation.py --precropped --data "$data" --checkpoint "$ckpt" "${run[@]}" --seeds "$seed" --cache-dir "$work/cache" --out "$work/$grid" > "$out/$grid-table.jsonl" || exit
  else
    $python "$work/sardfq-compare" "$data" --precropped --checkpoint "$ckpt" "${run[@]}" --bits 4 --seeds "$seed" --cache "$work/cache" --out "$work/$grid" --json > "$out/$grid-table.jsonl" || exit
  fi
  cp "$work/$grid/results.json" "$out/$grid-results.json"
  echo "$grid seed $seed done at ${SECONDS}s"
  [[ $grid == smoke* ]] && break
done
