// A typed, read-mostly view of the lab's state on window.__hexa, for Playwright tests and scripts.
import { useBackendStore } from './state/backendStore';
import { useConfigStore } from './state/configStore';
import { useDatasetStore } from './state/datasetStore';
import { debugLoseDevice, debugSendRaw, debugWorkerFetch, runAction } from './state/lab';
import { useSavedRuns } from './state/savedRunsStore';
import { useCrashStore } from './ui/components/ErrorBoundary';
import type { RunAction } from './shared/protocol';
import { useLiveRun } from './state/liveRunStore';

export interface HexaTestApi {
  state(): {
    backend: ReturnType<typeof useBackendStore.getState>;
    datasets: ReturnType<typeof useDatasetStore.getState>;
    config: ReturnType<typeof useConfigStore.getState>['config'];
    run: {
      phase: string;
      error: string | null;
      steps: number[];
      numTensors: number[];
      metrics: Record<string, number>[];
      evals: number;
      /** Held-out evaluations: step, accuracies and images scored. */
      evalPoints: { step: number; linearTop1: number; knnTop1: number; testCount: number | null }[];
      baselines: ReturnType<typeof useLiveRun.getState>['baselines'];
      previews: number;
    };
  };
  loseDevice(): void;
  /** The worker fetches `url`: ok false when refused (the worker's CSP). */
  workerFetch(url: string): Promise<{ ok: boolean; message: string }>;
  /** Sends a saved-run action to the worker, as the runs panel does (e.g. an import of crafted text). */
  runAction(id: string, action: RunAction): void;
  /** Saved runs as listed: ids of the good ones and the damaged ones with their reason. */
  runs(): { ids: string[]; damaged: { id: string; reason: string }[] };
  /** Makes the panel with this name (ErrorBoundary name, e.g. 'Saved runs') throw on its next render. */
  crashPanel(name: string): void;
  /** Posts any message to the worker (to check that unknown requests are answered). */
  sendRaw(msg: unknown): void;
}

declare global {
  interface Window {
    __hexa: HexaTestApi;
  }
}

export function installTestApi(): void {
  window.__hexa = {
    state: () => {
      const run = useLiveRun.getState();
      return {
        backend: useBackendStore.getState(),
        datasets: useDatasetStore.getState(),
        config: useConfigStore.getState().config,
        run: {
          phase: run.phase,
          error: run.error,
          steps: run.metrics.map((m) => m.step),
          numTensors: run.metrics.map((m) => m.numTensors),
          metrics: run.metrics.map((m) => m.values),
          evals: run.evals.length,
          evalPoints: run.evals.map((e) => ({
            step: e.step,
            linearTop1: e.linearTop1,
            knnTop1: e.knnTop1,
            testCount: e.testCount ?? null,
          })),
          baselines: run.baselines,
          previews: run.previews.length,
        },
      };
    },
    loseDevice: debugLoseDevice,
    workerFetch: debugWorkerFetch,
    runAction,
    crashPanel: (name) => useCrashStore.setState({ panel: name }),
    runs: () => {
      const s = useSavedRuns.getState();
      return { ids: s.runs.map((r) => r.id), damaged: s.damaged };
    },
    sendRaw: debugSendRaw,
  };
}
