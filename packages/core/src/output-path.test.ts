import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutsideInputs, ensureWritableDir, ensureWritableFile } from './output-path';

describe('checkOutsideInputs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'output-path-'));
    mkdirSync(join(dir, 'model', 'maskgit'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an output inside an input, or the input itself, naming both flags', () => {
    const inputs = { '--model': join(dir, 'model'), '--data': join(dir, 'data') };
    expect(() => checkOutsideInputs(join(dir, 'model', 'maskgit', 'model.safetensors'), inputs)).toThrow(/--out: .* is inside --model/);
    expect(() => checkOutsideInputs(join(dir, 'data'), inputs, '--out')).toThrow(/inside --data/);
    expect(() => checkOutsideInputs(join(dir, 'model-tuned.json'), inputs)).not.toThrow();
    expect(() => checkOutsideInputs(join(dir, 'out', 'x.json'), inputs)).not.toThrow();
  });

  it('follows symbolic links (a link into an input is inside it)', () => {
    symlinkSync(join(dir, 'model'), join(dir, 'link'));
    expect(() => checkOutsideInputs(join(dir, 'link', 'new.json'), { '--model': join(dir, 'model') })).toThrow(/inside --model/);
    expect(() => checkOutsideInputs(join(dir, 'model', 'x.png'), { '--model': join(dir, 'link') })).toThrow(/inside --model/);
  });
});

describe('ensureWritableDir / ensureWritableFile: an unwritable --out is a usage error naming the flag and the reason', () => {
  it('a directory without write permission: "permission denied (EACCES)" (as root, checked in a child running as nobody, since root may write anywhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'output-eacces-'));
    try {
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'locked'), { mode: 0o555 });
      const target = join(dir, 'locked', 'out');
      const expected = `UsageError --out: cannot write to "${target}": permission denied (EACCES)`;
      const check = `import(${JSON.stringify(join(__dirname, 'output-path.ts'))}).then((m) => m.ensureWritableDir(${JSON.stringify(target)}, '--out'))`
        + ".then(() => console.log('written'), (e) => console.log(e.constructor.name, e.message))";
      if (process.getuid?.() === 0) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', check], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: __dirname });
        expect(child.stdout.trim()).toBe(expected);
      } else {
        await expect(ensureWritableDir(target, '--out')).rejects.toThrow(expected.replace('UsageError ', ''));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a file where a directory must be, and a directory where a file must be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'output-kinds-'));
    try {
      mkdirSync(join(dir, 'adir'));
      await expect(ensureWritableFile(join(dir, 'adir'), '--out')).rejects.toThrow(`--out: "${join(dir, 'adir')}" is a directory; give a file name`);
      // a trailing separator names a directory even before it exists (tune-schedule failed with ENOTDIR after its search)
      await expect(ensureWritableFile(`${join(dir, 't.json')}/`, '--out')).rejects.toThrow(`--out: "${join(dir, 't.json')}/" ends with a path separator, so it names a directory; give a file name`);
      writeFileSync(join(dir, 'afile'), 'x');
      await expect(ensureWritableDir(join(dir, 'afile', 'run'), '--out')).rejects.toThrow(`--out: cannot write to "${join(dir, 'afile', 'run')}": a part of the path is a file, not a directory (ENOTDIR)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a symbolic link: to a missing directory is named (was: "a part of the path cannot be created"); as a file --out it is refused (was: replaced by the file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'output-links-'));
    try {
      symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
      await expect(ensureWritableDir(join(dir, 'dangling'), '--out')).rejects.toThrow(`--out: "${join(dir, 'dangling')}" is a symbolic link to "${join(dir, 'nowhere')}", which does not exist; create that directory`);
      mkdirSync(join(dir, 'real'));
      symlinkSync(join(dir, 'real'), join(dir, 'to-real'));
      await expect(ensureWritableDir(join(dir, 'to-real'), '--out')).resolves.toBeUndefined(); // a link to a directory is written through
      await expect(ensureWritableFile(join(dir, 'dangling'), '--out')).rejects.toThrow(/is a symbolic link \(to ".*nowhere"\); the file is written by a rename that would replace the link, not its target/);
      writeFileSync(join(dir, 'tuned.json'), '{}');
      symlinkSync(join(dir, 'tuned.json'), join(dir, 'link.json'));
      await expect(ensureWritableFile(join(dir, 'link.json'), '--out')).rejects.toThrow('is a symbolic link');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
