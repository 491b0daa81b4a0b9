import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a script that reaches three fault points, with `env`; returns how it ended and its fault log. */
function runPoints(env: Record<string, string>): { signal: NodeJS.Signals | null; status: number | null; log: string; after: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'fault-'));
  const script = join(dir, 'points.ts');
  writeFileSync(script, `
import { writeFileSync } from 'node:fs';
import { faultPoint } from ${JSON.stringify(join(__dirname, 'fault-point.ts'))};
faultPoint('one'); faultPoint('two'); faultPoint('three');
writeFileSync(${JSON.stringify(join(dir, 'after'))}, 'done');
`);
  const log = join(dir, 'faults.log');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, SPEEDRL_FAULT_LOG: log, ...env }, encoding: 'utf8' });
  return { signal: r.signal, status: r.status, log: existsSync(log) ? readFileSync(log, 'utf8') : '', after: existsSync(join(dir, 'after')) };
}

describe('faultPoint', () => {
  it('logs every point reached, in order, and changes nothing else', () => {
    const r = runPoints({});
    expect(r).toEqual({ signal: null, status: 0, log: '1\tone\n2\ttwo\n3\tthree\n', after: true });
  });

  it('SPEEDRL_KILL_AT=n kills the process with SIGKILL at the n-th point, before anything after it runs', () => {
    const r = runPoints({ SPEEDRL_KILL_AT: '2' });
    expect(r).toEqual({ signal: 'SIGKILL', status: null, log: '1\tone\n2\ttwo\n', after: false });
  });
});
