/** The `speedrl` program: subcommands, help with examples, exit codes 0/1/2, errors on stderr. */
import { Command, CommanderError } from 'commander';
import { ablateCommand } from './commands/ablate';
import { accelerateCommand } from './commands/accelerate';
import { compareCommand } from './commands/compare';
import { demoCommand } from './commands/demo';
import { evalCommand } from './commands/eval';
import { infoCommand } from './commands/info';
import { reportCommand } from './commands/report';
import { rewardsCommand } from './commands/rewards';
import { trainClassifierCommand } from './commands/train-classifier';
import { sampleCommand } from './commands/sample';
import { trainMaskgitCommand } from './commands/train-maskgit';
import { trainVqCommand } from './commands/train-vq';
import { tuneScheduleCommand } from './commands/tune-schedule';
import { lockMark, releaseLocksSince } from '@speedrl/pipeline';
import { configOrigins, exitCodeOf, withConfigOrigin } from './errors';
import { processIo, type TextIo } from '@speedrl/core';

declare const __SPEEDRL_VERSION__: string | undefined;

/** Builds the program with every subcommand, writing through `io`. */
export function buildProgram(io: TextIo = processIo): Command {
  const program = new Command('speedrl')
    .description('Speed-RL: train masked generative image models, then make them sample in fewer steps with RL.')
    .version(typeof __SPEEDRL_VERSION__ === 'string' ? __SPEEDRL_VERSION__ : '0.0.0-dev', '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .addHelpText('after', '\nExamples:\n  $ speedrl train-vq --preset fmnist --out runs/vq\n  $ speedrl train-maskgit --preset fmnist --tokenizer runs/vq/tokenizer --out runs/maskgit\n  $ speedrl sample --model runs/maskgit --steps 12 --out grid.png\n  $ speedrl info\n');
  for (const cmd of [trainVqCommand(io), trainMaskgitCommand(io), trainClassifierCommand(io), sampleCommand(io), accelerateCommand(io), evalCommand(io), compareCommand(io), tuneScheduleCommand(io), rewardsCommand(io), demoCommand(io, runCli), ablateCommand(io, runCli), reportCommand(io), infoCommand(io)]) {
    program.addCommand(cmd);
  }
  // every command, nested ones (`rewards list`) included, throws a CommanderError (usage → exit 2, help → 0) into runCli
  // and writes to io (was: `rewards list --jsn` exited 1 from commander itself)
  const wire = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    c.commands.forEach(wire);
  };
  program.commands.forEach(wire);
  return program;
}

/**
 * The first long option `argv` gives twice (`--steps 2 … --steps 4`), or undefined. The last value wins (the usual
 * override idiom of scripts, `"$@"` after defaults), but never silently: `runCli` says which. Variadic options
 * (`report --eval a b`) and repeatable ones (`accelerate --reward a --reward b`, an array default) may repeat; the scan
 * stops at `--`.
 */
export function repeatedOption(program: Command, argv: readonly string[]): string | undefined {
  const command = program.commands.find((c) => c.name() === argv[0]);
  const variadic = new Set((command?.options ?? []).filter((o) => o.variadic || Array.isArray(o.defaultValue)).map((o) => o.long));
  const seen = new Set<string>();
  for (const token of argv.slice(1)) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const name = token.split('=')[0] as string;
    if (variadic.has(name)) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: TextIo = processIo): Promise<number> {
  const program = buildProgram(io);
  const repeated = repeatedOption(program, argv);
  if (repeated !== undefined) io.stderr(`${argv[0] ?? 'speedrl'}: note: ${repeated} is given more than once; the last value is used\n`);
  const mark = lockMark(); // run-directory locks this command takes are released when it ends
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit through here with code 0; commander already printed usage errors
      return error.exitCode === 0 ? 0 : 2;
    }
    io.stderr(`speedrl: ${error instanceof Error ? withConfigOrigin(error.message, program.commands.map((c) => configOrigins.get(c)).find((o) => o !== undefined)) : String(error)}\n`);
    return exitCodeOf(error);
  } finally {
    releaseLocksSince(mark);
  }
}
