import { byteToUnicode, parseClipTokenizer } from './tokenizer';
import { TINY_VOCAB_SIZE, tinyTokenizerJson } from './tiny-clip-fixture';

// Tiny vocabulary: 'a'..'z', '-', '/' = 0..27; the same + '</w>' = 28..55; 'ph' 56, 'pho' 57, 'to</w>' 58, 'photo</w>' 59;
// <|startoftext|> 60, <|endoftext|> 61.
const letter = (ch: string): number => 'abcdefghijklmnopqrstuvwxyz-/'.indexOf(ch);
const end = (ch: string): number => 28 + letter(ch);

describe('CLIP BPE tokenizer', () => {
  const tok = parseClipTokenizer(tinyTokenizerJson(), 'tiny');

  it('applies merges by rank and the end-of-word suffix (hand case)', () => {
    // "photo": p h o t o</w> → ph o t o</w> → pho t o</w> → pho to</w> → photo</w>.
    expect(tok.encode('photo')).toEqual([59]);
    expect(tok.encode('A  Photo OF')).toEqual([end('a'), 59, letter('o'), end('f')]);
    // "T-shirt/top" splits into letters / punctuation runs: t | - | shirt | / | top.
    expect(tok.encode('T-shirt/top')).toEqual([
      end('t'), end('-'), letter('s'), letter('h'), letter('i'), letter('r'), end('t'), end('/'), letter('t'), letter('o'), end('p'),
    ]);
    expect(parseClipTokenizer(tinyTokenizerJson(true), 'pairs').encode('photo')).toEqual([59]);
    expect(tok.encode('é')).toEqual([61, 61]); // two UTF-8 bytes missing from the vocabulary → unk_token (<|endoftext|>)
    const noUnk = { ...tinyTokenizerJson(), model: { ...(tinyTokenizerJson().model as object), unk_token: null } };
    expect(() => parseClipTokenizer(noUnk, 'tiny').encode('é')).toThrow(/symbol "Ã" of "é" is not in model.vocab and there is no unk_token/);
  });

  it('adds start/end, pads with the end token (HF convention), truncates keeping the end token', () => {
    expect([tok.bosId, tok.eosId, tok.padId, tok.vocabSize]).toEqual([60, 61, 61, TINY_VOCAB_SIZE]);
    const b = tok.tokenize(['a photo', 'abcdefgh'], 6);
    expect(Array.from(b.inputIds.subarray(0, 6))).toEqual([60, end('a'), 59, 61, 61, 61]);
    expect(Array.from(b.attentionMask.subarray(0, 6))).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(b.inputIds.subarray(6))).toEqual([60, 0, 1, 2, 3, 61]);
    expect(Array.from(b.attentionMask.subarray(6))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(parseClipTokenizer(tinyTokenizerJson(), 'tiny', { padId: 0 }).tokenize(['a'], 4).inputIds).toEqual(Int32Array.of(60, end('a'), 61, 0));
  });

  it('maps bytes as GPT-2 does (printable bytes to themselves, others shifted past 255)', () => {
    const t = byteToUnicode();
    expect(t[65]).toBe('A');
    expect(t[32]).toBe('Ġ');
    expect(new Set(t).size).toBe(256);
  });

  it('rejects malformed tokenizer.json files naming the field', () => {
    expect(() => parseClipTokenizer({ model: { type: 'WordPiece' } }, 'x.json')).toThrow(/x.json.*model.type must be "BPE"/);
    expect(() => parseClipTokenizer({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] } }, 'x.json')).toThrow(/no "<\|startoftext\|>" token/);
    expect(() => parseClipTokenizer({ model: { type: 'BPE', vocab: { a: 0 }, merges: ['a b c'] } }, 'x.json')).toThrow(/model.merges\[0\] must be "a b" or \[a, b\]/);
    expect(() => parseClipTokenizer(null, 'x.json')).toThrow(/with a "model" field/);
  });
});
