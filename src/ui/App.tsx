import { useEffect, useState } from 'react';
import { checkIndexedDb } from '../env';
import { useDatasetStore } from '../state/datasetStore';
import { startLab } from '../state/lab';
import { METHOD_INFO } from '../shared/catalog';
import { AddDatasetPanel } from './panels/AddDatasetPanel';
import { AdversarialPanel } from './panels/AdversarialPanel';
import { BackendPanel } from './panels/BackendPanel';
import { ComparePanel } from './panels/ComparePanel';
import { ClustersPanel } from './panels/ClustersPanel';
import { CutMixPanel } from './panels/CutMixPanel';
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

export function App() {
  const [storageOk, setStorageOk] = useState<boolean | null>(null);
  // The running arm's during an ablation; an unknown id (never stored, but never trusted) shows MoCo-v2's.
  const method = METHOD_INFO[useShownConfig().method] ?? METHOD_INFO['moco-v2'];
  useEffect(() => {
    void checkIndexedDb().then((problem) => {
      if (problem) useDatasetStore.setState({ error: { kind: 'unavailable', message: problem } });
      setStorageOk(problem === null);
      startLab('webgpu', problem === null);
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
          {method.family === 'deepcluster' && (
            <ErrorBoundary name="Clusters">
              <ClustersPanel />
            </ErrorBoundary>
          )}
          {method.hardExamples && (
            <>
              <ErrorBoundary name="Hard-example chart">
                <HardExampleChart />
              </ErrorBoundary>
              <div className="grid">
                <ErrorBoundary name="Adversarial">
                  <AdversarialPanel />
                </ErrorBoundary>
                <ErrorBoundary name="Cut-mix">
                  <CutMixPanel />
                </ErrorBoundary>
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
