import { buildProgram, repeatedOption, runCli } from './cli';
import { exitCodeOf, UsageError } from './errors';
import { captureIo as capture } from './test-cli';

describe('speedrl', () => {
  it('prints help with examples and exits 0', async () => {
    const io = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/Usage: speedrl/);
    expect(io.out.join('')).toMatch(/Examples:/);
  });

  it('exits 2 with the error on stderr for an unknown command or flag', async () => {
    const io = capture();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err.join('')).toMatch(/unknown command 'frobnicate'/);
    const io2 = capture();
    expect(await runCli(['info', '--nope'], io2)).toBe(2);
    expect(io2.err.join('')).toMatch(/unknown option '--nope'/);
    expect(io2.out.join('')).toBe('');
  });

  it('says when an option is given twice and the last value wins (it was silent)', async () => {
    const io = capture();
    expect(await runCli(['info', '--backend', 'webgpu', '--backend=cpu', '--json'], io)).toBe(0);
    expect(io.err.join('')).toBe('info: note: --backend is given more than once; the last value is used\n');
    expect(JSON.parse(io.out.join('')).tried[0].name).toBe('cpu'); // the last value, not the first (which is invalid)
    const program = buildProgram(capture());
    expect(repeatedOption(program, ['eval', '--model', 'm', '--steps', '2', '--n', '10', '--steps', '4'])).toBe('--steps');
    // a variadic option may repeat; tokens after `--` are not options
    expect(repeatedOption(program, ['report', 'runs/x', '--eval', 'a', '--eval', 'b'])).toBeUndefined();
    expect(repeatedOption(program, ['accelerate', '--reward', 'a.mjs', '--reward', 'b.mjs'])).toBeUndefined(); // repeatable: collected
    expect(repeatedOption(program, ['sample', '--seed', '1', '--', '--seed'])).toBeUndefined();
    expect(repeatedOption(program, ['sample', '--seed', '1', '--steps', '2'])).toBeUndefined();
  });

  it('info --json reports the backend chosen and why', async () => {
    const io = capture();
    expect(await runCli(['info', '--json'], io)).toBe(0);
    const info = JSON.parse(io.out.join(''));
    expect(info.backend).toBe('wasm');
    expect(info.tried.map((t: { name: string }) => t.name)).toEqual(['tensorflow', 'wasm']);
  });

  it('exits 2 naming the flag and the expected values for a bad flag value', async () => {
    const io = capture();
    expect(await runCli(['info', '--backend', 'webgpu'], io)).toBe(2);
    expect(io.err.join('')).toMatch(/^speedrl: --backend: .*'auto' \| 'tensorflow' \| 'wasm' \| 'cpu'.*\(got "webgpu"\)/);
  });

  it('maps errors to exit codes: usage 2, anything else 1', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new Error('disk full'))).toBe(1);
    expect(exitCodeOf(Object.assign(new Error('bad'), { code: 'commander.unknownOption' }))).toBe(2);
  });

  it('rewards list names every registered reward', async () => {
    const io = capture();
    expect(await runCli(['rewards', 'list', '--json'], io)).toBe(0);
    const names = JSON.parse(io.out.join('')).map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(['classifier', 'realism', 'clip', 'speed']));
  });

  it('rewards list says which rewards accelerate takes and by which flag, clip from code only (was: clip listed as one accelerate trains against)', async () => {
    const json = capture();
    expect(await runCli(['rewards', 'list', '--json'], json)).toBe(0);
    const flags = Object.fromEntries(JSON.parse(json.out.join('')).map((r: { name: string; accelerateFlag: string | null }) => [r.name, r.accelerateFlag]));
    expect(flags).toEqual({ classifier: '--w-classifier', realism: '--w-realism', mmd: '--w-mmd', clip: null, speed: '--speed-weight' });
    const text = capture();
    expect(await runCli(['rewards', 'list'], text)).toBe(0);
    expect(text.out.join('')).toMatch(/^clip .*\n +→ not a speedrl accelerate option: from code only \(its factory in @speedrl\/rewards-clip-fid\), or a --reward module wrapping it$/m);
    expect(text.out.join('')).toMatch(/^mmd .*\n +→ speedrl accelerate --w-mmd WEIGHT$/m);
  });

  it('a nested command (rewards list) exits 2 on a usage error and 0 on --help, writing to io (was: exit 1 from commander)', async () => {
    for (const [argv, message] of [[['rewards', 'list', '--jsn'], /unknown option '--jsn'/], [['rewards', 'list', 'extra'], /too many arguments for 'list'/]] as const) {
      const io = capture();
      expect(await runCli([...argv], io)).toBe(2);
      expect(io.err.join('')).toMatch(message);
    }
    const help = capture();
    expect(await runCli(['rewards', 'list', '--help'], help)).toBe(0);
    expect(help.out.join('')).toMatch(/Usage: speedrl rewards list/);
    expect(help.err.join('')).toBe('');
  });
});
