import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/components/ErrorBoundary';
import { installTestApi } from './testApi';
import './ui/styles.css';

installTestApi();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary name="HEXA Lab" whole>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
