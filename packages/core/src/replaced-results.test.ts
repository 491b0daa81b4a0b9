import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLACED_MARKER, checkReplacedStash, dropReplaced, replacedStashOf, setAsideReplaced, stashStaging } from './replaced-results';

describe('setAsideReplaced / dropReplaced (what --force replaces stays until the new result is complete)', () => {
  const root = mkdtempSync(join(tmpdir(), 'replaced-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const result = (name: string): string => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'grids'), { recursive: true });
    writeFileSync(join(dir, 'eval.json'), 'old result');
    writeFileSync(join(dir, 'grids', 'a.png'), 'old grid');
    writeFileSync(join(dir, 'notes.md'), 'the user\'s');
    return dir;
  };

  it('names the stash of a folder and of a file result', () => {
    expect(replacedStashOf('/r/out', 'dir')).toBe('/r/out/.replaced');
    expect(replacedStashOf('/r/tuned.json', 'file')).toBe('/r/.tuned.json.replaced');
    expect(stashStaging('/r/out/.replaced')).toBe('/r/out/.replaced.staging');
  });

  it('moves the named entries (nested ones too) aside, keeps the others, and drops the stash at the end', async () => {
    const dir = result('moved');
    const stash = replacedStashOf(dir, 'dir');
    expect(await setAsideReplaced(dir, ['eval.json', 'grids/a.png', 'eval.md'], stash)).toBe('moved');
    expect(readFileSync(join(stash, 'eval.json'), 'utf8')).toBe('old result');
    expect(readFileSync(join(stash, 'grids', 'a.png'), 'utf8')).toBe('old grid');
    expect(existsSync(join(dir, 'eval.json'))).toBe(false);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('the user\'s');
    await dropReplaced(stash);
    expect(readdirSync(dir).sort()).toEqual(['grids', 'notes.md']);
  });

  it('keeps the stash an unfinished --force left: the files now in place are that run\'s and are removed', async () => {
    const dir = result('kept');
    const stash = replacedStashOf(dir, 'dir');
    await setAsideReplaced(dir, ['eval.json'], stash);
    writeFileSync(join(dir, 'eval.json'), 'unfinished new result');
    expect(await setAsideReplaced(dir, ['eval.json'], stash)).toBe('kept');
    expect(readFileSync(join(stash, 'eval.json'), 'utf8')).toBe('old result');
    expect(existsSync(join(dir, 'eval.json'))).toBe(false);
  });

  it('a stash emptied by hand (its files moved back, the folder left) is no earlier result: what is in place is set aside again, not removed', async () => {
    const dir = result('restored');
    const stash = replacedStashOf(dir, 'dir');
    await setAsideReplaced(dir, ['eval.json'], stash);
    renameSync(join(stash, 'eval.json'), join(dir, 'eval.json')); // the user goes back to it
    expect(await setAsideReplaced(dir, ['eval.json'], stash)).toBe('moved');
    expect(readFileSync(join(stash, 'eval.json'), 'utf8')).toBe('old result');
  });

  it('a stash partly emptied by hand: the files it lacks join it again, whatever is in place (never deleted)', async () => {
    const dir = result('partly');
    const stash = replacedStashOf(dir, 'dir');
    await setAsideReplaced(dir, ['eval.json', 'grids/a.png'], stash);
    renameSync(join(stash, 'eval.json'), join(dir, 'eval.json')); // moved back, the grid left behind
    writeFileSync(join(dir, 'grids', 'a.png'), 'unfinished run\'s grid');
    expect(await setAsideReplaced(dir, ['eval.json', 'grids/a.png'], stash)).toBe('kept');
    expect(readFileSync(join(stash, 'eval.json'), 'utf8')).toBe('old result');
    expect(readFileSync(join(stash, 'grids', 'a.png'), 'utf8')).toBe('old grid');
    expect(existsSync(join(dir, 'grids', 'a.png'))).toBe(false);
  });

  it('completes a staging folder a kill left, and makes nothing when there is nothing to set aside', async () => {
    const dir = result('staged');
    const stash = replacedStashOf(dir, 'dir');
    mkdirSync(stashStaging(stash));
    writeFileSync(join(stashStaging(stash), REPLACED_MARKER), '');
    writeFileSync(join(stashStaging(stash), 'eval.md'), 'old table'); // moved before the kill
    expect(await setAsideReplaced(dir, ['eval.json', 'eval.md'], stash)).toBe('moved');
    expect(readdirSync(stash).sort()).toEqual([REPLACED_MARKER, 'eval.json', 'eval.md']);
    expect(existsSync(stashStaging(stash))).toBe(false);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(await setAsideReplaced(empty, ['eval.json'], replacedStashOf(empty, 'dir'))).toBe('none');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('a drop cut short leaves no partial stash in the stash\'s place (it is renamed first), and the next call clears it', async () => {
    const dir = result('dropped');
    const stash = replacedStashOf(dir, 'dir');
    await setAsideReplaced(dir, ['eval.json'], stash);
    mkdirSync(`${stash}.drop`); // as a kill during the rm of an earlier drop leaves it (not empty)
    writeFileSync(join(`${stash}.drop`, REPLACED_MARKER), '');
    writeFileSync(join(`${stash}.drop`, 'eval.json'), 'older');
    await dropReplaced(stash);
    expect(existsSync(stash) || existsSync(`${stash}.drop`)).toBe(false);
  });

  it('never takes a file, a link or a folder made by hand for the stash: refused before anything moves, and never deleted', async () => {
    const dir = result('foreign');
    const stash = replacedStashOf(dir, 'dir');
    mkdirSync(stash);
    writeFileSync(join(stash, 'mine.txt'), 'the user\'s folder');
    expect(() => checkReplacedStash(stash)).toThrow(`--out: "${stash}" is in the way: --force keeps the result it replaces there until the new one completes, and this is no folder --force made`);
    await expect(setAsideReplaced(dir, ['eval.json'], stash)).rejects.toThrow('is in the way');
    expect(readFileSync(join(dir, 'eval.json'), 'utf8')).toBe('old result'); // the result in place was not taken for an unfinished run's
    await dropReplaced(stash);
    expect(readFileSync(join(stash, 'mine.txt'), 'utf8')).toBe('the user\'s folder');
    rmSync(stash, { recursive: true });
    writeFileSync(stash, 'a file');
    expect(() => checkReplacedStash(stash)).toThrow('is in the way');
    rmSync(stash);
    symlinkSync(join(root, 'nowhere'), stash);
    expect(() => checkReplacedStash(stash)).toThrow('is in the way');
    rmSync(stash);
    symlinkSync(join(root, 'nowhere'), stashStaging(stash));
    expect(() => checkReplacedStash(stash)).toThrow(`"${stashStaging(stash)}" is in the way`);
  });
});
