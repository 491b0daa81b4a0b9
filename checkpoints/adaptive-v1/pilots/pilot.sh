#!/bin/bash
# pilot: steps used at iteration 0 of adaptive hybrid rollouts on the v2 base, per threshold and cap
cd /work/main
for cap in 4 8; do for p in 0.005 0.01 0.02 0.03; do
  out=/work/r16/pilot-c$cap-p$p
  rm -rf $out
  nice -n 5 npm run -s speedrl -- accelerate --base models/fashion-mnist --reward-classifier models/fashion-mnist/classifiers/reward \
    --rollout adaptive --thresholds $p --max-steps $cap --min-per-step schedule --iterations 1 --group-size 8 \
    --w-mmd 2 --kl-beta 0.1 --lr 0.00003 --out $out > $out.log 2>&1
  echo "cap $cap p $p rc $?: $(grep -o '"stepsMean":[^,]*' $out/metrics.jsonl) $(grep -o '"maxStepsFraction":[^,]*' $out/metrics.jsonl)"
done; done
