import { describe, expect, it } from 'vitest';
import { unknownRequestReply } from './unknownRequest';

describe('unknownRequestReply', () => {
  it("names the request's type, or says it had none", () => {
    expect(unknownRequestReply({ type: 'frobnicate', x: 1 })).toEqual({
      type: 'request-error',
      request: 'frobnicate',
      message:
        "The training worker does not know the request 'frobnicate': reload the page (the page and the worker may come from different versions of the lab).",
    });
    for (const bad of [null, 42, 'start', { kind: 'start' }, { type: 7 }])
      expect(unknownRequestReply(bad)).toMatchObject({
        request: '',
        message: 'The training worker got a message without a type and ignored it.',
      });
  });
});
