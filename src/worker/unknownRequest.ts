// The worker's answer to a message it has no handler for, instead of silence: a page and a worker from
// different builds (a cached worker after an update), or a bug, then show up as a message.
import type { WorkerReply } from '../shared/protocol';

/** The 'request-error' reply naming the request's type (or saying that it has none). */
export function unknownRequestReply(msg: unknown): WorkerReply {
  const type =
    typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string'
      ? (msg as { type: string }).type
      : null;
  return {
    type: 'request-error',
    request: type ?? '',
    message:
      type === null
        ? 'The training worker got a message without a type and ignored it.'
        : `The training worker does not know the request '${type}': reload the page (the page and the worker may come from different versions of the lab).`,
  };
}
