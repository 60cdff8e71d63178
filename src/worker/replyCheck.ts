// The page's gate for worker replies: each message is parsed with the reply schema (shared/schema/
// replies.ts) before it is dispatched. A reply that does not parse is dropped and reported once, with its
// type and the first bad field, so a malformed reply never reaches a store or a chart. Kept apart from
// client.ts (which starts the Worker) so that it can be tested without a worker.
import type { WorkerReply } from '../shared/protocol';
import { readWorkerReply } from '../shared/schema/replies';
import { describeValue } from '../shared/schema/issues';

/** The message shown for a reply that was refused: its type and why. */
export function badReplyMessage(data: unknown, reason: string): string {
  const t = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
  const name = typeof t === 'string' ? `'${t.slice(0, 60)}'` : `without a type (${describeValue(data)})`;
  return `The page ignored a malformed reply ${name} from the training worker: ${reason}.`;
}

/**
 * Parses `data`; a valid reply goes to `onReply` as the worker sent it (the schema only checks: nothing
 * is copied or dropped from it), an invalid one to `onBad` with badReplyMessage's text. Returns whether
 * it was dispatched.
 */
export function receiveReply(
  data: unknown,
  onReply: (msg: WorkerReply) => void,
  onBad: (message: string) => void,
): boolean {
  const r = readWorkerReply(data);
  if (!r.ok) {
    console.warn(badReplyMessage(data, r.reason), data);
    onBad(badReplyMessage(data, r.reason));
    return false;
  }
  onReply(data as WorkerReply);
  return true;
}
