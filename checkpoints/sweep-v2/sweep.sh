#!/bin/bash
# Recipe sweep for issue 12 (held-out train reward-FD via tune-schedule --budget 1 = sampler defaults only)
cd /work/main
S=/work/sweep
score() { # $1 model dir, $2 out json
  /usr/bin/time -f "%e s" npm run -s speedrl -- tune-schedule --model $1 --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1000 --out $2 --force > $2.log 2>&1
}
echo "base start $(date)"; score models/fashion-mnist $S/base.json; echo "base done $(date)"
run() { # name, extra flags
  local name=$1; shift
  echo "$name start $(date)"
  /usr/bin/time -f "%e s" npm run -s speedrl -- accelerate --config configs/fashion-mnist-speedrl.yaml --out $S/$name --iterations 70 --checkpoint-every 10 --grid-every 35 "$@" > $S/$name.log 2>&1
  echo "$name rl done $(date)"
  score $S/$name/model $S/$name-score.json
  echo "$name score done $(date)"
}
run A --step-choices 2,3,4 --lr 0.00003
run B --step-choices 2,3,4 --lr 0.00003 --kl-beta 0.1 --w-mmd 2
#!/bin/bash
cd /work/main
S=/work/sweep
while pgrep -f "sweep/run.sh" > /dev/null; do sleep 10; done
score() { /usr/bin/time -f "%e s" npm run -s speedrl -- tune-schedule --model $1 --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1000 --out $2 --force > $2.log 2>&1; }
name=C
echo "$name start $(date)"
/usr/bin/time -f "%e s" npm run -s speedrl -- accelerate --config configs/fashion-mnist-speedrl.yaml --out $S/$name --iterations 70 --checkpoint-every 10 --grid-every 35 --step-choices 2,3,4 --lr 0.00003 --w-classifier 0 --w-mmd 1 > $S/$name.log 2>&1
echo "$name rl done $(date)"
score $S/$name/model $S/$name-score.json
echo "$name score done $(date)"
#!/bin/bash
cd /work/main
S=/work/sweep
while pgrep -f "sweep/run2.sh" > /dev/null; do sleep 10; done
score() { /usr/bin/time -f "%e s" npm run -s speedrl -- tune-schedule --model $1 --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1000 --out $2 --force > $2.log 2>&1; }
name=D
echo "$name start $(date)"
/usr/bin/time -f "%e s" npm run -s speedrl -- accelerate --config configs/fashion-mnist-speedrl.yaml --out $S/$name --iterations 70 --checkpoint-every 10 --grid-every 35 --step-choices 2,3,4,12 --lr 0.00003 --kl-beta 0.1 --w-mmd 2 > $S/$name.log 2>&1
echo "$name rl done $(date)"
score $S/$name/model $S/$name-score.json
echo "$name score done $(date)"
#!/bin/bash
cd /work/main
S=/work/sweep
while pgrep -f "sweep/run3.sh" > /dev/null; do sleep 10; done
for m in base B; do
  dir=$([ $m = base ] && echo models/fashion-mnist || echo $S/$m/model)
  echo "$m seed1001 start $(date)"
  npm run -s speedrl -- tune-schedule --model $dir --steps 3,4,12 --budget 1 --n 2000 --cfg off --seed 1001 --out $S/$m-score-s1001.json --force > $S/$m-score-s1001.json.log 2>&1
  echo "$m seed1001 done $(date)"
done
