// A typed, read-mostly view of the lab's state on window.__hexa, for Playwright tests and scripts.
import { useBackendStore } from './state/backendStore';
import { useConfigStore } from './state/configStore';
import { useDatasetStore } from './state/datasetStore';
import { debugLoseDevice } from './state/lab';
import { useRunStore } from './state/runStore';

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
      baselines: ReturnType<typeof useRunStore.getState>['baselines'];
      previews: number;
    };
  };
  loseDevice(): void;
}

declare global {
  interface Window {
    __hexa: HexaTestApi;
  }
}

export function installTestApi(): void {
  window.__hexa = {
    state: () => {
      const run = useRunStore.getState();
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
  };
}
