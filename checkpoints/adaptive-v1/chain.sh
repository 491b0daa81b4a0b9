#!/bin/bash
# after a1 finishes: the protocol (10,000 x 3) of the hybrid decoding p* = 0.01, cap 4, on the base and the adaptive model
cd /work/main
while pgrep -f "out runs/adaptive/a1" > /dev/null; do sleep 10; done
date > runs/adaptive/cmp10k.start
/usr/bin/time -f "%e s wall" npm run -s speedrl -- compare --models base=models/fashion-mnist,adaptive=runs/adaptive/a1/model \
  --methods adaptive --thresholds 0.01 --adaptive-cap 4 --min-per-step schedule --n 10000 --seeds 3 --out runs/adaptive/cmp10k > runs/adaptive/cmp10k.log 2>&1
date > runs/adaptive/cmp10k.end
