/**
 * `@speedrl/core` — seeded RNG, safetensors checkpoints, atomic writes, metrics logs, file hashes, learning-rate schedules, usage errors, text io and progress; no runtime dependencies.
 *
 * @packageDocumentation
 */
export { Rng } from './rng';
export type { RngState } from './rng';
export {
  encodeSafetensors, decodeSafetensors, readRecordedSafetensors, readSafetensors, readSafetensorsHeader, writeSafetensors, requireTensor,
} from './safetensors';
export type { SafeTensorMap, SafetensorsContents } from './safetensors';
export { SafetensorsError } from './safetensors-header';
export type { SafetensorsHeader, SafetensorsTensorInfo } from './safetensors-header';
export { float32ToF16, f16ToFloat32, float32ToBf16, bf16ToFloat32 } from './safetensors-dtypes';
export type { SafeTensor, SafetensorsDtype, SafetensorsArrayTypes } from './safetensors-dtypes';
export { namedWriteError, writeFileAtomic, writeJsonAtomic } from './atomic-write';
export type { AtomicWriteOptions } from './atomic-write';
export { appendJsonl, readJsonl, trimJsonlToStep } from './metrics-log';
export type { JsonlContents } from './metrics-log';
export { CHECKPOINT_COMPLETE_MARKER, findCheckpointDir, removeStaleStagingDirs, verifyCheckpointDir, writeCheckpointDir, type FindCheckpointOptions } from './checkpoint-dir';
export { checkRecordedSha256, contentKey, sha256File, sha256Hex } from './file-hash';
export { faultPoint } from './fault-point';
export { learningRateAt } from './lr-schedule';
export type { LrCooldown, LrDecay, LrSchedule, LrScheduleBase } from './lr-schedule';
export { UsageError, InterruptedError, configOrigins, flagOf, withConfigOrigin, type ConfigOrigin } from './errors';
export { processIo } from './text-io';
export type { TextIo } from './text-io';
export { createProgress } from './progress';
export type { Progress, ProgressOptions } from './progress';
export { ensureWritableDir, ensureWritableFile } from './output-path';
export { checkOutsideInputs, isWithin, realPathOf } from './output-path';
export { checkConfigFields, mergeConfig } from './config-merge';
export { showValue } from './show-value';
export { REPLACED_MARKER, checkReplacedStash, dropReplaced, replacedNote, replacedStashOf, setAsideReplaced, stashStaging } from './replaced-results';
export type { SetAside } from './replaced-results';
