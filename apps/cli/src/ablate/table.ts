/** ablations.json rows (apps/cli/src/report/schemas.ts `ablationsSchema`) from eval.json files, and ablations.md. */
import type { MeanStdJson } from '@speedrl/eval';
import type { AblationRow, Ablations } from '@speedrl/report';
import { readKnobs } from './variants';

/** The part of an eval.json row an ablation row takes. */
export interface EvalRowLike {
  readonly steps: number;
  readonly fcd: { readonly mean: number | null; readonly std: number | null };
  readonly precision: { readonly mean: number | null; readonly std: number | null };
  readonly recall: { readonly mean: number | null; readonly std: number | null };
  readonly accuracy: { readonly mean: number | null; readonly std: number | null };
}

/** One evaluated model of the ablation: a variant's accelerated model, or the base as reference; `eval`: the eval.json its rows come from. */
export interface AblationEntry extends Pick<AblationRow, 'eval'> {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly evalRows: readonly EvalRowLike[];
  readonly evalSteps: readonly number[];
  readonly stepsMean?: number;
  readonly notes?: string;
}

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
const stat = (m: EvalRowLike['fcd']): MeanStdJson => ({ mean: finite(m.mean), std: finite(m.std) });

/** One row per (entry, eval T), in the order given; a T missing from an eval.json is an error naming the entry. */
export function ablationRows(entries: readonly AblationEntry[]): AblationRow[] {
  return entries.flatMap((e) => e.evalSteps.map((t): AblationRow => {
    const r = e.evalRows.find((row) => row.steps === t);
    if (r === undefined) throw new Error(`ablate: the eval of "${e.name}" has no row for T = ${t}`);
    return {
      name: e.name, config: e.config, evalSteps: t, fcd: stat(r.fcd), precision: stat(r.precision), recall: stat(r.recall), accuracy: stat(r.accuracy),
      ...(e.stepsMean !== undefined ? { stepsMean: e.stepsMean } : {}), ...(e.notes !== undefined ? { notes: e.notes } : {}), ...(e.eval !== undefined ? { eval: e.eval } : {}),
    };
  }));
}

/** The budget sentence of ablations.json, e.g. "10 min of RL on this machine each". */
export function budgetText(budgetMinutes: number, iterationsCap: number | undefined): string {
  if (budgetMinutes <= 0) return `${iterationsCap ?? 'unlimited'} iterations of RL each (no time limit)`;
  return `${budgetMinutes} min of RL on this machine each${iterationsCap !== undefined ? `, at most ${iterationsCap} iterations` : ''}`;
}

/** The notes of a variant's rows: why and when its run stopped. */
export function runNotes(stoppedBy: string, iterations: number, elapsedMs: number): string {
  return `stopped by ${stoppedBy} after ${iterations} iteration${iterations === 1 ? '' : 's'} (${(elapsedMs / 60_000).toFixed(1)} min of RL)`;
}

const pm = (m: MeanStdJson, digits: number): string =>
  (m.mean === null ? 'n/a' : `${m.mean.toFixed(digits)}${m.std !== null && m.std > 0 ? ` ± ${m.std.toFixed(digits)}` : ''}`);
const cell = (text: string): string => text.replace(/\|/g, '\\|');
// an ablations.json written before the rows left out unread knobs may hold an adaptive run's step choices: not shown
const configText = (c: Record<string, unknown>): string =>
  Object.entries(readKnobs(c)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');

/** ablations.md: the budget, then one markdown table of every row. */
export function ablationsMarkdown(a: Ablations): string {
  const header = ['variant', 'config', 'eval T', 'FCD ↓', 'precision ↑', 'recall ↑', 'class acc. ↑', 'steps mean (RL)', 'notes'];
  const lines = [
    '# speedrl ablate',
    '',
    `Each variant trained with ${a.budget}; all evaluated with the same seeds on the evaluation classifier.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...a.rows.map((r) => `| ${[r.name, configText(r.config), String(r.evalSteps), pm(r.fcd, 2), pm(r.precision, 3), pm(r.recall, 3), pm(r.accuracy, 3),
      r.stepsMean === undefined ? '' : r.stepsMean.toFixed(2), r.notes ?? ''].map(cell).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
