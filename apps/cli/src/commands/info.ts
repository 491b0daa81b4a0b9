/** `speedrl info`: which tfjs backend starts here, and why; versions of the engines. */
import { Command } from 'commander';
import { initBackend } from '@speedrl/tensor-utils';
import type { TextIo } from '@speedrl/core';
import { backendFlag, parseFlag } from '../flags';

/** Registers `info` on the program. */
export function infoCommand(io: TextIo): Command {
  return new Command('info')
    .description('show the tfjs backend this machine gets (and why) and the runtime versions')
    .option('--backend <name>', 'backend to try first: auto, tensorflow, wasm, cpu', 'auto')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', '\nExamples:\n  $ speedrl info\n  $ speedrl info --backend cpu --json\n')
    .action(async (opts: { backend: string; json?: boolean }) => {
      const report = await initBackend({ prefer: parseFlag('--backend', backendFlag, opts.backend) });
      const info = { node: process.versions.node, platform: `${process.platform}-${process.arch}`, ...report };
      if (opts.json === true) {
        io.stdout(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      io.stdout(`node ${info.node} on ${info.platform}\nbackend: ${report.reason}\n`);
      for (const t of report.tried) io.stdout(`  ${t.ok ? 'ok  ' : 'skip'} ${t.name}: ${t.detail}\n`);
    });
}
