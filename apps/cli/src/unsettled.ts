/** What `speedrl` says when the process ends before its command finished (see main.ts). */

/** The message for a command (`argv` as typed) that ended unfinished: the event loop `drained` with a promise pending, or something called process.exit. */
export function unsettledExitMessage(argv: readonly string[], drained: boolean): string {
  const command = argv.find((a) => !a.startsWith('-')) ?? '(no command)';
  const why = drained
    ? 'a promise never settled (a --reward module that never resolves?)'
    : 'the process exited mid-run (a module that calls process.exit?)';
  return `speedrl: ${command} ended before it finished: ${why}; its outputs are incomplete (a run keeps its last checkpoint)\n`;
}
