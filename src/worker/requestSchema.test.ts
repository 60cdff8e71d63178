import { describe, expect, it } from 'vitest';
import { PRESETS } from '../shared/config';
import { readWorkerRequest } from './requestSchema';

describe('worker messages', () => {
  it('a well-formed request passes; a malformed one names the field', () => {
    const config = PRESETS.tiny.config;
    expect(readWorkerRequest({ type: 'start', config }).ok).toBe(true);
    const folder = { kind: 'folder', files: [{ path: 'a/b.png', file: new Blob(['x']) }] };
    const options = {
      name: 'n',
      size: 16,
      channels: 1,
      cropPolicy: 'pad',
      testShare: 0.2,
      seed: 1,
      onPartial: 'keep',
    };
    expect(readWorkerRequest({ type: 'import-dataset', source: folder, options }).ok).toBe(true);
    const bad = readWorkerRequest({ type: 'start', config: { ...config, lr: 'fast' } });
    expect(bad.ok === false && bad.reason).toBe('config.lr: expected a number, got the text "fast"');
    const unknown = readWorkerRequest({ type: 'format-disk' });
    expect(unknown.ok === false && unknown.reason).toContain('type: expected one of "init", "start"');
    const action = readWorkerRequest({ type: 'run-action', id: 'a', action: { kind: 'rename' } });
    expect(action.ok === false && action.reason).toBe('action.name: expected text, got nothing');
    expect(readWorkerRequest(null).ok).toBe(false);
  });

  it('fine-tuning requests: 1 %, 10 % or 100 % of the labels, nothing else', () => {
    expect(readWorkerRequest({ type: 'finetune', runId: 'r1', fraction: 0.01, seed: 1 }).ok).toBe(true);
    expect(readWorkerRequest({ type: 'finetune', runId: 'r1', fraction: 1, seed: 2 }).ok).toBe(true);
    const odd = readWorkerRequest({ type: 'finetune', runId: 'r1', fraction: 0.5, seed: 1 });
    expect(odd.ok === false && odd.reason).toMatch(/^fraction: /);
    const noRun = readWorkerRequest({ type: 'finetune', fraction: 0.1, seed: 1 });
    expect(noRun.ok === false && noRun.reason).toMatch(/^runId: /);
    expect(readWorkerRequest({ type: 'cancel-finetune' }).ok).toBe(true);
  });
});
