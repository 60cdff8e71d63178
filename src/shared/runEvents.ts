// Things that happen to a run besides its metrics: settings changed while it trained, and resumptions
// from a checkpoint. They are saved with the run and marked on every chart at their step.
import type { TrainConfig } from './config';
import { describeChange, withChanges, type SettingChange } from './liveSettings';
import { runEventSchema } from './schema/run';

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

/** Whether a value read from a file is a well-formed event (the run-file schema's event schema). */
export function isRunEvent(v: unknown): v is RunEvent {
  return runEventSchema.safeParse(v).success;
}
