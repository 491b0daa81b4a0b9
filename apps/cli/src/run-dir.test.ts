/**
 * The run-directory contract: one writer at a time (a live lock is refused, a stale one taken over), a fresh run
 * never appends to an existing one, and a `--resume` whose checks fail leaves every file as it was.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockMark, processAlive, releaseLocksSince, LOCK_FILE } from '@speedrl/pipeline';
import { readJsonl } from '@speedrl/core';
import { writeTinyBundle, writeTinyClassifier } from './compare/test-models';
import { runCaptured as cli, spawnCli } from './test-cli';

const FIXTURE = join(__dirname, '../../../packages/tensor-utils/test-fixtures/fashion-mnist');

describe('run directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-rundir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const trainVq = (out: string, ...extra: string[]) =>
    cli(['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '4', '--batch', '16', '--eval-limit', '20', '--checkpoint-every', '2', '--out', out, ...extra]);

  it('refuses a directory locked by a live process, naming it, and takes over a stale lock', async () => {
    const out = join(root, 'locked');
    mkdirSync(out, { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const pid = child.pid as number;
      writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid, command: 'train-vq', startedAt: '2026-11-30T00:00:00.000Z' }));
      const refused = await trainVq(out);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(`--out: "${out}" is in use by process ${pid} (train-vq, since 2026-11-30T00:00:00.000Z)`);
      expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const taken = await trainVq(out);
    expect(taken.err).not.toMatch(/speedrl:/);
    expect(taken.code).toBe(0);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false); // released when the command ended
  });

  it('one process cannot take the same lock twice; locks are released newest first from a mark', () => {
    const dir = join(root, 'same-process');
    mkdirSync(dir, { recursive: true });
    const mark = lockMark();
    acquireRunLock(dir, 'test');
    expect(() => acquireRunLock(dir, 'test')).toThrow(/is in use by this process \(test, since/);
    releaseLocksSince(mark);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(processAlive(process.pid)).toBe(true);
  });

  it('a fresh run never appends to an existing run, even one that died before its first checkpoint', async () => {
    const out = join(root, 'existing');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'metrics.jsonl'), '{"step":1,"loss":0.5}\n');
    const r = await trainVq(out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out: "${out}" already holds a run's metrics.jsonl; pass --resume to continue it`);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe('{"step":1,"loss":0.5}\n');
  });

  it('a new run refuses any non-empty directory (a model bundle, a file) unless --force, which replaces only the old run files', async () => {
    const bundle = join(root, 'bundle');
    mkdirSync(join(bundle, 'tokenizer'), { recursive: true });
    writeFileSync(join(bundle, 'tokenizer', 'model.safetensors'), 'precious');
    writeFileSync(join(bundle, 'README.md'), 'notes');
    const refused = await trainVq(bundle);
    expect(refused.code).toBe(2);
    // no run.json: --force is not offered, since it would be refused (was: "pass --force", then "holds no run.json")
    expect(refused.err).toMatch(/--out: ".*bundle" is not empty \(it holds README\.md, tokenizer\); choose another --out \(it holds no run\.json: --force replaces only an earlier run\)/);
    expect(readFileSync(join(bundle, 'tokenizer', 'model.safetensors'), 'utf8')).toBe('precious');
    const both = await trainVq(bundle, '--resume', '--force');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--resume, --force: choose one/);
    const old = join(root, 'old-run');
    expect((await trainVq(old)).code).toBe(0);
    appendFileSync(join(old, 'metrics.jsonl'), '{"step":99,"loss":1}\n');
    writeFileSync(join(old, 'tokenizer', 'stale-product.txt'), 'from the old run');
    writeFileSync(join(old, 'notes.md'), 'the user\'s own file');
    rmSync(join(old, 'checkpoint'), { recursive: true });
    rmSync(join(old, 'metrics.jsonl'));
    expect((await trainVq(old)).err).toMatch(/is not empty \(it holds .*\); choose another --out, or pass --force to start a new run over the one there/);
    appendFileSync(join(old, 'metrics.jsonl'), '{"step":99,"loss":1}\n');
    const forced = await trainVq(old, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(join(old, 'tokenizer', 'stale-product.txt'))).toBe(false); // the old run's products go
    expect(readFileSync(join(old, 'notes.md'), 'utf8')).toBe('the user\'s own file'); // other files stay
    const steps = readFileSync(join(old, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).not.toContain(99); // the old records were replaced, not appended to
  });

  it('a --force keeps the old run whole until the new one completes: killed while it sets the old run aside or while it trains, --resume refuses or continues, and the old run is deleted only at the end', async () => {
    const args = (out: string) => ['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '4', '--batch', '16', '--eval-limit', '20', '--checkpoint-every', '2', '--out', out];
    const old = join(root, 'force-killed');
    expect((await cli([...args(old), '--steps', '2'])).code).toBe(0); // the old run: 2 steps, its tokenizer/ product
    const oldTokenizer = readFileSync(join(old, 'tokenizer', 'model.safetensors'));
    const probe = join(root, 'force-probe');
    cpSync(old, probe, { recursive: true });
    const log = join(root, 'force-points.log');
    expect((await spawnCli([...args(probe), '--force'], { SPEEDRL_FAULT_LOG: log })).code).toBe(0);
    expect(existsSync(join(probe, '.replaced'))).toBe(false); // completed: the old run is gone
    const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] ?? '');
    const setAside = points.filter((p) => p.startsWith('--force: ') && p.endsWith(' set aside'));
    expect(setAside.length).toBeGreaterThanOrEqual(4); // run.json, metrics.jsonl, checkpoint, tokenizer
    // (1) killed after the first entry moved: the staging folder holds it, --resume refuses, a second --force finishes
    const killed = await spawnCli([...args(old), '--force'], { SPEEDRL_KILL_AT: String(points.indexOf(setAside[0] as string) + 1) });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(old, '.replaced.staging'))).toBe(true);
    const listing = readdirSync(old).filter((f) => f !== '.lock').sort(); // the killed run's stale lock goes
    const resumed = await cli([...args(old), '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toContain(`--resume: a --force over an earlier run in "${old}" stopped while it moved that run's files aside`);
    expect(readdirSync(old).filter((f) => f !== '.lock').sort()).toEqual(listing); // refused before anything was written
    // (2) the second --force, killed once training began: the old run is whole in .replaced, beside the new run's files
    const trainPoints = points.slice(points.indexOf(setAside[setAside.length - 1] as string) + 1);
    const mid = points.length - trainPoints.length + trainPoints.findIndex((p) => /checkpoint/.test(p)) + 2;
    const again = await spawnCli([...args(old), '--force'], { SPEEDRL_KILL_AT: String(mid) });
    expect(again.signal).toBe('SIGKILL');
    expect(readFileSync(join(old, '.replaced', 'tokenizer', 'model.safetensors'))).toEqual(oldTokenizer);
    expect(JSON.parse(readFileSync(join(old, '.replaced', 'run.json'), 'utf8'))).toMatchObject({ options: { steps: 2 } });
    expect(existsSync(join(old, '.replaced.staging'))).toBe(false);
    // (3) --resume completes the new run, which then deletes the old one
    const done = await cli([...args(old), '--resume']);
    expect(done.code).toBe(0);
    expect(done.err).toContain(`--force: the earlier run it replaces is kept in ${join(old, '.replaced')} until this run completes`);
    expect(existsSync(join(old, '.replaced'))).toBe(false);
    const steps = readFileSync(join(old, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(Math.max(...steps)).toBe(4);
  }, 300_000);

  it('a resume whose training images changed at the same path (or resolve elsewhere from another directory) is refused', async () => {
    const data = join(root, 'data-copy');
    cpSync(FIXTURE, data, { recursive: true });
    const out = join(root, 'keyed-data');
    const first = await cli(['train-vq', '--preset', 'tiny', '--data', data, '--steps', '4', '--batch', '16', '--eval-limit', '20', '--checkpoint-every', '2', '--out', out]);
    expect(first.code).toBe(0);
    const images = readdirSync(data).find((f) => f.startsWith('train-images')) as string;
    cpSync(join(FIXTURE, 't10k-images-idx3-ubyte'), join(data, images.replace(/\.gz$/, ''))); // other images under the train name
    rmSync(join(data, images), { force: true });
    const r = await cli(['train-vq', '--out', out, '--resume', '--steps', '6']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--data: its files changed since this run started/);
  });

  it('a resume refuses a typed value for an option the run used by default (train-classifier --seed)', async () => {
    const out = join(root, 'cls-seed');
    const args = ['train-classifier', '--role', 'reward', '--preset', 'tiny', '--data', FIXTURE, '--steps', '4', '--checkpoint-every', '2', '--out', out];
    expect((await cli(args)).code).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { options: { seed: number } };
    expect(saved.options.seed).toBe(1701); // the role's seed, saved
    const r = await cli(['train-classifier', '--out', out, '--resume', '--steps', '6', '--seed', '7']); // --role comes from run.json
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--seed: a resumed run keeps the value it was started with \(1701\), got "?7"?/);
    const noRole = await cli(['train-classifier', '--preset', 'tiny', '--data', FIXTURE, '--steps', '2', '--out', join(root, 'cls-no-role')]);
    expect(noRole.code).toBe(2);
    expect(noRole.err).toMatch(/--role: required for a new run/);
    const resumed = await cli(['train-classifier', '--out', out, '--resume', '--steps', '6', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ role: 'reward', seed: 1701, step: 6 });
  });

  it('--epochs on a run that counts --steps is refused before any write (was: ignored; a resume exited 0 untrained and recorded it)', async () => {
    const out = join(root, 'cls-epochs');
    const args = ['train-classifier', '--role', 'eval', '--preset', 'tiny', '--data', FIXTURE, '--steps', '2', '--checkpoint-every', '2', '--out', out];
    const both = await cli([...args, '--epochs', '7']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--epochs: this run counts --steps \(2\), which wins over --epochs, so it would be ignored/);
    expect(existsSync(out)).toBe(false);
    expect((await cli(args)).code).toBe(0);
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    const resumed = await cli(['train-classifier', '--out', out, '--resume', '--epochs', '3']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/--epochs: this run counts --steps \(2\), which wins over --epochs, so it would be ignored; give --steps to set the run's length$/m);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(runJson); // nothing rewritten
    const vq = await trainVq(join(root, 'vq-epochs'), '--epochs', '7'); // the helper gives --steps
    expect(vq.code).toBe(2);
    expect(vq.err).toMatch(/--epochs: this run counts --steps/);
  });

  it('a resume whose run.json lacks an option says which default it takes, and records it', async () => {
    const out = join(root, 'defaulted');
    expect((await trainVq(out, '--perceptual', '0')).code).toBe(0);
    const runFile = join(out, 'run.json');
    const saved = JSON.parse(readFileSync(runFile, 'utf8')) as { options: Record<string, unknown> };
    delete saved.options.perceptual; // as if the option had been added to the command after the run started
    writeFileSync(runFile, JSON.stringify(saved));
    const r = await cli(['train-vq', '--out', out, '--resume', '--steps', '6']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`--resume: ${runFile} has no value for this option (added to the command since the run started, or removed from the file), so the default is used: --perceptual 0`);
    expect((JSON.parse(readFileSync(runFile, 'utf8')) as { options: Record<string, unknown> }).options.perceptual).toBe(0);
    const again = await cli(['train-vq', '--out', out, '--resume', '--steps', '8']);
    expect(again.err).not.toContain('has no value for');
    // the note's advice holds: for an option the file does not record, the value given is taken (was: refused as a change)
    delete saved.options.perceptual;
    writeFileSync(runFile, JSON.stringify({ ...JSON.parse(readFileSync(runFile, 'utf8')), options: { ...saved.options, steps: 8 } }));
    const given = await cli(['train-vq', '--out', out, '--resume', '--steps', '10', '--perceptual', '0']);
    expect(given.code).toBe(0);
    expect(given.err).not.toContain('has no value for');
  });

  it('a damaged run.json or checkpoint state is a usage error naming the file', async () => {
    const out = join(root, 'damaged');
    expect((await trainVq(out)).code).toBe(0);
    writeFileSync(join(out, 'run.json'), '{"command": "train-vq", ');
    const r = await trainVq(out, '--resume');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: ".*damaged\/run\.json" is unreadable/);
  });

  it('a --resume that changes a defining option, or whose checks fail, leaves metrics.jsonl and run.json untouched', async () => {
    const out = join(root, 'resumable');
    expect((await trainVq(out)).code).toBe(0);
    appendFileSync(join(out, 'metrics.jsonl'), '{"step":999,"note":"after the checkpoint"}\n');
    const metrics = readFileSync(join(out, 'metrics.jsonl'));
    const runJson = readFileSync(join(out, 'run.json'));
    const changed = await cli(['train-vq', '--out', out, '--resume', '--perceptual', '0.1']);
    expect(changed.code).toBe(2);
    expect(changed.err).toContain('--perceptual: a resumed run keeps the value it was started with (0), got 0.1');
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(readFileSync(join(out, 'run.json')).equals(runJson)).toBe(true);
    const weights = join(out, 'checkpoint', 'model.safetensors');
    const good = readFileSync(weights);
    writeFileSync(weights, good.subarray(0, 100)); // a truncated checkpoint: found, then refused while loading
    const bad = await cli(['train-vq', '--out', out, '--resume']);
    expect(bad.code).not.toBe(0);
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(readFileSync(join(out, 'run.json')).equals(runJson)).toBe(true);
    writeFileSync(weights, good);
    const resumed = await cli(['train-vq', '--out', out, '--resume', '--steps', '6']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).not.toContain('"step":999'); // trimmed once the resume really starts
  });

  it('refuses an input inside --out before anything is written or removed: --force would delete it (real paths, symlinks)', async () => {
    const out = join(root, 'same-folder');
    expect((await trainVq(out)).code).toBe(0); // out/tokenizer, checkpoint/, metrics.jsonl
    const tokenizerFiles = readdirSync(join(out, 'tokenizer'));
    const before = readdirSync(out).sort();
    const mg = (tokenizer: string) => cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', tokenizer, '--data', FIXTURE, '--steps', '2', '--out', out, '--force']);
    const r = await mg(join(out, 'tokenizer'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--tokenizer: "${join(out, 'tokenizer')}" is inside --out "${out}"; --force would delete it`);
    const link = join(root, 'tokenizer-link');
    symlinkSync(join(out, 'tokenizer'), link);
    const viaLink = await mg(link);
    expect(viaLink.code).toBe(2);
    expect(viaLink.err).toContain(`--tokenizer: "${link}" is inside --out`);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readdirSync(join(out, 'tokenizer'))).toEqual(tokenizerFiles);
    const data = join(out, 'data');
    cpSync(FIXTURE, data, { recursive: true });
    const vq = await trainVq(out, '--force', '--data', data);
    expect(vq.code).toBe(2);
    expect(vq.err).toContain(`--data: "${data}" is inside --out`);
    const cls = await cli(['train-classifier', '--role', 'reward', '--preset', 'tiny', '--data', data, '--steps', '2', '--out', out, '--force']);
    expect(cls.code).toBe(2);
    expect(cls.err).toContain(`--data: "${data}" is inside --out`);
    // a link inside --out that points elsewhere: --force would remove the link itself
    const elsewhere = join(root, 'tokenizer-elsewhere');
    cpSync(join(out, 'tokenizer'), elsewhere, { recursive: true });
    const inner = join(out, 'tok-link');
    symlinkSync(elsewhere, inner);
    const viaInnerLink = await mg(inner);
    expect(viaInnerLink.code).toBe(2);
    expect(viaInnerLink.err).toContain(`--tokenizer: "${inner}" is inside --out`);
    // --out inside an input: the run would write into the files it reads
    const nested = await cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', elsewhere, '--data', FIXTURE, '--steps', '2', '--out', join(elsewhere, 'mg')]);
    expect(nested.code).toBe(2);
    expect(nested.err).toContain(`--out: "${join(elsewhere, 'mg')}" is inside --tokenizer "${elsewhere}", an input of this command`);
    expect(existsSync(join(elsewhere, 'mg'))).toBe(false);
  });

  it('--force removes the products of the old run\'s command, and refuses a directory that is no run (a model bundle)', async () => {
    const bundle = join(root, 'shipped-bundle');
    mkdirSync(join(bundle, 'tokenizer'), { recursive: true });
    mkdirSync(join(bundle, 'maskgit'), { recursive: true });
    writeFileSync(join(bundle, 'tokenizer', 'model.safetensors'), 'precious');
    const refused = await trainVq(bundle, '--force');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--out: ".*shipped-bundle" holds no run\.json, so it is no run --force can replace \(it holds maskgit, tokenizer/);
    expect(readFileSync(join(bundle, 'tokenizer', 'model.safetensors'), 'utf8')).toBe('precious');
    const other = join(root, 'classifier-run');
    expect((await cli(['train-classifier', '--role', 'reward', '--preset', 'tiny', '--data', FIXTURE, '--steps', '2', '--out', other])).code).toBe(0);
    expect(existsSync(join(other, 'classifier'))).toBe(true);
    const forced = await trainVq(other, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(join(other, 'classifier'))).toBe(false); // the old run's product, not left beside the new run
    expect(existsSync(join(other, 'tokenizer'))).toBe(true);
    // a train-maskgit run's token cache and the floors an eval cached in its bundle go with it (was: left beside the new run)
    const mg = join(root, 'maskgit-run');
    mkdirSync(join(mg, 'maskgit'), { recursive: true });
    writeFileSync(join(mg, 'run.json'), JSON.stringify({ command: 'train-maskgit', options: {} }));
    for (const f of ['train-tokens.safetensors', 'floors.json', 'notes.txt']) writeFileSync(join(mg, f), 'old');
    expect((await trainVq(mg, '--force')).code).toBe(0);
    expect(['maskgit', 'train-tokens.safetensors', 'floors.json', 'notes.txt'].map((f) => existsSync(join(mg, f)))).toEqual([false, false, false, true]);
  });

  it('--resume refuses a checkpoint without its COMPLETE marker instead of starting over from step 0', async () => {
    const out = join(root, 'marker-lost');
    expect((await trainVq(out)).code).toBe(0);
    rmSync(join(out, 'checkpoint', 'COMPLETE'));
    const metrics = readFileSync(join(out, 'metrics.jsonl'));
    const weights = readFileSync(join(out, 'checkpoint', 'model.safetensors'));
    const r = await trainVq(out, '--resume', '--steps', '6');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: ".*marker-lost\/checkpoint" is incomplete \(no COMPLETE marker.*start over with --force/);
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(readFileSync(join(out, 'checkpoint', 'model.safetensors')).equals(weights)).toBe(true);
    cpSync(join(out, 'checkpoint'), join(out, 'checkpoint.old'), { recursive: true });
    rmSync(join(out, 'checkpoint'), { recursive: true });
    expect((await trainVq(out, '--resume')).err).toMatch(/checkpoint\.old" is incomplete/);
  });

  it('--resume: an incomplete checkpoint/ beside a complete checkpoint.old/ is refused (no crash leaves that pair)', async () => {
    const out = join(root, 'old-beside');
    expect((await trainVq(out)).code).toBe(0);
    cpSync(join(out, 'checkpoint'), join(out, 'checkpoint.old'), { recursive: true });
    rmSync(join(out, 'checkpoint', 'COMPLETE')); // a copy cut short, not our swap (it renames only complete dirs)
    const metrics = readFileSync(join(out, 'metrics.jsonl'));
    const r = await trainVq(out, '--resume', '--steps', '6');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: ".*old-beside\/checkpoint" is incomplete \(no COMPLETE marker.*a complete ".*old-beside\/checkpoint\.old" is beside it, but no crash leaves that pair, so it is not resumed in its place/);
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(existsSync(join(out, 'checkpoint', 'model.safetensors'))).toBe(true); // not overwritten
  });

  it('input directories load exactly as named: a tokenizer without its COMPLETE marker is refused naming the flag, never its sibling .old', async () => {
    const vq = join(root, 'strict-vq');
    expect((await trainVq(vq)).code).toBe(0);
    const inputs = join(root, 'strict-inputs');
    mkdirSync(inputs, { recursive: true });
    cpSync(join(vq, 'tokenizer'), join(inputs, 'tokenizer.old'), { recursive: true }); // complete
    cpSync(join(vq, 'tokenizer'), join(inputs, 'tokenizer'), { recursive: true });
    rmSync(join(inputs, 'tokenizer', 'COMPLETE'));
    const staging = `.tokenizer.${process.pid}.1.staging`; // a writer's staging dir (this live process stands in for it)
    mkdirSync(join(inputs, staging));
    const out = join(root, 'strict-mg');
    const r = await cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(inputs, 'tokenizer'), '--data', FIXTURE, '--steps', '2', '--batch', '8', '--ema', 'none', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--tokenizer: VQ checkpoint directory ${join(inputs, 'tokenizer')} has no COMPLETE marker (an interrupted write?)`);
    expect(readdirSync(inputs).sort()).toEqual([staging, 'tokenizer', 'tokenizer.old']); // nothing deleted
    expect(existsSync(out)).toBe(false);
  });

  it('a run whose loss became NaN before its first checkpoint says that none was written', async () => {
    const r = await trainVq(join(root, 'nan'), '--lr', '1e30', '--steps', '20', '--checkpoint-every', '100');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/train-vq: loss became NaN at step \d+; no checkpoint was written yet/);
  });

  it('no directory is shared by two jobs: an --out inside one another process writes is refused, and --force never removes another job\'s run with the old products', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const pid = child.pid as number;
      const running = join(root, 'running');
      mkdirSync(running, { recursive: true });
      writeFileSync(join(running, LOCK_FILE), JSON.stringify({ pid, command: 'accelerate', startedAt: '2026-11-30T00:00:00.000Z' }));
      const nested = await trainVq(join(running, 'model'));
      expect(nested.code).toBe(2);
      expect(nested.err).toContain(`--out: "${join(running, 'model')}" is inside "${running}", which process ${pid} (accelerate, since 2026-11-30T00:00:00.000Z) is writing`);
      expect(existsSync(join(running, 'model'))).toBe(false);

      const old = join(root, 'holds-a-job');
      expect((await trainVq(old)).code).toBe(0);
      const inner = join(old, 'tokenizer', 'inner'); // a job started inside the old run's product folder
      mkdirSync(inner, { recursive: true });
      writeFileSync(join(inner, LOCK_FILE), JSON.stringify({ pid, command: 'train-vq', startedAt: '2026-11-30T00:00:00.000Z' }));
      writeFileSync(join(inner, 'metrics.jsonl'), '{"step":1}\n');
      const whileRunning = await trainVq(old, '--force');
      expect(whileRunning.code).toBe(2);
      expect(whileRunning.err).toContain(`--force: "${join(old, 'tokenizer')}", which --force removes with the old run, holds another job's lock "${join(inner, LOCK_FILE)}" (it is running)`);
      rmSync(join(inner, LOCK_FILE));
      writeFileSync(join(inner, 'run.json'), '{"command":"train-vq","options":{}}');
      const finished = await trainVq(old, '--force');
      expect(finished.code).toBe(2);
      expect(finished.err).toContain(`holds another job's "${join(inner, 'run.json')}"`);
      expect(readFileSync(join(inner, 'metrics.jsonl'), 'utf8')).toBe('{"step":1}\n');
      expect(existsSync(join(old, 'checkpoint', 'COMPLETE'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('train-vq and train-classifier checkpoints record the SHA-256 of their weights: an edited file is refused on --resume', async () => {
    const runs: [string, (out: string, ...extra: string[]) => Promise<{ code: number; err: string }>][] = [
      ['vq-hash', trainVq],
      ['cls-hash', (out, ...extra) => cli(['train-classifier', '--role', 'eval', '--preset', 'tiny', '--data', FIXTURE, '--steps', '4', '--limit', '64', '--eval-limit', '40', '--checkpoint-every', '2', '--out', out, ...extra])],
    ];
    for (const [name, train] of runs) {
      const out = join(root, name);
      expect((await train(out)).code).toBe(0);
      const weights = join(out, 'checkpoint', 'model.safetensors');
      expect((JSON.parse(readFileSync(join(out, 'checkpoint', 'config.json'), 'utf8')) as { weightsSha256?: string }).weightsSha256).toMatch(/^[0-9a-f]{64}$/);
      const edited = readFileSync(weights);
      edited.writeFloatLE(1000, edited.length - 4); // same length, one weight changed
      writeFileSync(weights, edited);
      const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
      const refused = await train(out, '--resume', '--steps', '6');
      expect(refused.code).toBe(2);
      // the COMPLETE marker's record catches it first, before the weights' own SHA-256 in config.json (covered by the loaders' tests)
      expect(refused.err).toMatch(/--resume: ".*checkpoint\/model\.safetensors" is not the file the run saved \(its SHA-256 differs from the one ".*checkpoint\/COMPLETE" records: edited by hand, or damaged\)/);
      expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(metrics);
    }
  });

  it('--resume of a run that never started (no directory; killed during start-up: only its lock) says to run it without --resume', async () => {
    const never = join(root, 'never-ran');
    const absent = await trainVq(never, '--resume');
    expect(absent.code).toBe(2);
    expect(absent.err).toContain(`("${never}" does not exist: no run was started there); run the command without --resume to start it`);
    mkdirSync(never);
    writeFileSync(join(never, LOCK_FILE), JSON.stringify({ pid: 999_999_999, command: 'train-vq', startedAt: '2026-11-30T00:00:00.000Z' })); // its process is gone
    const killed = await trainVq(never, '--resume');
    expect(killed.code).toBe(2);
    expect(killed.err).toContain('nor a run.json: the run stopped during start-up, before it wrote anything; run the command again without --resume to start it');
    expect((await trainVq(never)).code).toBe(0);
  });

  it('--resume refuses a product folder that is a symbolic link: the run would write its products into what it points to', async () => {
    const out = join(root, 'linked-product');
    expect((await trainVq(out)).code).toBe(0);
    const elsewhere = join(root, 'elsewhere');
    cpSync(join(out, 'tokenizer'), elsewhere, { recursive: true });
    rmSync(join(out, 'tokenizer'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'tokenizer'));
    const before = readFileSync(join(elsewhere, 'model.safetensors'));
    const r = await trainVq(out, '--resume', '--steps', '6');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out: "${join(out, 'tokenizer')}" is a symbolic link (to "${elsewhere}"); the run writes its tokenizer there`);
    expect(readFileSync(join(elsewhere, 'model.safetensors')).equals(before)).toBe(true);
  });

  it('train-classifier: too few images of a class for its feature statistics is a usage error before training (was: after it)', async () => {
    const out = join(root, 'cls-few');
    const r = await cli(['train-classifier', '--role', 'eval', '--preset', 'tiny', '--data', FIXTURE, '--steps', '4', '--limit', '64', '--eval-limit', '10', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--eval-limit: the eval classifier's feature statistics need 2 images of every class; class \d has [01] among the 10 test images used/);
    expect(r.err).not.toMatch(/train-classifier\(eval\)/); // no step was trained
    expect(existsSync(out)).toBe(false);
  });

  it('train-maskgit --resume refuses a probe classifier changed at the same path (two judges in one quality curve)', async () => {
    const vq = join(root, 'probe-vq');
    expect((await trainVq(vq)).code).toBe(0);
    const judge = join(root, 'probe-judge');
    await writeTinyClassifier(judge, 'eval', 2);
    await writeTinyClassifier(join(root, 'probe-reward'), 'reward', 3);
    const out = join(root, 'probe-run');
    const mg = (...extra: string[]) => cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vq, 'tokenizer'), '--data', FIXTURE, '--batch', '8', '--warmup', '1', '--ema', 'none',
      '--checkpoint-every', '2', '--eval-every', '2', '--eval-n', '30', '--eval-steps', '2', '--classifier', judge, '--reward-classifier', join(root, 'probe-reward'), '--out', out, ...extra]);
    expect((await mg('--steps', '3')).code).toBe(0);
    // probes every --eval-every steps and at the last step (the weights that ship); a resume at the last step probes nothing again
    const probeSteps = () => readJsonl<{ step: number; event?: string }>(join(out, 'metrics.jsonl')).records.filter((m) => m.event === 'eval').map((m) => m.step);
    expect(probeSteps()).toEqual([2, 3]);
    expect((await cli(['train-maskgit', '--out', out, '--resume', '--steps', '3'])).code).toBe(0);
    expect(probeSteps()).toEqual([2, 3]);
    rmSync(judge, { recursive: true });
    await writeTinyClassifier(judge, 'eval', 7); // retrained at the same path
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    const r = await cli(['train-maskgit', '--out', out, '--resume', '--steps', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--classifier: its files changed since this run started/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(metrics);
  });

  it('--resume refuses a checkpoint copied from another run: another seed, another defining option (--lr), or a step its metrics never reached (was: resumed, labelled with this run\'s options)', async () => {
    const [a, b, c] = [join(root, 'copy-a'), join(root, 'copy-b'), join(root, 'copy-c')] as const;
    expect((await trainVq(a, '--seed', '0', '--steps', '4', '--log-every', '1')).code).toBe(0);
    expect((await trainVq(b, '--seed', '5', '--steps', '2', '--log-every', '1')).code).toBe(0);
    expect((await trainVq(c, '--seed', '5', '--steps', '4', '--log-every', '1')).code).toBe(0);
    const swap = (from: string, to: string) => {
      rmSync(join(to, 'checkpoint'), { recursive: true });
      cpSync(join(from, 'checkpoint'), join(to, 'checkpoint'), { recursive: true });
    };
    swap(a, b); // step 4 into a run whose metrics end at step 2
    const metrics = readFileSync(join(b, 'metrics.jsonl'));
    const ahead = await trainVq(b, '--seed', '5', '--steps', '6', '--resume');
    expect(ahead.code).toBe(2);
    expect(ahead.err).toMatch(/--resume: the checkpoint in ".*copy-b\/checkpoint" is at step 4, but .*metrics\.jsonl records nothing after step 2 \(this run logs every 1 steps\)/);
    expect(readFileSync(join(b, 'metrics.jsonl')).equals(metrics)).toBe(true);
    swap(a, c); // the same step, another seed
    const seeded = await trainVq(c, '--seed', '5', '--steps', '6', '--resume');
    expect(seeded.code).toBe(2);
    expect(seeded.err).toMatch(/--resume: the checkpoint in ".*copy-c\/checkpoint" was written by a run with --seed 0, and this run's is 5/);
    const d = join(root, 'copy-d'); // the same seed and step, another learning rate
    expect((await trainVq(d, '--seed', '0', '--steps', '4', '--log-every', '1', '--lr', '0.002')).code).toBe(0);
    swap(a, d);
    const other = await trainVq(d, '--steps', '6', '--resume');
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--resume: the checkpoint in ".*copy-d\/checkpoint" was written by a run with --lr 0, and this run's is 0.002/);
    rmSync(join(a, 'metrics.jsonl'));
    const lost = await trainVq(a, '--seed', '0', '--steps', '6', '--resume'); // its own checkpoint, its metrics deleted
    expect(lost.code).toBe(2);
    expect(lost.err).toMatch(/metrics\.jsonl records no step/);
  });

  it('a resume that changes the run\'s length says that its cosine learning rate now follows the new length (it jumps)', async () => {
    const out = join(root, 'extended');
    expect((await trainVq(out)).code).toBe(0);
    const longer = await trainVq(out, '--resume', '--steps', '6');
    expect(longer.code).toBe(0);
    expect(longer.err).toContain('--steps: this run was started with 4, now 6; its learning rate decays (cosine) over the run\'s planned length, so from the step it resumes at it follows a schedule over the new length: the rate jumps');
    const same = await trainVq(out, '--resume', '--steps', '6');
    expect(same.err).not.toContain('learning rate decays');
  });

  it('a run refused after its directory was made leaves no directory behind', async () => {
    const out = join(root, 'never-started');
    const r = await trainVq(out, '--data', join(root, 'no-such-data'));
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('eval: a usage error found once --out was made leaves no directory behind; --ref-limit beyond the test set is one', async () => {
    const model = join(root, 'eval-model');
    const judge = join(root, 'eval-judge');
    await writeTinyBundle(model, 1);
    await writeTinyClassifier(judge, 'eval', 2);
    const evalArgs = (out: string, ...extra: string[]) => cli(['eval', '--model', model, '--classifier', judge, '--data', FIXTURE, '--steps', '1', '--seeds', '1', '--kid-subsets', '2', '--out', out, ...extra]);
    const few = await evalArgs(join(root, 'eval-few'), '--n', '3');
    expect(few.code).toBe(2);
    expect(few.err).toMatch(/--n: FCD needs more samples/);
    expect(existsSync(join(root, 'eval-few'))).toBe(false);
    const huge = await evalArgs(join(root, 'eval-huge'), '--n', '30', '--ref-limit', '1e12');
    expect(huge.code).toBe(2);
    expect(huge.err).toContain(`--ref-limit: 1000000000000 is more than the 300 test images in ${FIXTURE}; give at most 300, or 0 for all`);
    expect(existsSync(join(root, 'eval-huge'))).toBe(false);
  });

  it('train-maskgit records the SHA-256 of its checkpoint weights: an edited file, or a checkpoint without the hash, is refused on --resume', async () => {
    const vq = join(root, 'mg-vq');
    expect((await trainVq(vq)).code).toBe(0);
    const out = join(root, 'mg-hash');
    const mg = (...extra: string[]) => cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vq, 'tokenizer'), '--data', FIXTURE, '--batch', '8', '--warmup', '1', '--ema', 'none', '--out', out, ...extra]);
    const first = await mg('--steps', '2', '--checkpoint-every', '2', '--json');
    expect(first.code).toBe(0);
    // a resume with no steps left (a kill during the bundle writes) writes the same bundle: the loss logged for the last step
    const bundleFiles = ['config.json', 'model.safetensors', 'model.onnx'].map((f) => join(out, 'maskgit', f));
    const bundle = bundleFiles.map((f) => readFileSync(f));
    const again = await mg('--resume', '--json');
    expect(again.code).toBe(0);
    type Summary = { finalLoss: number; trainedSteps: number };
    const [a, b] = [JSON.parse(first.out) as Summary, JSON.parse(again.out) as Summary];
    expect(Number.isFinite(a.finalLoss)).toBe(true);
    expect([b.finalLoss, b.trainedSteps]).toEqual([a.finalLoss, 0]);
    bundleFiles.forEach((f, i) => expect(readFileSync(f).equals(bundle[i] as Buffer)).toBe(true));
    const text = await mg('--resume');
    expect(text.out).toMatch(/already at its last step 2 \(nothing to train\); bundles written from its checkpoint, final loss \d/);
    const weights = join(out, 'checkpoint', 'trainer.safetensors');
    const stateFile = join(out, 'checkpoint', 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    expect(state.trainerSha256).toMatch(/^[0-9a-f]{64}$/);
    const good = readFileSync(weights);
    const edited = Buffer.from(good);
    edited.writeFloatLE(1000, edited.length - 4);
    writeFileSync(weights, edited);
    const refused = await mg('--resume', '--steps', '3');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--resume: ".*checkpoint\/trainer\.safetensors" is not the file the run saved \(its SHA-256 differs from the one ".*checkpoint\/COMPLETE" records/);
    writeFileSync(weights, good);
    const { trainerSha256: _hash, ...older } = state; // as a run of older code wrote it, or the field removed
    writeFileSync(stateFile, JSON.stringify(older));
    const unhashed = await mg('--resume', '--steps', '3');
    expect(unhashed.code).toBe(2);
    expect(unhashed.err).toMatch(/--resume: ".*checkpoint\/state\.json" is not the file the run saved \(its SHA-256 differs/); // edited state: the marker tells
    writeFileSync(stateFile, JSON.stringify(state));
    const resumed = await mg('--resume', '--steps', '3');
    expect(resumed.err).not.toMatch(/speedrl:/);
    expect(resumed.code).toBe(0);
    renameSync(join(out, 'checkpoint'), join(out, 'checkpoint.old')); // a kill between the two renames of a checkpoint swap
    const fromOld = await mg('--resume', '--steps', '4');
    expect(fromOld.code).toBe(0);
    expect(fromOld.err).toMatch(/resuming from step 3 \(.*mg-hash\/checkpoint\.old: checkpoint\/ is missing, as a kill between the two renames of a checkpoint swap leaves it/);
    expect(existsSync(join(out, 'checkpoint', 'COMPLETE'))).toBe(true);
    expect(existsSync(join(out, 'checkpoint.old'))).toBe(false);
  });
});
