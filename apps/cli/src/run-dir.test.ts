/**
 * The run-directory contract: one writer at a time (a live lock is refused, a stale one taken over), a fresh run
 * never appends to an existing one, and a `--resume` whose checks fail leaves every file as it was.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockMark, processAlive, releaseLocksSince, LOCK_FILE } from '@speedrl/pipeline';
import { runCaptured as cli } from './test-cli';

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
    expect(refused.err).toMatch(/--out: ".*bundle" is not empty \(it holds README\.md, tokenizer\); choose another --out, or pass --force/);
    expect(readFileSync(join(bundle, 'tokenizer', 'model.safetensors'), 'utf8')).toBe('precious');
    const both = await trainVq(bundle, '--resume', '--force');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--resume, --force: choose one/);
    const old = join(root, 'old-run');
    expect((await trainVq(old)).code).toBe(0);
    appendFileSync(join(old, 'metrics.jsonl'), '{"step":99,"loss":1}\n');
    writeFileSync(join(old, 'tokenizer', 'stale-product.txt'), 'from the old run');
    writeFileSync(join(old, 'notes.md'), 'the user\'s own file');
    const forced = await trainVq(old, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(join(old, 'tokenizer', 'stale-product.txt'))).toBe(false); // the old run's products go
    expect(readFileSync(join(old, 'notes.md'), 'utf8')).toBe('the user\'s own file'); // other files stay
    const steps = readFileSync(join(old, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).not.toContain(99); // the old records were replaced, not appended to
  });

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
});
