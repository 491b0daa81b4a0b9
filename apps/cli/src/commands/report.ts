/**
 * `speedrl report RUN_DIR`: flags of `writeRunReport` (@speedrl/report), one self-contained offline HTML file from a
 * run directory — run config, training curves, FCD at eval points, Pareto plots, sample grids and the ablation table.
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { bundleIdentity } from '@speedrl/pipeline';
import { writeRunReport } from '@speedrl/report';
import { parseFlag } from '../flags';
import { UsageError } from '../errors';

const path = z.string().min(1, 'a non-empty path');

/** Registers `report` on the program. */
export function reportCommand(io: TextIo): Command {
  const cmd = new Command('report')
    .description('write one offline HTML report of a run: config, training curves, FCD, Pareto plots, grids, ablations')
    .argument('<RUN_DIR>', 'run directory (run.json, metrics.jsonl, grids/, eval-*/eval.json, compare/compare.json, ablations.json)')
    .option('--out <file>', 'output HTML file (default RUN_DIR/report.html)')
    .option('--eval <dir...>', 'more eval directories (each with eval.json from `speedrl eval`)')
    .option('--compare <dir>', 'compare directory with compare.json (default RUN_DIR/compare)')
    .option('--ablations <file>', 'ablations.json (default RUN_DIR/ablations.json)')
    .option('--title <text>', 'report title')
    .option('--force', 'replace an existing --out, only a report written earlier (never another HTML file)')
    .option('--json', 'print {out, sections} on stdout')
    .addHelpText('after', `
Sections whose inputs are absent are omitted with a one-line note. An existing --out is refused unless --force,
which replaces only an earlier report. The file is self-contained (Chart.js and the
PNG grids are inlined): it opens offline. Acceleration claims are recomputed from the rows (and the base eval.json
they name) and compare.json's rows from its cells; evals that record different floors get one floor line each.
Exit 2 for a missing RUN_DIR, a malformed input file (the message names the file and the field) or one whose rows
or claims its measurements do not give (edited, or its base re-measured since), 1 for other failures.

Examples:
  $ speedrl report runs/speedrl-1
  $ speedrl report runs/speedrl-1 --eval runs/eval-base runs/eval-rl --out runs/speedrl-1/with-evals.html
  $ speedrl report runs/speedrl-1 --compare runs/compare --ablations runs/ablations/ablations.json --json
`);
  return cmd.action(async (runDirArg: unknown, flags: Record<string, unknown>) => {
    const runDir = parseFlag('RUN_DIR', path, runDirArg);
    const optional = (flag: string, value: unknown) => (value === undefined ? undefined : parseFlag(flag, path, value));
    const evalDirs = flags.eval === undefined ? undefined : parseFlag('--eval', z.array(path), flags.eval);
    const out = optional('--out', flags.out);
    if (out !== undefined && !/\.html?$/i.test(out)) throw new UsageError(`--out: must name an .html file (the report is one self-contained HTML page), got "${out}"`);
    const compareDir = optional('--compare', flags.compare);
    const ablationsFile = optional('--ablations', flags.ablations);
    const title = optional('--title', flags.title);
    const result = await writeRunReport(runDir, {
      ...(out !== undefined ? { out } : {}), ...(evalDirs !== undefined ? { evalDirs } : {}), ...(compareDir !== undefined ? { compareDir } : {}),
      ...(ablationsFile !== undefined ? { ablationsFile } : {}), ...(title !== undefined ? { title } : {}), force: flags.force === true,
      modelIdentity: bundleIdentity, // an eval of an earlier state of its model is refused, not shown as the current one
    });
    if (flags.json === true) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    for (const s of result.sections) io.stderr(`  ${s.included ? '+' : '-'} ${s.title}${s.note !== undefined ? `: ${s.note}` : ''}\n`);
    io.stdout(`wrote ${result.out} (offline, self-contained)\n`);
  });
}
