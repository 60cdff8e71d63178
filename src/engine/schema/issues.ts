// Turns schema failures into messages a person can act on: each names the field path and what was
// expected, with a shortened copy of what was found. Used for every record that crosses a trust
// boundary (run files, stored records, links, worker messages). No tfjs here: the page imports it too.
import { z } from 'zod';

// No generated parsers: zod's JIT compiles them with new Function, which the lab's CSP refuses.
z.config({ jitless: true });

/** At most `max` characters of `s`; longer text ends in "…" and says how long it was. */
export function shorten(s: string, max = 40): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length.toLocaleString('en-US')} characters)`;
}

/** A short description of any value: its type, and for strings and numbers a shortened copy. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `the text "${shorten(v)}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`;
}

/** `run.metrics[3].values.loss` from ['run', 'metrics', 3, 'values', 'loss']. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || 'the value';
}

const EXPECTED_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  int: 'a whole number',
};

/** One line per issue: "<path>: expected <what>, got <what was there>". */
export function describeIssue(issue: z.core.$ZodIssue, root = ''): string {
  const where = formatPath(issue.path, root);
  const got = 'input' in issue ? `, got ${describeValue(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      const received = (issue as { received?: string }).received;
      return `${where}: expected ${expected}, got ${received ?? describeValue(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const list = values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
      return `${where}: expected ${list}${got}`;
    }
    case 'invalid_union':
      return `${where}: ${issue.message.replace(/^Invalid input/, 'not any of the accepted forms')}${got}`;
    case 'too_big':
    case 'too_small': {
      const word = issue.code === 'too_big' ? 'at most' : 'at least';
      const bound = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : '';
      return `${where}: expected ${word} ${bound.toLocaleString('en-US')}${unit}${got}`;
    }
    default:
      return `${where}: ${issue.message}${got}`;
  }
}

/** The first few issues as one message, with how many more there were. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root = '', max = 3): string {
  const lines = issues.slice(0, max).map((i) => describeIssue(i, root));
  const more = issues.length - lines.length;
  return lines.join('; ') + (more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '');
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses `input` with `schema`; on failure the reason names each bad field under `root`. */
export function check<S extends z.ZodType>(schema: S, input: unknown, root = ''): Checked<z.output<S>> {
  const r = schema.safeParse(input, { reportInput: true });
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, reason: describeIssues(r.error.issues, root) };
}
