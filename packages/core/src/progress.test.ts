import { createProgress } from './progress';

function io(isTTY: boolean): { lines: string[]; io: { stdout: (t: string) => void; stderr: (t: string) => void; isTTY: boolean } } {
  const lines: string[] = [];
  return { lines, io: { isTTY, stdout: () => undefined, stderr: (t) => lines.push(t) } };
}

describe('createProgress', () => {
  it('writes plain lines at most every interval when not on a terminal, always the last one', () => {
    let t = 0;
    const out = io(false);
    const p = createProgress({ label: 'train', total: 10, io: out.io, plainIntervalMs: 1000, now: () => t });
    for (let i = 1; i <= 10; i++) {
      t += 400;
      p.update(i, { loss: 1 / i });
    }
    p.finish({ loss: 0.1 });
    expect(out.lines.every((l) => !l.includes('\r'))).toBe(true);
    expect(out.lines[0]).toBe('train 1/10 (10%) elapsed 0s eta ? loss=1\n');
    expect(out.lines.length).toBe(5); // steps 1, 4, 7, 10 and the final line
    expect(out.lines[3]).toMatch(/^train 10\/10 \(100%\) elapsed 4s eta 0s loss=0\.1000\n$/);
    expect(out.lines[4]).toBe('train done in 4s loss=0.1000\n');
  });

  it('redraws one bar in place on a terminal', () => {
    let t = 0;
    const out = io(true);
    const p = createProgress({ label: 'sample', total: 4, io: out.io, now: () => t });
    t = 1000;
    p.update(2);
    // eslint-disable-next-line no-control-regex -- the TTY bar starts with an ANSI erase-line sequence
    expect(out.lines[0]).toMatch(/^\r\x1b\[2Ksample \[#{12}-{12}\] 2\/4 \(50%\)/);
    p.finish();
    expect(out.lines[1]).toBe('\r\x1b[2Ksample done in 1s\n');
  });
});
