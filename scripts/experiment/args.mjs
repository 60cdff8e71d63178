// npm run experiment's command line: the --help text, flag parsing and validation (UsageError → exit
// status 2), the --dataset spec, and the plan of runs (one TrainConfig per method × seed, checked
// with the engine's validateConfig before Chromium starts).
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { root } from './common.mjs';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'];
const BUILTINS = ['mnist', 'fashion-mnist'];
const RESERVED = { method: '--methods', seed: '--seeds / --seed-list', datasetId: '--dataset' };

/** The --help text; `methodIds` are the catalog's (src/shared/config.ts METHOD_IDS). */
export const helpText = (methodIds) => `Usage: npm run experiment -- [options]
       node scripts/experiment.mjs [options]

Trains each method with each seed using the lab's own engine (the real Trainer) in headless
Chromium, then writes a report folder: results.json, metrics.csv, evaluations.csv, index.html.

Options:
  --methods LIST      comma-separated method ids (required), of:
                      ${methodIds.join(', ')}
  --dataset NAME      mnist | fashion-mnist | fractals[:CLASSESxPERCLASS[@SIZE]] (default fractals,
                      i.e. fractals:10x600@32; SIZE one of 16, 28, 32, 64; fractal seed 1)
  --preset ID         tiny | small-gpu | resnet (default tiny)
  --epochs N          epochs per run (default: the preset's)
  --seeds N           seeds 1..N (default 1)
  --seed-list LIST    explicit comma-separated seeds instead of --seeds
  --train-limit N     train images per run, the first N (default: the preset's; 0 = all)
  --backend NAME      webgpu | webgl | wasm | cpu (default webgpu; wasm: WebAssembly on the CPU,
                      no GPU needed, ~15× faster than cpu here)
  --set KEY=VALUE     any TrainConfig field, e.g. --set lr=0.03 --set adversarial=false;
                      repeatable; validated like the lab's settings form
  --ablation          run each listed method's ablation arms from the catalog instead (e.g.
                      hexa-moco: MoCo-v2, +adversarial, +cut-mix, HEXA-MoCo), each arm its own row
  --label NAME        a name for this experiment's settings, shown after each method's name
                      (e.g. --set mixup=true --label "+mix-up"): merged reports keep the
                      same method with other settings apart
  --finetune LIST     after each run, fine-tune its network and its random init on these
                      percentages of the run's train images, e.g. 1,10 (of 1, 10, 100): 1 % of
                      the Tiny preset's 3,200 digits is 32 images, 200 steps: about 30
                      CPU-s a network on the cpu backend (docs/LEARNING.md, "Fine-tuning")
  --out DIR           report folder (default reports/<timestamp>/)
  --timeout MIN       give up after MIN minutes in all (default 180)
  --render DIR        only rewrite DIR's CSV files, ranking and index.html from its results.json
  --merge LIST        comma-separated report folders: one report (ranked together) from their
                      results.json in --out (required with it); same dataset and preset, and no
                      method (with its --label) with the same seed twice
  -h, --help          this text
`;

export class UsageError extends Error {}
export const fail = (message) => {
  throw new UsageError(message);
};

export function parseArgs(argv) {
  const opts = {
    methods: null,
    dataset: 'fractals',
    preset: 'tiny',
    epochs: null,
    seeds: null,
    seedList: null,
    trainLimit: null,
    backend: 'webgpu',
    set: [],
    out: null,
    timeoutMin: 180,
    render: null,
    merge: null,
    label: null,
    ablation: false,
    finetune: [],
    help: false,
  };
  const int = (flag, raw, min) => {
    const n = Number(raw);
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isInteger(n) || n < min)
      fail(`${flag} must be a whole number ≥ ${min} (got "${raw}")`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      opts.help = true;
      continue;
    }
    if (arg === '--ablation') {
      opts.ablation = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) fail(`${flag} needs a value`);
      return v;
    };
    if (flag === '--methods') opts.methods = value();
    else if (flag === '--dataset') opts.dataset = value();
    else if (flag === '--preset') opts.preset = value();
    else if (flag === '--epochs') opts.epochs = int(flag, value(), 1);
    else if (flag === '--seeds') opts.seeds = int(flag, value(), 1);
    else if (flag === '--seed-list') opts.seedList = value();
    else if (flag === '--train-limit') opts.trainLimit = int(flag, value(), 0);
    else if (flag === '--backend') opts.backend = value();
    else if (flag === '--set') opts.set.push(value());
    else if (flag === '--out') opts.out = value();
    else if (flag === '--timeout') opts.timeoutMin = int(flag, value(), 1);
    else if (flag === '--render') opts.render = value();
    else if (flag === '--merge')
      opts.merge = value()
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
    else if (flag === '--label') opts.label = value().trim() || fail('--label needs a name');
    else if (flag === '--finetune') opts.finetune = parseFinetune(value());
    else fail(`Unknown option ${arg}`);
  }
  if (opts.merge) {
    if (opts.render) fail('Give --render or --merge, not both');
    if (opts.merge.length < 2) fail('--merge needs two or more report folders, e.g. --merge dirA,dirB');
    if (!opts.out) fail('--merge needs --out DIR for the merged report');
  }
  if (opts.help || opts.render || opts.merge) return opts;
  if (!opts.methods) fail('--methods is required, e.g. --methods moco-v2,hexa-moco');
  if (!BACKENDS.includes(opts.backend)) fail(`Unknown backend "${opts.backend}" (${BACKENDS.join(', ')})`);
  if (opts.seeds !== null && opts.seedList !== null) fail('Give --seeds or --seed-list, not both');
  return opts;
}

const FINETUNE_PERCENTS = { 1: 0.01, 10: 0.1, 100: 1 };

/** --finetune 1,10 → [0.01, 0.1] (label fractions, ascending, each once). */
export function parseFinetune(raw) {
  const parts = raw.split(',').map((s) => s.trim().replace(/%$/, ''));
  const fractions = parts.map((p) => {
    const f = FINETUNE_PERCENTS[p];
    if (!/^\d+$/.test(p) || f === undefined)
      fail(`--finetune takes percentages of the labels from 1, 10, 100 (got "${raw}")`);
    return f;
  });
  if (new Set(fractions).size !== fractions.length) fail('--finetune lists a percentage twice');
  return fractions.sort((a, b) => a - b);
}

/** mnist | fashion-mnist | fractals[:CxP[@S]] → the page's DatasetSpec. */
function parseDataset(raw, fractals) {
  if (BUILTINS.includes(raw)) {
    const meta = resolve(root, 'public/data', raw, 'meta.json');
    if (!existsSync(meta)) fail(`${relative(root, meta)} is missing: run npm run prepare-data`);
    return { kind: 'builtin', id: raw };
  }
  const m = /^fractals(?::(\d+)x(\d+)(?:@(\d+))?)?$/.exec(raw);
  if (!m)
    fail(
      `Unknown dataset "${raw}": use mnist, fashion-mnist or fractals[:CLASSESxPERCLASS[@SIZE]], e.g. fractals:10x60@32`,
    );
  const d = fractals.FRACTAL_DEFAULTS;
  const params = {
    classes: m[1] ? Number(m[1]) : d.classes,
    perClass: m[2] ? Number(m[2]) : d.perClass,
    size: m[3] ? Number(m[3]) : d.size,
    seed: d.seed,
  };
  const problems = fractals.validateFractalParams(params);
  if (problems.length > 0) fail(`--dataset ${raw}: ${problems.join(' ')}`);
  return { kind: 'fractals', params };
}

/** One validated TrainConfig per run (seeds outer, methods inner), or a UsageError naming the field. */
/**
 * What runs for each seed: the listed methods, or with --ablation each one's ablation arms from the
 * catalog (an arm named like a method is that method; the others keep their label as the variant),
 * each (method, variant) once.
 */
function runSpecs(opts, methods, catalog) {
  const plain = methods.map((method) => ({ method, patch: {}, variant: opts.label }));
  if (!opts.ablation) return plain;
  const specs = [];
  for (const m of methods) {
    const arms = catalog.METHOD_INFO[m]?.ablation ?? [];
    if (arms.length === 0) specs.push({ method: m, patch: {}, variant: opts.label });
    for (const arm of arms) {
      const method = arm.patch.method;
      const named = catalog.METHOD_INFO[method]?.label === arm.label;
      const variant = [named ? null : arm.label, opts.label].filter(Boolean).join(', ') || null;
      specs.push({ method, patch: arm.patch, variant });
    }
  }
  const seen = new Set();
  return specs.filter((s) => {
    const key = `${s.method}|${s.variant}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function buildRuns(opts, config, augmentation, datasetId, catalog) {
  const methods = opts.methods.split(',').map((s) => s.trim());
  for (const m of methods) {
    if (!config.METHOD_IDS.includes(m)) fail(`Unknown method "${m}" (${config.METHOD_IDS.join(', ')})`);
  }
  if (new Set(methods).size !== methods.length) fail('--methods lists a method twice');
  if (!config.PRESET_IDS.includes(opts.preset))
    fail(`Unknown preset "${opts.preset}" (${config.PRESET_IDS.join(', ')})`);
  let seeds;
  if (opts.seedList !== null) {
    const parts = opts.seedList.split(',').map((s) => s.trim());
    if (parts.some((s) => !/^\d+$/.test(s)))
      fail(`--seed-list must be comma-separated whole numbers (got "${opts.seedList}")`);
    seeds = parts.map(Number);
    if (new Set(seeds).size !== seeds.length) fail('--seed-list lists a seed twice');
  } else seeds = Array.from({ length: opts.seeds ?? 1 }, (_, i) => i + 1);

  // The preset with the dataset's augmentation defaults (digits: no flip, crops ≥ 50 %; others: flips).
  const common = augmentation.withDatasetAugmentation({ ...config.PRESETS[opts.preset].config }, datasetId);
  if (opts.epochs !== null) common.epochs = opts.epochs;
  if (opts.trainLimit !== null) common.trainLimit = opts.trainLimit;
  const overrides = {};
  for (const kv of opts.set) {
    const eq = kv.indexOf('=');
    if (eq <= 0) fail(`--set needs KEY=VALUE (got "${kv}")`);
    const key = kv.slice(0, eq).trim();
    const raw = kv.slice(eq + 1).trim();
    if (RESERVED[key]) fail(`--set ${key}: use ${RESERVED[key]} instead`);
    if (!Object.hasOwn(common, key)) fail(`--set ${key}: unknown TrainConfig field`);
    if ((key === 'epochs' && opts.epochs !== null) || (key === 'trainLimit' && opts.trainLimit !== null))
      fail(`--set ${key} and its own flag are both given`);
    const current = common[key];
    if (typeof current === 'number') {
      const v = Number(raw);
      if (raw === '' || Number.isNaN(v)) fail(`--set ${key}: "${raw}" is not a number`);
      overrides[key] = v;
    } else if (typeof current === 'boolean') {
      if (raw !== 'true' && raw !== 'false') fail(`--set ${key}: must be true or false (got "${raw}")`);
      overrides[key] = raw === 'true';
    } else overrides[key] = raw;
  }
  Object.assign(common, overrides);

  const specs = runSpecs(opts, methods, catalog);
  const runs = [];
  const variants = [];
  for (const seed of seeds) {
    for (const { method, patch, variant } of specs) {
      const cfg = { ...common, ...patch, method, seed };
      variants.push(variant ?? null);
      const issues = config.validateConfig(cfg);
      if (issues.length > 0)
        fail(
          `Invalid settings for ${method}, seed ${seed}: ${issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`,
        );
      runs.push(cfg);
    }
  }
  return { methods: [...new Set(specs.map((x) => x.method))], seeds, runs, variants, overrides };
}

function defaultOut() {
  const t = new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  return resolve(root, 'reports', t);
}

/**
 * Everything a training session needs from the flags: the page's DatasetSpec, the runs, the report
 * folder and the settings that differ from the preset. Throws a UsageError on any bad value.
 */
export function planExperiment(opts, { config, fractals, augmentation, catalog }) {
  const dataset = parseDataset(opts.dataset, fractals);
  const datasetId = dataset.kind === 'builtin' ? dataset.id : fractals.fractalDatasetId(dataset.params);
  const { methods, seeds, runs, variants, overrides } = buildRuns(
    opts,
    config,
    augmentation,
    datasetId,
    catalog,
  );
  const out = resolve(opts.out ?? defaultOut());
  const preset = config.PRESETS[opts.preset].config;
  const configChanges = Object.fromEntries(
    Object.entries(runs[0]).filter(
      ([k, v]) => !['method', 'seed', 'datasetId'].includes(k) && preset[k] !== v,
    ),
  );
  return {
    dataset,
    methods,
    seeds,
    runs,
    overrides,
    out,
    configChanges,
    finetune: opts.finetune,
    label: opts.label,
    variants,
  };
}
