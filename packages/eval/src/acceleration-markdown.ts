/** The markdown people read of an acceleration result: eval.md's and compare.md's "Acceleration" section. */
import type { Acceleration, CompareAcceleration, FactorClaim } from './acceleration-schema';
import { formatFactor } from './acceleration';

const f3 = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`);
const yesNo = (holds: boolean | null): string => (holds === null ? 'not judged' : holds ? 'yes' : 'no');

/** One table row of a factor claim (its T, or the closest T when none passes). */
function claimRow(name: string, claim: FactorClaim): string[] {
  const t = claim.test === null ? '—' : `${claim.test.steps}${claim.steps === null ? ' (closest)' : ''}`;
  const threshold = claim.test === null ? '—' : claim.test.threshold.toFixed(3);
  // no row could be judged (too few seeds): the claim was not tested, which is not a "no"
  const holds = claim.steps !== null ? 'yes' : claim.test === null ? 'not judged' : 'no';
  return [name, t, claim.factor === null ? '—' : formatFactor(claim.factor), f3(claim.test?.margin ?? null), threshold, holds];
}

/** An acceleration result as a table (one row per claim), its one-line statements and the rows each claim left out. */
export interface AccelerationTable {
  /** How the claims were judged, in one sentence. */
  readonly intro: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly statements: readonly string[];
  readonly skipped: readonly string[];
}

/** The claims of an acceleration result as a table, the form eval.md, compare.md and `speedrl report` show. */
export function accelerationTable(a: Acceleration): AccelerationTable {
  const { referenceSteps: T, sigmas: k, minSeeds, maxRecallDrop } = a.config;
  const rows: string[][] = [
    ...(a.vsBase === null ? [] : [claimRow(`vs the base: base FCD(${T}) − FCD(T) > ${k}σ`, a.vsBase)]),
    claimRow(`vs itself: FCD(T) − FCD(${T}) ≤ ${k}σ`, a.vsItself),
    ...(a.noQualityTraded === null ? [] : [[
      `no quality traded: FCD(${T}) − base FCD(${T}) ≤ ${k}σ`, String(T), '—', f3(a.noQualityTraded.difference), a.noQualityTraded.threshold?.toFixed(3) ?? '—', yesNo(a.noQualityTraded.holds),
    ]]),
    ...(a.recall === null ? [] : [[
      `recall at the vs-base T ≥ ${((1 - maxRecallDrop) * 100).toFixed(0)}% of the base's at T = ${T}`, String(a.recall.steps ?? '—'), '—',
      a.recall.drop === null ? '—' : `${a.recall.drop > 0 ? '−' : '+'}${Math.abs(a.recall.drop * 100).toFixed(1)}%`, `−${(maxRecallDrop * 100).toFixed(0)}%`, yesNo(a.recall.holds),
    ]]),
  ];
  const equal = a.atEqualSteps ?? [];
  rows.push(...equal.map((e) => [
    `at equal steps: base FCD(T) − FCD(T) > ${k}σ`, String(e.steps), '—', f3(e.margin), e.threshold.toFixed(3), e.verdict === 'better' ? 'yes' : `no (${e.verdict})`,
  ]));
  const equalLine = equal.length === 0 ? [] : [`at equal steps vs the base: ${equal.map((e) => `T = ${e.steps} ${e.verdict} (margin ${f3(e.margin)}, ${k}σ ${e.threshold.toFixed(3)})`).join('; ')}`];
  const skipped = ([['vs the base', a.vsBase], ['vs itself', a.vsItself]] as const).flatMap(([name, claim]) => (claim === null || claim.skipped.length === 0 ? [] : [
    `${name}, rows left out: ${claim.skipped.map((s) => `T = ${s.steps} ${s.reason}`).join('; ')}`,
  ]));
  return {
    intro: `FCD mean ± sample std over seeds; beyond noise = more than ${k}σ, σ the larger of the two rows' seed stds; every row used needs ≥ ${minSeeds} seeds. T_ref = ${T}.${a.base === null ? '' : ` Base: ${a.base}.`}`,
    header: ['claim', 'T', 'factor', 'margin', 'threshold', 'holds'],
    rows,
    statements: [...[a.vsBase, a.vsItself, a.noQualityTraded, a.recall].flatMap((p) => (p === null ? [] : [p.statement])), ...equalLine],
    skipped,
  };
}

/** The markdown section of one model's acceleration: a table of the claims, each claim's line, the skipped rows. */
export function accelerationMarkdown(a: Acceleration, heading = '## Acceleration'): string {
  const t = accelerationTable(a);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    heading, '',
    t.intro,
    '',
    line(t.header),
    '|---|---:|---:|---:|---:|---|',
    ...t.rows.map(line), '',
    ...t.statements.map((s) => `- ${s}`),
    ...t.skipped.map((s) => `- ${s}`), '',
  ].join('\n');
}

/** compare.md's acceleration section: one sub-section per model, each against the first model (the base). */
export function compareAccelerationMarkdown(c: CompareAcceleration): string {
  const intro = `## Acceleration (method ${c.method}; base = ${c.base}, the first model)\n\n`;
  return intro + c.models.map((m) => accelerationMarkdown(m.acceleration, `### ${m.model}`)).join('\n');
}
