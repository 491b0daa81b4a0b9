/**
 * The CLIP text tokenizer (Radford et al. 2021; openai/CLIP `simple_tokenizer.py`) read from a Hugging Face
 * `tokenizer.json` (tokenizers library format): lower-cased, whitespace-collapsed text, CLIP's pre-tokenisation
 * regex, GPT-2 byte-to-unicode mapping, byte-pair merges with the end-of-word suffix `</w>`, then
 * `<|startoftext|> … <|endoftext|>` truncated / padded to the context length (77 for CLIP).
 */
import { readFile } from 'node:fs/promises';

/** Token ids and attention mask of a batch of prompts. */
export interface TokenizedBatch {
  /** `[count, contextLength]`: `<|startoftext|>`, BPE ids, `<|endoftext|>`, then `padId`. */
  readonly inputIds: Int32Array;
  /** `[count, contextLength]`: 1 for real tokens (specials included), 0 for padding. */
  readonly attentionMask: Int32Array;
  readonly count: number;
  readonly contextLength: number;
}

/** A CLIP BPE tokenizer. */
export interface ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  /** Padding id: `padding.pad_id` of the file when set, else `<|endoftext|>` (Hugging Face CLIPTokenizer's pad token). */
  readonly padId: number;
  readonly vocabSize: number;
  /** BPE ids of `text`, without start/end tokens. */
  encode(text: string): number[];
  /** Start + ids + end, truncated (keeping the end token) and padded to `contextLength`. */
  tokenize(texts: readonly string[], contextLength: number): TokenizedBatch;
}

/** Options of {@link parseClipTokenizer}. */
export interface ClipTokenizerOptions {
  /** Overrides the padding id (open_clip pads with 0). */
  readonly padId?: number;
}

const START = '<|startoftext|>';
const END = '<|endoftext|>';
/** CLIP's pre-tokenisation pattern (simple_tokenizer.py; the Split pre-tokenizer of CLIP's tokenizer.json). */
const PRE_TOKEN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;

/** GPT-2's reversible byte → printable-unicode table (Radford et al. 2019, `bytes_to_unicode`). */
export function byteToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const table: string[] = new Array<string>(256);
  for (const b of keep) table[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + extra++);
  return table;
}

function fail(source: string, message: string): never {
  throw new Error(`tokenizer.ts (${source}): ${message}`);
}

/** Byte-pair merging of one pre-token's symbols (lowest merge rank first, as simple_tokenizer.py `bpe`). */
function bpe(symbols: string[], ranks: Map<string, number>): string[] {
  let word = symbols;
  while (word.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < word.length - 1; i++) {
      const r = ranks.get(`${word[i]}\u0000${word[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    const first = word[best] as string;
    const second = word[best + 1] as string;
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (word[i] === first && word[i + 1] === second && i < word.length - 1) {
        merged.push(first + second);
        i++;
      } else merged.push(word[i] as string);
    }
    word = merged;
  }
  return word;
}

/** Builds a {@link ClipTokenizer} from parsed `tokenizer.json` content; errors name the file and the field. */
export function parseClipTokenizer(json: unknown, source = '<json>', options: ClipTokenizerOptions = {}): ClipTokenizer {
  const root = json as { model?: Record<string, unknown>; added_tokens?: unknown; padding?: unknown } | null;
  if (root === null || typeof root !== 'object' || typeof root.model !== 'object' || root.model === null) {
    fail(source, 'expected a Hugging Face tokenizer.json object with a "model" field');
  }
  const model = root.model;
  if (model.type !== 'BPE') fail(source, `model.type must be "BPE" (a CLIP tokenizer), got ${JSON.stringify(model.type)}`);
  const vocabObj = model.vocab as Record<string, unknown> | undefined;
  if (vocabObj === undefined || typeof vocabObj !== 'object' || vocabObj === null || Array.isArray(vocabObj)) {
    fail(source, 'model.vocab must be an object { token: id }');
  }
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(vocabObj)) {
    if (!Number.isInteger(id) || (id as number) < 0) fail(source, `model.vocab["${tok}"] must be a non-negative integer id, got ${JSON.stringify(id)}`);
    vocab.set(tok, id as number);
  }
  if (!Array.isArray(model.merges)) fail(source, 'model.merges must be an array of "a b" strings or [a, b] pairs');
  const ranks = new Map<string, number>();
  model.merges.forEach((m: unknown, i: number) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      fail(source, `model.merges[${i}] must be "a b" or [a, b], got ${JSON.stringify(m)}`);
    }
    const key = `${pair[0]}\u0000${pair[1]}`;
    if (!ranks.has(key)) ranks.set(key, i);
  });
  const suffix = typeof model.end_of_word_suffix === 'string' ? model.end_of_word_suffix : '';
  const special = new Map<string, number>();
  if (Array.isArray(root.added_tokens)) {
    for (const t of root.added_tokens as { id?: unknown; content?: unknown }[]) {
      if (typeof t?.content === 'string' && Number.isInteger(t.id)) special.set(t.content, t.id as number);
    }
  }
  const specialId = (tok: string): number =>
    special.get(tok) ?? vocab.get(tok) ?? fail(source, `no "${tok}" token in added_tokens or model.vocab; a CLIP tokenizer needs it`);
  const bosId = specialId(START);
  const eosId = specialId(END);
  for (const [tok, id] of [[START, bosId], [END, eosId]] as const) special.set(tok, id);
  const filePad = (root.padding as { pad_id?: unknown } | null | undefined)?.pad_id;
  const padId = options.padId ?? (Number.isInteger(filePad) ? (filePad as number) : eosId);
  const unk = typeof model.unk_token === 'string' ? (vocab.get(model.unk_token) ?? special.get(model.unk_token)) : undefined;
  const bytes = byteToUnicode();
  const encoder = new TextEncoder();
  const cache = new Map<string, number[]>();
  let vocabSize = 0;
  for (const id of [...vocab.values(), ...special.values()]) vocabSize = Math.max(vocabSize, id + 1);

  const encodeWord = (word: string): number[] => {
    const hit = cache.get(word);
    if (hit !== undefined) return hit;
    const chars = Array.from(encoder.encode(word), (b) => bytes[b] as string);
    chars.push(`${chars.pop() ?? ''}${suffix}`); // the end-of-word suffix rides on the last symbol
    const ids = bpe(chars, ranks).map((sym) => vocab.get(sym) ?? unk ?? fail(source, `symbol "${sym}" of "${word}" is not in model.vocab and there is no unk_token`));
    cache.set(word, ids);
    return ids;
  };
  const encode = (text: string): number[] => {
    const clean = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
    const ids: number[] = [];
    for (const match of clean.matchAll(PRE_TOKEN)) {
      const sp = special.get(match[0]);
      if (sp !== undefined) ids.push(sp);
      else ids.push(...encodeWord(match[0]));
    }
    return ids;
  };
  const tokenize = (texts: readonly string[], contextLength: number): TokenizedBatch => {
    if (!Number.isInteger(contextLength) || contextLength < 2) fail(source, `contextLength must be an integer ≥ 2, got ${contextLength}`);
    const inputIds = new Int32Array(texts.length * contextLength).fill(padId);
    const attentionMask = new Int32Array(texts.length * contextLength);
    texts.forEach((text, b) => {
      const body = encode(text).slice(0, contextLength - 2);
      const ids = [bosId, ...body, eosId];
      inputIds.set(ids, b * contextLength);
      attentionMask.fill(1, b * contextLength, b * contextLength + ids.length);
    });
    return { inputIds, attentionMask, count: texts.length, contextLength };
  };
  return { bosId, eosId, padId, vocabSize, encode, tokenize };
}

/** Reads and parses a `tokenizer.json` file. */
export async function loadClipTokenizer(path: string, options: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`tokenizer.ts: cannot read "${path}"${code === 'ENOENT' ? ' (file missing)' : `: ${String(error)}`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`tokenizer.ts: "${path}" is not valid JSON: ${(error as Error).message}`);
  }
  return parseClipTokenizer(json, path, options);
}
