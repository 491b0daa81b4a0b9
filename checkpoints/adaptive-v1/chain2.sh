#!/bin/bash
# after cmp10k: the adaptive model at 2,000 x 3: fixed T (cosine 3, 4) and the hybrid at p* = 0.01, 0.05 (cap 4)
cd /work/main
while pgrep -f "out runs/adaptive/cmp10k" > /dev/null; do sleep 10; done
date > runs/adaptive/cmp2k-a1.start
/usr/bin/time -f "%e s wall" npm run -s speedrl -- compare --models adaptive=runs/adaptive/a1/model --methods cosine,adaptive --steps 3,4 \
  --thresholds 0.01,0.05 --adaptive-cap 4 --min-per-step schedule --n 2000 --seeds 3 --out runs/adaptive/cmp2k-a1 > runs/adaptive/cmp2k-a1.log 2>&1
date > runs/adaptive/cmp2k-a1.end
