import { describe, expect, it } from 'vitest';
import { PRESETS } from './config';
import {
  checkLiveChange,
  describeChange,
  editedLive,
  fixedChanges,
  settingChanges,
  withChanges,
} from './liveSettings';
import { configAt, describeEvent, isRunEvent, type RunEvent } from './runEvents';

const base = { ...PRESETS.tiny.config, method: 'hexa-moco' as const, epsilon: 4, lr: 0.06 };

describe('live settings', () => {
  it('lists the live settings that differ, and the fixed ones apart', () => {
    const to = { ...base, epsilon: 8, cutmix: !base.cutmix, batchSize: base.batchSize * 2, seed: 99 };
    expect(settingChanges(base, to)).toEqual([
      { key: 'cutmix', from: base.cutmix, to: !base.cutmix },
      { key: 'epsilon', from: 4, to: 8 },
    ]);
    expect(fixedChanges(base, to).sort()).toEqual(['batchSize', 'seed']);
    expect(withChanges(base, settingChanges(base, to))).toEqual({
      ...base,
      epsilon: 8,
      cutmix: !base.cutmix,
    });
  });

  it('takes only the live settings of a form over the running config', () => {
    const form = { ...base, method: 'moco-v2' as const, lr: 0.01 };
    const changes = editedLive(base, form, base);
    expect(withChanges(base, changes)).toEqual({ ...base, lr: 0.01 }); // the method stays the running one
  });

  it('offers only the settings edited since the run started, as changes of the running config', () => {
    const form = { ...base, adversarial: true, cutmix: true }; // the user's HEXA settings
    const arm = { ...form, adversarial: false }; // an ablation arm: +cut-mix only
    expect(editedLive(form, form, arm)).toEqual([]); // no edit: the arm's own switch is not "pending"
    const edited = { ...form, epsilon: 8, seed: 3 };
    expect(editedLive(form, edited, arm)).toEqual([{ key: 'epsilon', from: 4, to: 8 }]);
    expect(editedLive(form, { ...form, epsilon: 8 }, { ...arm, epsilon: 8 })).toEqual([]); // already so
  });

  it('refuses fixed or invalid changes with the setting named', () => {
    expect(() => checkLiveChange(base, { ...base, batchSize: 64 })).toThrow(
      'These settings are fixed for a run and cannot change while it trains: Batch size.',
    );
    expect(() => checkLiveChange(base, { ...base, epsilon: -1 })).toThrow(/ε|epsilon/i);
    expect(checkLiveChange(base, { ...base })).toEqual([]);
  });

  it('describes a change with the form label', () => {
    expect(describeChange({ key: 'lr', from: 0.06, to: 0.01 })).toBe('Learning rate 0.06 → 0.01');
    expect(describeChange({ key: 'cutmix', from: true, to: false })).toMatch(/ on → off$/);
  });
});

describe('run events', () => {
  const at = (step: number) => ({ step, epoch: step / 10, elapsedMs: step * 100 });
  const events: RunEvent[] = [
    { kind: 'settings', ...at(5), changes: [{ key: 'epsilon', from: 4, to: 8 }] },
    { kind: 'resume', ...at(6), lostSteps: 2 },
    {
      kind: 'settings',
      ...at(9),
      changes: [
        { key: 'epsilon', from: 8, to: 2 },
        { key: 'lr', from: 0.06, to: 0.1 },
      ],
    },
  ];

  it('rebuilds the config in effect at any step', () => {
    expect(configAt(base, events, 4)).toEqual(base);
    expect(configAt(base, events, 5)).toEqual({ ...base, epsilon: 8 });
    expect(configAt(base, events, 100)).toEqual({ ...base, epsilon: 2, lr: 0.1 });
  });

  it('labels events for the charts', () => {
    expect(describeEvent(events[1]!)).toBe('resumed (2 steps redone)');
    expect(describeEvent({ kind: 'resume', ...at(3), lostSteps: 0 })).toBe('resumed');
    expect(describeEvent(events[2]!)).toMatch(/^ε .* 8 → 2, Learning rate 0.06 → 0.1$/);
  });

  it('accepts well-formed events from a file and refuses malformed ones', () => {
    events.forEach((e) => expect(isRunEvent(e)).toBe(true));
    expect(isRunEvent(JSON.parse(JSON.stringify(events[2])))).toBe(true);
    expect(isRunEvent(null)).toBe(false);
    expect(isRunEvent({ ...events[1], lostSteps: 'two' })).toBe(false);
    expect(isRunEvent({ ...events[0], step: NaN })).toBe(false);
    expect(isRunEvent({ ...events[0], kind: 'other' })).toBe(false);
    const batch = { key: 'batchSize', from: 8, to: 16 }; // fixed for a run: never a live change
    expect(isRunEvent({ ...events[0], changes: [batch] })).toBe(false);
    expect(isRunEvent({ ...events[0], changes: [{ key: 'lr', from: 0.1, to: true }] })).toBe(false);
  });
});
