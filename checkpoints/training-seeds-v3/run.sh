#!/bin/bash
# usage: run.sh SEED — the shipped recipe (190 iterations), soup alpha 0.85, held-out score (seed 1000)
cd /work/main
S=$1; D=runs/train-seeds/s$S
echo "start $(date -u +%FT%TZ)"
npm run -s speedrl -- accelerate --config runs/abl/recipe-seed$S.yaml --out $D --iterations 190 || exit 1
echo "rl done $(date -u +%FT%TZ)"
node --conditions=@speedrl/source --import tsx tools/interpolate-model.ts --base models/fashion-mnist --tuned $D/model --alpha 0.85 --out $D-soup || exit 1
npm run -s speedrl -- tune-schedule --model $D-soup --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1000 --out $D-soup-s1000.json || exit 1
npm run -s speedrl -- tune-schedule --model $D/model --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1000 --out $D-rl-s1000.json || exit 1
echo "end $(date -u +%FT%TZ)"
