// Turns schema failures into messages a person can act on: each names the field path and what was
// expected, with a shortened copy of what was found. Used for every record that crosses a trust
// boundary (run files, stored records, links, worker messages). No tfjs here: the page imports it too.
import { z } from 'zod';

// No generated parsers: zod's JIT compiles them with new Function, which the lab's CSP refuses.
z.config({ jitless: true });

/**
 * Compile-time check that a schema's object shape names every field of the record type T: zod drops
 * unknown keys when it reads, so a field added to T but not to its schema would be lost on every read.
 * `SchemaCovers<T, typeof shape>` fails to compile then, naming the missing fields.
 */
export type SchemaCovers<T, Shape, Missing = Exclude<keyof T, keyof Shape>> = [Missing] extends [never]
  ? true
  : { missingFromSchema: Missing };
/** Use as `export type _X = MustBe<SchemaCovers<...>>;` (a type, so nothing runs). */
export type MustBe<T extends true> = T;

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

/** What an issue says was expected ("a number", "one of "a", "b"") without the path. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return EXPECTED_NAMES[issue.expected] ?? issue.expected;
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      return values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
    }
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options) return `one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
      const alternatives = issue.errors.map((branch) => branch[0]).filter((i) => i !== undefined);
      return alternatives.length > 0
        ? [...new Set(alternatives.map(expectedOf))].join(' or ')
        : 'another form';
    }
    case 'too_big':
    case 'too_small': {
      const word = issue.code === 'too_big' ? 'at most' : 'at least';
      const bound = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : '';
      return `${word} ${bound.toLocaleString('en-US')}${unit}`;
    }
    default:
      return issue.message.replace(/^expected /, '');
  }
}

/** One line per issue: "<path>: expected <what>, got <what was there>". */
export function describeIssue(issue: z.core.$ZodIssue, root = ''): string {
  const where = formatPath(issue.path, root);
  // A discriminated union reports the whole object as its input: show the discriminator's value.
  const discriminator = (issue as { discriminator?: string }).discriminator;
  const input =
    discriminator && 'input' in issue
      ? (issue.input as Record<string, unknown> | null)?.[discriminator]
      : (issue as { input?: unknown }).input;
  const received = (issue as { received?: string }).received;
  const got =
    received !== undefined
      ? `, got ${received}`
      : 'input' in issue || discriminator
        ? `, got ${describeValue(input)}`
        : '';
  return `${where}: expected ${expectedOf(issue)}${got}`;
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
