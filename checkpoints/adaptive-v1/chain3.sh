#!/bin/bash
# diagnosis: the confidence sampler without choice noise (gumbel 0) at T = 3, 4 on the base, 2,000 x 3
cd /work/main
while pgrep -f "out runs/adaptive/cmp10k" > /dev/null; do sleep 10; done
/usr/bin/time -f "%e s wall" npm run -s speedrl -- compare --models base=models/fashion-mnist --methods cosine --steps 3,4 --gumbel 0 \
  --n 2000 --seeds 3 --out runs/adaptive/cmp2k-gumbel0 > runs/adaptive/cmp2k-gumbel0.log 2>&1
