// For the worker's tests: a log of every reply the worker code posted in the current test, checked
// after each test against the page's reply schema (shared/schema/replies.ts), so a reply the page would
// refuse fails the test that built it.
import { afterEach, expect } from 'vitest';
import type { WorkerReply } from '../shared/protocol';
import { readWorkerReply } from '../shared/schema/replies';

/** Registers the after-each check in the calling test file; push every posted reply into the result. */
export function checkedReplyLog(): WorkerReply[] {
  const log: WorkerReply[] = [];
  afterEach(() => {
    const refused = log
      .map((m) => ({ type: m.type, r: readWorkerReply(m) }))
      .filter((x) => !x.r.ok)
      .map((x) => `${x.type}: ${x.r.ok ? '' : x.r.reason}`);
    log.length = 0;
    expect(refused).toEqual([]);
  });
  return log;
}
