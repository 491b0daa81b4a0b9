#!/bin/bash
# usage: stream.sh SEED VARIANTS
cd /work/main
s=$1; v=$2
echo "start seed $s $v $(date -u +%FT%TZ)"
npm run -s speedrl -- ablate --base models/fashion-mnist --config runs/abl/recipe-seed$s.yaml --variants $v \
  --budget 0 --iterations 30 --eval-steps 2,3,4 --n 2000 --seeds 1 --seed 0 --out runs/abl/seed$s${3:-}
echo "end seed $s rc $? $(date -u +%FT%TZ)"
