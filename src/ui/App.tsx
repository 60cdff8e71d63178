import { useEffect, useState } from 'react';
import { checkIndexedDb } from '../env';
import { useDatasetStore } from '../state/datasetStore';
import { startLab } from '../state/lab';
import { METHOD_INFO } from '../engine/methods/catalog';
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
import { useShownConfig } from './useShownConfig';

export function App() {
  const [storageOk, setStorageOk] = useState<boolean | null>(null);
  const method = METHOD_INFO[useShownConfig().method]; // the running arm's during an ablation
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
        {storageOk !== null && <BackendPanel storageOk={storageOk} />}
      </header>
      <main>
        <aside>
          <DatasetPanel />
          {/* Beside the library it adds to (collapsed sections, so Settings stays near the top). */}
          <AddDatasetPanel />
          <SettingsPanel />
          <RunsPanel />
        </aside>
        <div className="content">
          <RunControls />
          <ProgressPanel />
          <div className="grid">
            <LossChart />
            <ProbeChart />
          </div>
          <ViewsPanel />
          {method.family === 'deepcluster' && <ClustersPanel />}
          {method.hardExamples && (
            <>
              <HardExampleChart />
              <div className="grid">
                <AdversarialPanel />
                <CutMixPanel />
              </div>
            </>
          )}
          {/* Gallery and embedding view */}
          <GalleryPanel />
          <EmbeddingPanel />
          <ComparePanel />
        </div>
      </main>
    </div>
  );
}
