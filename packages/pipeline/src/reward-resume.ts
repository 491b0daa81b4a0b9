/**
 * `--resume` of an accelerate run with `--reward` modules (README, "Your own reward"): the module files' content key
 * recorded in run.json must match, unless `--allow-changed-reward` accepts an edited module. An accepted change is
 * recorded in run.json (`rewardHistory`: each key with the iteration from which it scored) and every metrics record of
 * a run with user rewards carries the key it was scored with (`rewardKey`), so results never hide the change.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError, contentKey, writeJsonAtomic } from '@speedrl/core';
import { parseRewardSpec, rewardModuleFiles } from './reward-module';
import { RUN_FILES, type RunDir } from './run-dir';

/** One reward-module key of a run and the iteration from which its scores count. */
export interface RewardKeyEntry {
  /** Iteration (checkpoint) from which the module files with this key scored the run. */
  readonly iteration: number;
  /** Content key of the module files (SHA-256 hex); undefined when the run.json recorded none. */
  readonly key: string | undefined;
}

/** The parts of run.json this file reads. */
interface SavedRun {
  options?: Record<string, unknown>;
  identities?: Record<string, string>;
  rewardHistory?: RewardKeyEntry[];
}

/** The `--reward` specs of an options record. */
export const rewardSpecsOf = (opts: Record<string, unknown>): string[] => (Array.isArray(opts.reward) ? opts.reward.map(String) : []);

/**
 * A `--reward` spec as what it loads: the module file resolved against `cwd` (every spec names a file: `loadRewardModule`
 * resolves it so), its export and weight; `./r.mjs`, `r.mjs:default` and `r.mjs=1.0` are one spec.
 */
export function rewardSpecIdentity(spec: string, cwd = process.cwd()): string {
  const s = parseRewardSpec(spec);
  return `${resolve(cwd, s.path)}:${s.exportName}=${s.weight}`;
}

/** Content key of the module files of `specs` (their own files, resolved against the working directory). */
export async function rewardKeyOf(specs: readonly string[]): Promise<string> {
  return (await contentKey(rewardModuleFiles(specs), null)).key;
}

/** run.json of `dir`, or undefined when it is missing or unreadable (opening the run says what is wrong). */
async function readSavedRun(dir: string): Promise<SavedRun | undefined> {
  const path = join(dir, RUN_FILES.run);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as SavedRun;
  } catch {
    return undefined;
  }
}

/** An accepted change of the reward modules on `--resume`. */
export interface RewardChange {
  /** The key run.json recorded (undefined: none). */
  readonly from: string | undefined;
  /** The key of the files now. */
  readonly to: string;
  /** run.json's history before this resume (its first entry the run's start when it had none). */
  readonly history: readonly RewardKeyEntry[];
}

const short = (key: string | undefined): string => (key === undefined ? 'none recorded' : `${key.slice(0, 12)}…`);

/** What {@link checkRewardResume} found: an accepted change, the recorded history, and the run's own spelling of its specs. */
export interface RewardResume {
  readonly change?: RewardChange;
  readonly history?: readonly RewardKeyEntry[];
  /** The specs as run.json records them (a resume that spells them otherwise, `r.mjs` for `./r.mjs`, keeps these). */
  readonly specs?: readonly string[];
}

/**
 * Checks `--reward` of a resumed run in `dir` before the run is opened: another list of specs is refused (even with
 * `allowChanged`; another spelling of the same files, exports and weights is the same list), and changed module files
 * unless `allowChanged`; returns the accepted change, if any, and the run's own spelling of the list.
 */
export async function checkRewardResume(dir: string, overrides: Record<string, unknown>, allowChanged: boolean): Promise<RewardResume> {
  const saved = await readSavedRun(dir);
  if (saved === undefined) return {};
  const was = rewardSpecsOf(saved.options ?? {});
  const given = overrides.reward === undefined ? was : rewardSpecsOf(overrides);
  if (JSON.stringify(given.map((s) => rewardSpecIdentity(s))) !== JSON.stringify(was.map((s) => rewardSpecIdentity(s)))) {
    throw new UsageError(
      `--reward: the list differs from the run's (it was started with ${JSON.stringify(was)}, got ${JSON.stringify(given)}); a resumed run keeps its reward ` +
        'modules: the same files, exports and weights in the same order (--allow-changed-reward accepts edited files, not another list); start a new run with another --out to change it',
    );
  }
  const specs = was; // the key names each file as the run spelled it
  if (specs.length === 0) return { specs };
  let now: string;
  try {
    now = await rewardKeyOf(specs);
  } catch {
    return { specs }; // a missing module: loading it says what is wrong
  }
  const recorded = saved.identities?.['--reward'];
  if (now === recorded) return { history: saved.rewardHistory, specs };
  if (!allowChanged) {
    throw new UsageError(
      `--reward: the module files changed since this run started (content key ${short(recorded)}, now ${short(now)}); --resume needs them unchanged, so ` +
        'restore them, or pass --allow-changed-reward to continue this run with the edited module (the change is recorded in run.json and metrics.jsonl), or start a new run with another --out',
    );
  }
  return { change: { from: recorded, to: now, history: saved.rewardHistory ?? [{ iteration: 0, key: recorded }] }, specs };
}

/**
 * Every `--reward` key a resumed run has recorded, the current `key` included: run.json's history (before an accepted
 * `change`, its earlier key too) and key; a checkpoint scored with any of them is the run's own (`checkCheckpointRun`).
 */
export function recordedRewardKeys(key: string, change: RewardChange | undefined, history: readonly RewardKeyEntry[] | undefined): string[] {
  const entries = change?.history ?? history ?? [];
  const keys = [...entries.map((e) => e.key), change?.from, key].filter((k): k is string => k !== undefined);
  return [...new Set(keys)];
}

/**
 * Wraps an open run: `start()` also records the reward key in run.json (the new one and `rewardHistory` after an
 * accepted change at `iteration`, the earlier history otherwise), and `log()` stamps each record with `rewardKey`.
 */
export function withRewardRecord(run: RunDir, key: string, change: RewardChange | undefined, history: readonly RewardKeyEntry[] | undefined, iterationOf: () => Promise<number>): RunDir {
  return {
    ...run,
    async start() {
      await run.start();
      if (change === undefined && history === undefined) return;
      const path = join(run.dir, RUN_FILES.run);
      const saved = JSON.parse(await readFile(path, 'utf8')) as SavedRun & Record<string, unknown>;
      const rewardHistory = change === undefined ? history : [...change.history, { iteration: await iterationOf(), key }];
      await writeJsonAtomic(path, { ...saved, identities: { ...saved.identities, '--reward': key }, rewardHistory });
    },
    log: (record) => run.log({ ...record, rewardKey: key.slice(0, 12) }),
  };
}
