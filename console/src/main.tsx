// The web console's entry: navigation, the page of the current path, and the API key form when
// the server asks for one (servers started with keys; on loopback without --auth it never does).

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { needsKey, storedKey, storeKey } from './api.js';
import { FlowPage, FlowsList } from './pages/flows.js';
import { LimitsPage } from './pages/limits.js';
import { RunPage } from './pages/run-page.js';
import { RunsList } from './pages/runs-list.js';
import { onLinkClick, useLocation } from './router.js';

function App() {
  const path = useLocation();
  const [askKey, setAskKey] = useState(false);
  const [, setKeyVersion] = useState(0);
  const onAuthError = (error: unknown) => {
    if (needsKey(error)) setAskKey(true);
  };
  useEffect(() => {
    document.addEventListener('click', onLinkClick);
    return () => document.removeEventListener('click', onLinkClick);
  }, []);
  const pathname = path.split('?')[0] ?? '/';
  const parts = pathname.split('/').slice(1).map(decodeURIComponent);
  let page = <RunsList onAuthError={onAuthError} />;
  if (parts[0] === 'runs' && parts[1]) page = <RunPage key={parts[1]} runId={parts[1]} onAuthError={onAuthError} />;
  else if (parts[0] === 'flows' && parts[1] && parts[2])
    page = <FlowPage key={`${parts[1]}/${parts[2]}`} flow={`${parts[1]}/${parts[2]}`} onAuthError={onAuthError} />;
  else if (parts[0] === 'flows') page = <FlowsList onAuthError={onAuthError} />;
  else if (parts[0] === 'limits') page = <LimitsPage onAuthError={onAuthError} />;
  return (
    <div class="shell">
      <header>
        <nav aria-label="main">
          <strong class="brand">Weft</strong>
          <a href="/runs" aria-current={parts[0] === 'runs' || parts[0] === '' ? 'page' : undefined}>
            Runs
          </a>
          <a href="/flows" aria-current={parts[0] === 'flows' ? 'page' : undefined}>
            Flows
          </a>
          <a href="/limits" aria-current={parts[0] === 'limits' ? 'page' : undefined}>
            Limits
          </a>
          {storedKey() && (
            <button
              type="button"
              class="link"
              onClick={() => {
                storeKey(undefined);
                setAskKey(true);
              }}
            >
              Forget key
            </button>
          )}
        </nav>
      </header>
      {askKey ? (
        <KeyForm
          onKey={(key) => {
            storeKey(key);
            setAskKey(false);
            setKeyVersion((v) => v + 1);
          }}
        />
      ) : (
        <main key={storedKey() ?? ''}>{page}</main>
      )}
    </div>
  );
}

/** Asks for an API key; it is kept in this tab's sessionStorage only, gone when the tab closes. */
function KeyForm(props: { onKey(key: string): void }) {
  return (
    <main>
      <form
        class="key-form"
        onSubmit={(e) => {
          e.preventDefault();
          const key = String(new FormData(e.target as HTMLFormElement).get('key') ?? '').trim();
          if (key) props.onKey(key);
        }}
      >
        <h1>API key</h1>
        <p>This server wants an API key (weft apikey create). It is kept for this browser tab only.</p>
        <input name="key" type="password" autoComplete="off" placeholder="weft_…" required />
        <button type="submit">Use key</button>
      </form>
    </main>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
