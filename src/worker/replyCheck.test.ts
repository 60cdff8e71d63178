import { describe, expect, it, vi } from 'vitest';
import type { WorkerReply } from '../shared/protocol';
import { badReplyMessage, receiveReply } from './replyCheck';

const metrics = {
  step: 2,
  epoch: 0.5,
  totalSteps: 10,
  lr: 0.01,
  values: { loss: 1.5 },
  imagesPerSec: 100,
  elapsedMs: 50,
  numTensors: 12,
};

describe('receiveReply (the page-side gate)', () => {
  it('dispatches a valid reply as sent and reports nothing', () => {
    const onReply = vi.fn();
    const onBad = vi.fn();
    const sample: WorkerReply = { type: 'metrics', point: metrics };
    expect(receiveReply(sample, onReply, onBad)).toBe(true);
    expect(onReply).toHaveBeenCalledWith(sample);
    expect(onReply.mock.calls[0]![0]).toBe(sample);
    expect(onBad).not.toHaveBeenCalled();
  });

  it('drops a malformed reply and reports its type and first bad field', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const onReply = vi.fn();
    const onBad = vi.fn();
    expect(receiveReply({ type: 'metrics', point: { ...metrics, step: 'two' } }, onReply, onBad)).toBe(false);
    expect(receiveReply(42, onReply, onBad)).toBe(false);
    expect(onReply).not.toHaveBeenCalled();
    expect(onBad.mock.calls.map((c) => c[0] as string)).toEqual([
      'The page ignored a malformed reply \'metrics\' from the training worker: point.step: expected a number, got the text "two".',
      badReplyMessage(42, 'the value: expected an object, got 42'),
    ]);
    expect(badReplyMessage(42, 'x')).toBe(
      'The page ignored a malformed reply without a type (42) from the training worker: x.',
    );
    warn.mockRestore();
  });
});
