#!/usr/bin/env python3
"""Aggregates the ablation runs of 3 RL seeds (runs/abl/seed0, seed1, seed2 + seed2b) into one table: per variant and T,
FCD / recall mean ± sample std over the RL seeds, and each variant's difference to `full` judged against 2x the larger std."""
import json, os, statistics as st, sys
root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
dirs = {0: ['seed0'], 1: ['seed1'], 2: ['seed2', 'seed2b']}
variants = ['base', 'full', 'no-speed', 'no-kl', 'no-filter', 'reinforce']
rows = {}  # (variant, T) -> {seed: row}
iters = {}
for seed, ds in dirs.items():
    for d in ds:
        for v in variants:
            # runs/abl/<dir>/<variant>/eval/eval.json, or its copy here: <dir>/<variant>/eval-eval.json
            p = next((c for c in (os.path.join(root, d, v, 'eval', 'eval.json'), os.path.join(root, d, v, 'eval-eval.json')) if os.path.exists(c)), '')
            if not os.path.exists(p):
                continue
            for r in json.load(open(p))['rows']:
                rows.setdefault((v, r['steps']), {})[seed] = r
            m = os.path.join(root, d, v, 'metrics.jsonl')
            if os.path.exists(m):
                lines = [json.loads(l) for l in open(m) if l.strip()]
                it = [l for l in lines if 'elapsedMs' in l]
                if it:
                    iters.setdefault(v, {})[seed] = {'iterations': len(it), 'rlMinutes': round(it[-1]['elapsedMs'] / 60000, 2)}
def ms(xs):
    return (st.mean(xs), st.stdev(xs) if len(xs) > 1 else 0.0)
out = {'iterations': iters, 'cells': {}}
print('| variant | T | FCD (mean ± std over RL seeds) | recall | RL seeds | vs full: difference (2σ) |')
print('|---|---:|---|---|---:|---|')
for v in variants:
    for T in (2, 3, 4):
        r = rows.get((v, T), {})
        if not r:
            continue
        f = [x['fcd']['mean'] for x in r.values()]
        rc = [x['recall']['mean'] for x in r.values()]
        fm, fs = ms(f)
        rm, rs = ms(rc)
        judge = ''
        full = rows.get(('full', T), {})
        if v != 'full' and len(full) >= 3 and len(r) >= 3:
            gm, gs = ms([x['fcd']['mean'] for x in full.values()])
            diff = fm - gm
            two = 2 * max(fs, gs)
            judge = f"{diff:+.2f} ({two:.2f}): " + (('worse' if diff > 0 else 'better') + ' beyond 2σ' if abs(diff) > two else 'within noise')
        out['cells'][f'{v}@{T}'] = {'fcd': f, 'recall': rc, 'seeds': sorted(r.keys())}
        print(f"| {v} | {T} | {fm:.2f} ± {fs:.2f} | {rm:.3f} ± {rs:.3f} | {len(r)} | {judge} |")
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ablations-3seeds.json'), 'w'), indent=1)
