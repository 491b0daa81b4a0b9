import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { greyImageToPng } from './png';
import { SAMPLE_MANIFEST, parseSampleManifest, readSampleSetIn, removeListedSampleSet, sampleManifestText } from './sample-manifest';
import { checkSampleOut, writeSampleSet, type SampleSet } from './sample-set';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover'];
const makeSet = (labels: number[]): SampleSet => ({ images: new Float32Array(labels.length * 4).fill(0.5), labels, height: 2, width: 2, classNames: NAMES });
const png = (): Buffer => Buffer.from(greyImageToPng(new Uint8Array(4), 2, 2));

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'sample-manifest-')); });
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('png-dir manifest', () => {
  it('is written with the set: the command, what it was drawn from and each class folder with its count', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([2, 0, 2]), 'png-dir', out, { source: { model: 'mg', modelIdentity: 'ab12' } });
    expect(JSON.parse(readFileSync(join(out, SAMPLE_MANIFEST), 'utf8'))).toEqual({
      command: 'speedrl sample', format: 'png-dir', source: { model: 'mg', modelIdentity: 'ab12' },
      classes: [{ class: 2, name: 'Pullover', dir: '2-pullover', count: 2 }, { class: 0, name: 'T-shirt/top', dir: '0-t-shirt-top', count: 1 }],
    });
    expect(readSampleSetIn(out)).toHaveProperty('manifest');
  });

  it('--force refuses class folders of numbered PNGs that sample did not write, and leaves them (was: removed, recognised by layout)', async () => {
    const real = join(tmp, 'real');
    for (const [dir, files] of [['0-t-shirt-top', ['00000.png']], ['1-trouser', ['00000.png', '00001.png']]] as const) {
      mkdirSync(join(real, dir), { recursive: true });
      for (const f of files) writeFileSync(join(real, dir, f), png());
    }
    const refused = /^--out: ".*real" has no speedrl-sample\.json \(the record speedrl sample writes with each png-dir set; folders laid out like one are not enough\), so it is not a png-dir set speedrl sample wrote; --force replaces only such a set \(nothing was overwritten\)/;
    await expect(checkSampleOut('png-dir', real, true)).rejects.toThrow(refused);
    await expect(writeSampleSet(makeSet([0]), 'png-dir', real, { force: true })).rejects.toThrow(refused);
    expect(readdirSync(join(real, '1-trouser'))).toEqual(['00000.png', '00001.png']);
    writeFileSync(join(real, SAMPLE_MANIFEST), '{"command": "other"}');
    await expect(checkSampleOut('png-dir', real, true)).rejects.toThrow(/has a speedrl-sample\.json that does not say "command": "speedrl sample", "format": "png-dir"/);
  });

  it('--force refuses a set holding a PNG its manifest does not list (added by hand), and names it', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([0, 0]), 'png-dir', out);
    writeFileSync(join(out, '0-t-shirt-top', '00002.png'), png()); // numbered like one, beyond the count
    await expect(checkSampleOut('png-dir', out, true)).rejects.toThrow(/holds 0-t-shirt-top\/00002\.png, which its speedrl-sample\.json does not list/);
    rmSync(join(out, '0-t-shirt-top', '00002.png'));
    rmSync(join(out, '0-t-shirt-top', '00001.png')); // a listed file the user deleted: still the set
    await writeSampleSet(makeSet([1]), 'png-dir', out, { force: true });
    expect(readdirSync(out).sort()).toEqual(['1-trouser', SAMPLE_MANIFEST]);
  });

  it('a replaced set loses only the files its manifest lists; one added during the write is kept, and its folder named', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    const summary = await writeSampleSet(makeSet([1]), 'png-dir', out, {
      force: true, beforeRename: () => writeFileSync(join(out, '0-t-shirt-top', 'mine.txt'), 'precious'), // after the check
    });
    expect(readdirSync(out).sort()).toEqual(['1-trouser', SAMPLE_MANIFEST]);
    expect(summary.kept).toMatch(/\.samples\..*\.old$/);
    const kept = summary.kept as string;
    expect(readFileSync(join(kept, '0-t-shirt-top', 'mine.txt'), 'utf8')).toBe('precious');
    expect(readdirSync(join(kept, '0-t-shirt-top'))).toEqual(['mine.txt']); // the listed PNG went
    expect(existsSync(join(kept, SAMPLE_MANIFEST))).toBe(true);
    await writeSampleSet(makeSet([2]), 'png-dir', out, { force: true });
    expect(readdirSync(tmp).sort()).toEqual([kept.slice(tmp.length + 1), 'samples']); // a clean replace leaves nothing
  });

  it('parses only its own manifests; removeListedSampleSet tolerates listed files already gone', () => {
    expect(parseSampleManifest('not json')).toBe('does not parse as JSON');
    expect(parseSampleManifest(sampleManifestText([{ class: 0, name: 'a', dir: '../x', count: 1 }]))).toMatch(/no valid "classes"/);
    const dir = join(tmp, 'set');
    mkdirSync(join(dir, '0-a'), { recursive: true });
    writeFileSync(join(dir, SAMPLE_MANIFEST), sampleManifestText([{ class: 0, name: 'a', dir: '0-a', count: 3 }, { class: 1, name: 'b', dir: '1-b', count: 1 }]));
    writeFileSync(join(dir, '0-a', '00001.png'), png());
    const manifest = parseSampleManifest(readFileSync(join(dir, SAMPLE_MANIFEST), 'utf8'));
    if (typeof manifest === 'string') throw new Error(manifest);
    expect(removeListedSampleSet(dir, manifest)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});
