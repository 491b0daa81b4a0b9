import { installInterruptHandler } from './interrupt';

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
