import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TextIo } from '@speedrl/core';
import { installInterruptHandler, installStopHint } from './interrupt';

describe('installInterruptHandler', () => {
  it('asks to stop on the first SIGINT and aborts with 130 on the second', () => {
    const err: string[] = [];
    const exits: number[] = [];
    const h = installInterruptHandler({ isTTY: false, stdout: () => undefined, stderr: (t) => err.push(t) }, (c) => exits.push(c));
    try {
      expect(h.stop.requested).toBe(false);
      process.emit('SIGINT', 'SIGINT');
      expect(h.stop.requested).toBe(true);
      expect(h.stop.signal).toBe('SIGINT');
      expect(exits).toEqual([]);
      expect(err.join('')).toMatch(/stopping after this step and saving a checkpoint/);
      process.emit('SIGTERM', 'SIGTERM');
      expect(exits).toEqual([130]);
    } finally {
      h.dispose();
    }
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('installStopHint', () => {
  const capture = (): { io: TextIo; err: string[] } => {
    const err: string[] = [];
    return { io: { isTTY: false, stdout: () => undefined, stderr: (t) => err.push(t) }, err };
  };

  it('exits 130 on SIGINT, pointing at --resume when the result file exists and saying nothing was saved otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-stop-hint-'));
    try {
      const file = join(dir, 'eval.json');
      const exits: number[] = [];
      const a = capture();
      const remove = installStopHint(a.io, 'eval', file, (c) => exits.push(c));
      process.emit('SIGINT', 'SIGINT');
      expect(a.err.join('')).toBe('\nspeedrl: SIGINT: eval stopped before anything was saved\n');
      writeFileSync(file, '{}');
      process.emit('SIGTERM', 'SIGTERM');
      expect(a.err.join('')).toMatch(new RegExp(`SIGTERM: eval stopped; what finished is saved in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: continue with the same command and --resume\n$`));
      expect(exits).toEqual([130, 130]);
      remove();
      expect(process.listenerCount('SIGINT')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays out of the way of a job that handles SIGINT itself (demo, ablate)', () => {
    const exits: number[] = [];
    const outer = installInterruptHandler(capture().io, (c) => exits.push(c));
    try {
      const remove = installStopHint(capture().io, 'eval', '/nonexistent', (c) => exits.push(c));
      expect(process.listenerCount('SIGINT')).toBe(1);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([]);
      expect(outer.stop.requested).toBe(true);
      remove();
    } finally {
      outer.dispose();
    }
  });
});
