import { describe, expect, it } from 'vitest';
import { METHOD_IDS, PRESETS } from '../../shared/config';
import { METHOD_INFO } from '../../shared/catalog';
import {
  MAX_HISTORY_POINTS,
  MAX_RUN_FILE_BYTES,
  RUN_FILE_FORMAT,
  capName,
  cleanTags,
  parseRunFile,
  readRunRecord,
  runFileSizeProblem,
} from '../../shared/schema/run';
import { readManifest } from '../../shared/schema/manifest';
import { checkpointRecordSchema } from './checkpoint';
import { check, describeValue, formatPath, shorten } from '../../shared/schema/issues';
import { configFromQuery } from '../../shared/schema/query';
import { openTestRunStore, putRaw } from '../testing/testDb';
import { StorageError } from '../../shared/data/storageError';
import { sortRecords, storedRunOf } from '../data/runStore';
import type { RunRecord } from '../../shared/records';

/** A saved run as an export holds it (a tiny MoCo-v2 run with two read-backs and one evaluation). */
function fixtureRun(id: string, over: Partial<RunRecord> = {}): RunRecord {
  const point = (step: number, loss: number) => ({
    step,
    epoch: step / 10,
    totalSteps: 20,
    lr: 0.1,
    values: { loss },
    imagesPerSec: 1,
    elapsedMs: 100 * step,
    numTensors: 0,
  });
  return {
    id,
    name: id,
    createdAt: 0,
    updatedAt: 1,
    config: { ...PRESETS.tiny.config, seed: 5 },
    datasetId: 'mnist',
    status: 'done',
    step: 4,
    totalSteps: 4,
    metrics: [point(2, 3), point(4, 2)],
    evals: [
      {
        step: 4,
        epoch: 0.4,
        linearTop1: 0.5,
        knnTop1: 0.4,
        perClass: [0.5, 0.5],
        confusion: [
          [1, 1],
          [1, 1],
        ],
      },
    ],
    tags: [],
    ...over,
  };
}
const fileOf = (run: unknown, format: unknown = RUN_FILE_FORMAT) => JSON.stringify({ format, run });
const good = () => fixtureRun('r1', { name: 'first' });
/** A run with one field replaced (JSON-style path, e.g. ['metrics', 0, 'values', 'loss']). */
function withField(path: (string | number)[], value: unknown): unknown {
  const r = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
  let at: Record<string | number, unknown> = r;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return r;
}
const reasonOf = (text: string) => {
  const r = parseRunFile(text);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.reason;
};

describe('issue messages', () => {
  it('name the path and what was expected, with a shortened value', () => {
    expect(formatPath(['run', 'metrics', 3, 'values', 'loss'])).toBe('run.metrics[3].values.loss');
    expect(formatPath([])).toBe('the value');
    expect(shorten('x'.repeat(100_000))).toBe(`${'x'.repeat(40)}… (100,000 characters)`);
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2])).toBe('a list of 2');
    expect(describeValue('abc')).toBe('the text "abc"');
  });
});

describe('run files', () => {
  it('an exported run reads back as it was (NaN losses, written as null by JSON, included)', () => {
    const r = good();
    r.metrics[1]!.values.loss = NaN;
    const back = parseRunFile(fileOf(r));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.metrics[1]!.values.loss).toBeNaN();
    expect({ ...back.value, metrics: [] }).toEqual({ ...r, metrics: [], events: [] });
  });

  it('fine-tuning points travel in run files; a bad fraction or a score over 1 is named', () => {
    const ft = {
      fraction: 0.01 as const,
      top1: 0.9,
      top5: 0.99,
      fromRandomInit: false,
      trainCount: 32,
      testCount: 100,
      step: 200,
      seed: 1,
    };
    const r = good();
    r.finetunes = [ft, { ...ft, fromRandomInit: true, top1: 0.8, step: 0 }];
    const back = parseRunFile(fileOf(r));
    expect(back.ok && back.value.finetunes).toEqual(r.finetunes);
    expect(
      parseRunFile(fileOf(good())).ok &&
        (parseRunFile(fileOf(good())) as { value: RunRecord }).value.finetunes,
    ).toBeUndefined();
    expect(reasonOf(fileOf({ ...good(), finetunes: [{ ...ft, fraction: 0.05 }] }))).toContain(
      'run.finetunes[0].fraction',
    );
    expect(reasonOf(fileOf({ ...good(), finetunes: [{ ...ft, top1: 91.2 }] }))).toContain(
      'run.finetunes[0].top1',
    );
  });

  it('a run saved before SimCLR existed (no simclrTemperature) still reads, with the default τ', () => {
    const old = withField(['config', 'simclrTemperature'], undefined);
    expect((old as RunRecord).config.simclrTemperature).toBeUndefined();
    const back = parseRunFile(fileOf(old));
    expect(back.ok && back.value.config.simclrTemperature).toBe(PRESETS.tiny.config.simclrTemperature);
    // A link made before it parses too (absent fields come from the preset).
    expect(configFromQuery('preset=tiny&method=moco-v2').config.simclrTemperature).toBe(0.2);
    expect(reasonOf(fileOf(withField(['config', 'simclrTemperature'], 'x')))).toContain('simclrTemperature');
  });

  it('a file that is just null is refused with the path, not a TypeError', () => {
    expect(reasonOf('null')).toContain('the value: expected an object, got null');
    expect(reasonOf('null')).toContain('Nothing was imported.');
  });

  it('text where a number belongs names the field', () => {
    expect(reasonOf(fileOf(withField(['metrics', 0, 'values', 'loss'], 'abc')))).toContain(
      'metrics[0].values.loss: expected a number, got the text "abc"',
    );
  });

  it('an unknown method names the accepted ones', () => {
    const known = METHOD_IDS.map((id) => `"${id}"`).join(', ');
    expect(known).toContain('"moco-v2", "hexa-moco", "deepcluster-v2", "hexa-dcluster"');
    for (const id of ['simclr', 'swav', 'byol', 'lejepa']) expect(known).toContain(`"${id}"`);
    expect(reasonOf(fileOf(withField(['config', 'method'], 'simsiam')))).toContain(
      `run.config.method: expected one of ${known}, got the text "simsiam"`,
    );
  });

  it('config: null is refused; a config field of the wrong type is named', () => {
    expect(reasonOf(fileOf(withField(['config'], null)))).toContain(
      'run.config: expected an object, got null',
    );
    expect(reasonOf(fileOf(withField(['config', 'lr'], '0.1')))).toContain(
      'run.config.lr: expected a number',
    );
  });

  it('older files without evals, events or tags are migrated to empty lists', () => {
    let r: unknown = withField(['evals'], undefined);
    r = { ...(r as object), tags: undefined, events: undefined };
    const back = parseRunFile(fileOf(r));
    expect(back.ok && [back.value.evals, back.value.events, back.value.tags]).toEqual([[], [], []]);
  });

  it('wrong format, not JSON, malformed events', () => {
    expect(reasonOf(fileOf(good(), 'other/2'))).toContain('format: expected "hexa-lab-run/1"');
    expect(reasonOf('{"format":')).toContain('it is not JSON');
    const badEvent = {
      kind: 'settings',
      step: 1,
      epoch: 0,
      elapsedMs: 1,
      changes: [{ key: 'batchSize', from: 1, to: 2 }],
    };
    expect(reasonOf(fileOf(withField(['events'], [badEvent])))).toContain('run.events[0].changes[0].key');
  });

  it('files over the size cap and histories over the point cap are refused before the schema', () => {
    expect(runFileSizeProblem(MAX_RUN_FILE_BYTES)).toBeNull();
    expect(runFileSizeProblem(200_000_000)).toBe(
      'This run file is 200.0 MB; run files of at most 50.0 MB are imported. Nothing was imported.',
    );
    expect(reasonOf(' '.repeat(MAX_RUN_FILE_BYTES + 1))).toContain('at most 50.0 MB');
    const many = withField(
      ['metrics'],
      Array.from({ length: MAX_HISTORY_POINTS + 1 }, () => 0),
    );
    expect(reasonOf(fileOf(many))).toBe(
      'This run file holds 100,001 metric points; at most 100,000 are imported. Nothing was imported.',
    );
  });

  it('__proto__ and constructor keys are dropped and pollute nothing', () => {
    const text = fileOf(good()).replace(
      '"config":{',
      '"config":{"__proto__":{"polluted":1},"constructor":2,',
    );
    const back = parseRunFile(text);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(Object.hasOwn(back.value.config, '__proto__')).toBe(false);
    expect(Object.hasOwn(back.value.config, 'constructor')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names are capped at 80 characters, tags cleaned', () => {
    expect(capName('a'.repeat(10_000))).toHaveLength(80);
    expect(capName('short')).toBe('short');
    expect(cleanTags([' a ', 'a', '', 'b'.repeat(100)])).toEqual(['a', 'b'.repeat(40)]);
  });
});

describe('stored records', () => {
  it('a damaged run record gives the reason; a good one parses', () => {
    expect(readRunRecord(good()).ok).toBe(true);
    const bad = readRunRecord(withField(['metrics', 0, 'values', 'loss'], 'abc'));
    expect(bad.ok === false && bad.reason).toBe(
      'metrics[0].values.loss: expected a number, got the text "abc"',
    );
  });

  it('the run store lists damaged records apart, refuses to read them, and deletes them', async () => {
    const s = await openTestRunStore();
    await s.saveRun(good());
    await putRaw('runs', [{ id: 'broken', config: null }]);
    await s.saveRun(fixtureRun('bad-point', { createdAt: -1 }));
    await putRaw('metrics', [{ runId: 'bad-point', seq: 9, point: { step: 'x' } }]);
    const scan = await s.scanRuns();
    // A damaged history point does not hide its run from the list: it is named when the run is read.
    expect(scan.runs.map((r) => r.id)).toEqual(['r1', 'bad-point']);
    expect(scan.damaged.map((d) => d.id)).toEqual(['broken']);
    await expect(s.getRun('bad-point')).rejects.toThrow(/damaged \(metrics\[2\]\.step: expected a number/);
    await expect(s.getRun('broken')).rejects.toMatchObject({ kind: 'corrupt' });
    await expect(s.getRun('broken')).rejects.toBeInstanceOf(StorageError);
    expect(await s.getRawRun('broken')).toEqual({ id: 'broken', config: null, metrics: [], evals: [] });
    await expect(s.renameRun('broken', 'x')).rejects.toMatchObject({ kind: 'corrupt' });
    await s.deleteRun('broken');
    expect((await s.scanRuns()).damaged).toEqual([]);
  });

  it('stored run records: version 3 (no histories) and version 2 (inline) both read; damage is named', () => {
    const a = good();
    const v3 = storedRunOf(a);
    expect(v3.latest).toEqual({ loss: 2, linearTop1: 0.5, knnTop1: 0.4 });
    expect(sortRecords([['r1', v3]]).runs).toEqual([{ ...v3, events: [] }]);
    expect(sortRecords([['r1', a]]).runs).toEqual([{ ...v3, events: [] }]);
    expect(sortRecords([['r1', { ...a, metrics: 'gone' }]]).damaged).toEqual([
      { id: 'r1', reason: 'metrics: expected a list, got the text "gone"' },
    ]);
    expect(sortRecords([['r1', { ...v3, latest: { loss: 'x' } }]]).damaged[0]!.reason).toContain(
      'latest.loss',
    );
    // Records without `latest` (none yet) read with empty latest values.
    expect(sortRecords([['r1', { ...v3, latest: undefined }]]).runs[0]!.latest).toEqual({
      loss: null,
      linearTop1: null,
      knnTop1: null,
    });
  });

  it('manifests: a damaged one names the field', () => {
    const m = {
      id: 'mnist',
      name: 'MNIST',
      width: 28,
      height: 28,
      channels: 1,
      classNames: ['0'],
      splits: {
        train: { count: 1, chunkSize: 500, chunkCount: 1 },
        test: { count: 1, chunkSize: 500, chunkCount: 1 },
      },
      about: '',
      schemaVersion: 1,
      createdAt: 1,
      complete: true,
    };
    expect(readManifest(m).ok).toBe(true);
    const bad = readManifest({ ...m, channels: 4 });
    expect(bad.ok === false && bad.reason).toContain('channels: expected one of 1, 3, got 4');
  });

  it('checkpoints: a tensor whose data does not fill its shape is refused', () => {
    const t = (n: number) => ({ shape: [2, 2], dtype: 'float32', data: new Float32Array(n) });
    const rec = (n: number) => ({
      runId: 'a',
      savedAt: 1,
      checkpoint: {
        format: 1,
        method: 'moco-v2',
        step: 4,
        totalSteps: 8,
        epoch: 0,
        stepInEpoch: 4,
        elapsedMs: 1,
        savedAt: 1,
        rng: 1,
        methodState: [t(4)],
        methodExtra: null,
        optimizer: [t(n)],
        probe: null,
      },
    });
    expect(check(checkpointRecordSchema, rec(4)).ok).toBe(true);
    const bad = check(checkpointRecordSchema, rec(3));
    expect(bad.ok === false && bad.reason).toContain(
      'checkpoint.optimizer[0]: expected as many values as its shape holds',
    );
  });
});

describe('links', () => {
  it('an unknown method is named with the known ones and replaced by the preset method', () => {
    const { config, errors } = configFromQuery('preset=tiny&method=simsiam');
    expect(config.method).toBe('moco-v2');
    const known = METHOD_IDS.map((id) => `${METHOD_INFO[id].label} (${id})`).join(', ');
    expect(known).toContain('MoCo-v2 (moco-v2), HEXA-MoCo (hexa-moco)');
    expect(errors).toEqual([`Method "simsiam" in the link is not one of ${known}; using MoCo-v2.`]);
  });

  it('long values are shortened in messages; an over-long dataset id is refused', () => {
    const long = 'x'.repeat(100_000);
    const { config, errors } = configFromQuery(`lr=${long}&${long}=1&datasetId=${long}&backbone=${long}`);
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e.length).toBeLessThan(300);
    expect(errors.join(' ')).toContain('(100,000 characters)');
    expect(config.datasetId).toBe(PRESETS['small-gpu'].config.datasetId);
    expect(config.backbone).toBe('tiny-convnet');
  });
});
