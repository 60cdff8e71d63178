// npm run experiment -- --methods moco-v2,hexa-moco --dataset fractals --epochs 3 --seeds 3
// Headless experiment runner: serves experiment/index.html with Vite's dev server, opens it in
// Debian's headless Chromium (flags of scripts/chromium.mjs), runs the lab's own Trainer for every
// method × seed on WebGPU (or --backend webgl / cpu), prints progress, and writes a report folder:
// results.json, metrics.csv, evaluations.csv and index.html (self-contained, charts as inline SVG).
// See docs/EXPERIMENTS.md. Exits non-zero with a message on any error: 2 for a bad flag or setting,
// 1 for a failure while training.
//
// This file is the entry point; the work is in scripts/experiment/:
//   args.mjs    flags, --help text, validation and the plan of runs
//   runner.mjs  Vite server, headless Chromium, the page protocol and progress lines
//   report.mjs  results.json, the CSV files and index.html (also --render, --merge); the ranking
//               and the merge themselves are src/shared/evaluation/ranking.ts (unit-tested)
//   chart.mjs   the report's inline SVG line charts
//   common.mjs  repository root, logging and number formatting
import { UsageError, helpText, parseArgs, planExperiment } from './experiment/args.mjs';
import { log } from './experiment/common.mjs';
import { mergeReports, rerenderReport, writeFinalReport } from './experiment/report.mjs';
import {
  createExperimentServer,
  launchBrowser,
  listen,
  loadEngine,
  logPlan,
  runExperiment,
} from './experiment/runner.mjs';

const usageFailed = (e) => {
  log(`experiment: ${e.message}\nRun with --help for the options.`);
  return 2;
};

async function main() {
  const started = Date.now();
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageFailed(e);
  }
  const server = await createExperimentServer();
  let browser = null;
  try {
    const engine = await loadEngine(server);
    if (opts.help) {
      process.stdout.write(helpText(engine.config.METHOD_IDS));
      return 0;
    }
    if (opts.render) {
      rerenderReport(opts.render, engine);
      return 0;
    }
    if (opts.merge) {
      mergeReports(opts.merge, opts.out, engine);
      return 0;
    }
    const plan = planExperiment(opts, engine);
    const url = await listen(server);
    logPlan(opts, plan);

    browser = await launchBrowser(opts.backend);
    const results = await runExperiment(browser, url, opts, plan, started);
    const { error } = results;
    const anyDone = results.runs.some((r) => r.metrics.length > 0);
    if (!error || anyDone) writeFinalReport(plan.out, results, engine);
    if (error) {
      log(`experiment failed: ${error}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return usageFailed(e);
    log(`experiment failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`experiment failed: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
