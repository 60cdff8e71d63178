// Which tfjs settings make the step faster on this WebGPU adapter (bench/README.md, "fallbackFlags"):
// each candidate of FLAG_CANDIDATES against tfjs's defaults, then the set the engine applies on software
// adapters (FALLBACK_FLAGS) against the defaults, for MoCo-v2 and HEXA-MoCo. Blocks are interleaved
// (defaults, setting, setting, defaults) so that a drift in load cancels out. A setting under which the
// device reports errors (an invalid shader: the work is silently skipped) is marked broken, not fast.
import { PRESETS, type TrainConfig } from '../src/shared/config';
import { gpuErrorCount, gpuErrorsSince, watchGpuErrors } from '../src/engine/runtime/counters';
import { defaultFlags, FALLBACK_FLAGS, FLAG_CANDIDATES, setFlags } from '../src/engine/runtime/flags';
import type { FlagValue } from '../src/shared/backendTypes';
import { Rig, round, timeBlock, warmUp } from './rig';

type Flags = Record<string, FlagValue>;
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

async function meanStep(rig: Rig, flags: Flags, steps: number): Promise<number> {
  setFlags({ ...defaultFlags(), ...flags });
  await warmUp(rig, 1, false); // new programs compile here
  return (await timeBlock(rig, steps)).meanStepSeconds;
}

/** Interleaved A/B of `flags` against the defaults: blocks off, on, on, off. */
async function abTest(rig: Rig, flags: Flags, steps: number) {
  const errorsBefore = gpuErrorCount();
  const secs = { defaults: [] as number[], setting: [] as number[] };
  for (let b = 0; b < 4; b++) {
    const on = b === 1 || b === 2;
    secs[on ? 'setting' : 'defaults'].push(await meanStep(rig, on ? flags : {}, steps));
  }
  const errors = gpuErrorsSince(errorsBefore);
  return {
    ...secs,
    ratio: round(mean(secs.setting) / mean(secs.defaults), 2),
    gpuErrors: errors.length,
    firstGpuError: errors[0] ?? null,
  };
}

export async function benchFallbackFlags(log: (m: string) => void, steps: number) {
  watchGpuErrors();
  const cfg: TrainConfig = { ...PRESETS.tiny.config, method: 'hexa-moco' };
  const rig = new Rig(cfg);
  const saved = setFlags(defaultFlags());
  try {
    rig.hardExamples(false);
    await warmUp(rig, 1, false);
    const candidates: Record<string, unknown> = {};
    const faster: string[] = [];
    for (const [name, c] of Object.entries(FLAG_CANDIDATES)) {
      const r = await abTest(rig, { [name]: c.tried }, steps);
      const broken = r.gpuErrors > 0;
      if (!broken && r.ratio < 0.95) faster.push(name);
      candidates[name] = { ...c, ...r, broken };
      log(
        `flags: MoCo-v2 with ${name} = ${String(c.tried)}: ${r.ratio}× the defaults' step time${broken ? ` BROKEN (${r.gpuErrors} GPU errors: ${r.firstGpuError})` : ''}`,
      );
    }
    const applied: Record<string, unknown> = {};
    for (const [method, on] of [
      ['moco-v2', false],
      ['hexa-moco', true],
    ] as const) {
      rig.hardExamples(on);
      await warmUp(rig, 1, false);
      applied[method] = await abTest(rig, FALLBACK_FLAGS, steps);
      log(
        `flags: ${method} with the applied set: ${(applied[method] as { ratio: number }).ratio}× the defaults`,
      );
    }
    const appliedNames = Object.keys(FALLBACK_FLAGS).sort();
    return {
      preset: 'tiny',
      stepsPerBlock: steps,
      candidates,
      measuredFaster: faster,
      applied: FALLBACK_FLAGS,
      appliedMatchesMeasurement: JSON.stringify(appliedNames) === JSON.stringify([...faster].sort()),
      appliedVsDefaults: applied,
      note: 'ratio = mean step seconds with the setting ÷ with tfjs defaults (below 1 = faster), from 4 interleaved blocks (defaults, setting, setting, defaults), each after one untimed step (new programs compile there); "broken" = the WebGPU device reported errors with the setting (its work was skipped, so its time means nothing); measuredFaster = not broken and ratio < 0.95; the engine applies `applied` (runtime/flags.ts FALLBACK_FLAGS) on software fallback adapters only',
    };
  } finally {
    setFlags(saved);
    rig.dispose();
  }
}
