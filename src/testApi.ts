// A typed, read-mostly view of the lab's state on window.__hexa, for Playwright tests and scripts.
import { useBackendStore } from './state/backendStore';
import { useConfigStore } from './state/configStore';
import { useDatasetStore } from './state/datasetStore';
import { debugLoseDevice, debugSendRaw } from './state/lab';
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
      previews: number;
    };
  };
  loseDevice(): void;
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
          previews: run.previews.length,
        },
      };
    },
    loseDevice: debugLoseDevice,
    sendRaw: debugSendRaw,
  };
}
