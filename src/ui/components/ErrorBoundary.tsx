// Error boundaries: a panel that throws while rendering shows what happened and a way back (try again,
// reload, reset the settings in the link) while the rest of the lab keeps working; the app-wide one
// catches anything outside the panels. Nothing stored is touched by any of the ways back.
import { Component, type ReactNode } from 'react';
import { create } from 'zustand';
import { shorten } from '../../shared/schema/issues';

/** Test hook (window.__hexa.crashPanel): the panel with this name throws on its next render. */
export const useCrashStore = create<{ panel: string | null }>(() => ({ panel: null }));

function CrashProbe({ name, children }: { name: string; children: ReactNode }) {
  const crash = useCrashStore((s) => s.panel === name);
  if (crash) throw new Error(`Test crash of the panel "${name}" (window.__hexa.crashPanel).`);
  return children;
}

/** The page without the link's settings: the default preset, nothing else changed. */
function resetSettings(): void {
  location.assign(location.pathname);
}

interface Props {
  name: string; // shown in the message: "The <name> panel stopped working"
  children: ReactNode;
  whole?: boolean; // the app-wide boundary (a full-page message)
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown): void {
    console.error(`${this.props.name} failed:`, error);
  }

  private retry = () => {
    if (useCrashStore.getState().panel === this.props.name) useCrashStore.setState({ panel: null });
    this.setState({ error: null });
  };

  override render() {
    const { error } = this.state;
    if (!error) return <CrashProbe name={this.props.name}>{this.props.children}</CrashProbe>;
    return (
      <section
        className={`panel error-panel${this.props.whole ? ' whole' : ''}`}
        role="alert"
        data-testid="panel-error"
        data-panel={this.props.name}
      >
        <h2>
          {this.props.whole ? 'HEXA Lab stopped working' : `${this.props.name}: this panel stopped working`}
        </h2>
        <p className="user-text">{shorten(error.message, 300)}</p>
        <p className="muted">
          Your saved runs and datasets are untouched.
          {this.props.whole ? '' : ' The rest of the lab keeps working.'}
        </p>
        <div className="row-actions">
          <button onClick={this.retry} data-testid="panel-retry">
            Try again
          </button>
          <button onClick={() => location.reload()} data-testid="panel-reload">
            Reload the page
          </button>
          <button
            onClick={resetSettings}
            data-testid="panel-reset"
            title="Open the lab without the settings in the link"
          >
            Reset settings
          </button>
        </div>
      </section>
    );
  }
}
