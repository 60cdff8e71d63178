import { useEffect, useState } from 'react';
import { checkIndexedDb } from '../env';
import { useDatasetStore } from '../state/datasetStore';
import { startLabFirst } from '../state/lab';
import { useConfigStore } from '../state/configStore';
import { methodInfo } from '../shared/catalog';
import { AddDatasetPanel } from './panels/AddDatasetPanel';
import { BackendPanel } from './panels/BackendPanel';
import { ComparePanel } from './panels/ComparePanel';
import { DatasetPanel } from './panels/DatasetPanel';
import { EmbeddingPanel } from './panels/EmbeddingPanel';
import { GalleryPanel } from './panels/GalleryPanel';
import { HardExampleChart } from './panels/HardExampleChart';
import { LossChart } from './panels/LossChart';
import { ProbeChart } from './panels/ProbeChart';
import { ProgressPanel } from './panels/ProgressPanel';
import { RunControls } from './panels/RunControls';
import { RunsPanel } from './panels/RunsPanel';
import { SettingsPanel } from './panels/SettingsPanel';
import { ViewsPanel } from './panels/ViewsPanel';
import { ErrorBoundary } from './components/ErrorBoundary';
import { useShownConfig } from './useShownConfig';
import { GENERATOR_PANELS, METHOD_PANELS } from './methodPanels';

export function App() {
  const [storageOk, setStorageOk] = useState<boolean | null>(null);
  // The running arm's during an ablation; an unknown id (never stored, but never trusted) shows MoCo-v2's.
  const method = methodInfo(useShownConfig().method);
  useEffect(() => {
    void checkIndexedDb().then((problem) => {
      if (problem) useDatasetStore.setState({ error: { kind: 'unavailable', message: problem } });
      setStorageOk(problem === null);
      startLabFirst(useConfigStore.getState().linkBackend, problem === null);
    });
  }, []);
  return (
    <div className="app">
      <header>
        <h1>HEXA Lab</h1>
        <p className="tagline">
          Watch self-supervised learning happen, hard examples included, on your own GPU.
        </p>
        {storageOk !== null && (
          <ErrorBoundary name="Backend">
            <BackendPanel storageOk={storageOk} />
          </ErrorBoundary>
        )}
      </header>
      <main>
        <aside>
          <ErrorBoundary name="Datasets">
            <DatasetPanel />
          </ErrorBoundary>
          {/* Beside the library it adds to (collapsed sections, so Settings stays near the top). */}
          <ErrorBoundary name="Add a dataset">
            <AddDatasetPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Settings">
            <SettingsPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Saved runs">
            <RunsPanel />
          </ErrorBoundary>
        </aside>
        <div className="content">
          <ErrorBoundary name="Run controls">
            <RunControls />
          </ErrorBoundary>
          <ErrorBoundary name="Progress">
            <ProgressPanel />
          </ErrorBoundary>
          <div className="grid">
            <ErrorBoundary name="Loss chart">
              <LossChart />
            </ErrorBoundary>
            <ErrorBoundary name="Probe chart">
              <ProbeChart />
            </ErrorBoundary>
          </div>
          <ErrorBoundary name="Views">
            <ViewsPanel />
          </ErrorBoundary>
          {/* The method's own panels and its generators' (from its descriptor). */}
          {method.panels.map((id) => {
            const { name, Panel } = METHOD_PANELS[id];
            return (
              <ErrorBoundary key={id} name={name}>
                <Panel />
              </ErrorBoundary>
            );
          })}
          {method.generators.length > 0 && (
            <>
              <ErrorBoundary name="Hard-example chart">
                <HardExampleChart />
              </ErrorBoundary>
              <div className="grid">
                {method.generators.map((id) => {
                  const { name, Panel } = GENERATOR_PANELS[id];
                  return (
                    <ErrorBoundary key={id} name={name}>
                      <Panel />
                    </ErrorBoundary>
                  );
                })}
              </div>
            </>
          )}
          {/* Gallery and embedding view */}
          <ErrorBoundary name="Gallery">
            <GalleryPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Embedding">
            <EmbeddingPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Compare">
            <ComparePanel />
          </ErrorBoundary>
        </div>
      </main>
    </div>
  );
}
