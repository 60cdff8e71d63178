// Things that happen to a run besides its metrics: settings changed while it trained, and resumptions
// from a checkpoint. They are saved with the run and marked on every chart at their step.
import type { TrainConfig } from '../config';
import { describeChange, isLiveKey, withChanges, type SettingChange } from '../liveSettings';

interface EventAt {
  step: number; // steps done when it happened; a settings change applies from step + 1 on
  epoch: number; // fractional epochs done
  elapsedMs: number; // training time so far, pauses excluded
}

export interface SettingsEvent extends EventAt {
  kind: 'settings';
  changes: SettingChange[];
}

export interface ResumeEvent extends EventAt {
  kind: 'resume';
  lostSteps: number; // steps trained after the checkpoint and before the interruption, trained again
}

export type RunEvent = SettingsEvent | ResumeEvent;

/** The config in effect after `step` steps: the initial one with every settings change up to `step`. */
export function configAt(initial: TrainConfig, events: readonly RunEvent[], step: number): TrainConfig {
  return events
    .filter((e): e is SettingsEvent => e.kind === 'settings' && e.step <= step)
    .reduce((cfg, e) => withChanges(cfg, e.changes), initial);
}

/** A short label for charts and lists. */
export function describeEvent(e: RunEvent): string {
  if (e.kind === 'resume') return e.lostSteps > 0 ? `resumed (${e.lostSteps} steps redone)` : 'resumed';
  return e.changes.map(describeChange).join(', ');
}

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** Whether a value read from a file is a well-formed event (imported run files are checked with it). */
export function isRunEvent(v: unknown): v is RunEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (!finite(e.step) || !finite(e.epoch) || !finite(e.elapsedMs)) return false;
  if (e.kind === 'resume') return finite(e.lostSteps);
  return (
    e.kind === 'settings' &&
    Array.isArray(e.changes) &&
    e.changes.every(
      (c: unknown) =>
        typeof c === 'object' &&
        c !== null &&
        isLiveKey((c as SettingChange).key) &&
        typeof (c as SettingChange).from === typeof (c as SettingChange).to,
    )
  );
}
