// Named limits with their size, the runs holding a slot and how many wait.

import { useState } from 'preact/hooks';
import type { LimitList } from '../../../src/adapters/client/weft-client.js';
import { api, errorText } from '../api.js';
import { usePolling } from '../polling.js';

export function LimitsPage(props: { onAuthError(error: unknown): void }) {
  const [limits, setLimits] = useState<LimitList['limits']>([]);
  const [error, setError] = useState<string>();
  usePolling(async () => {
    try {
      setLimits((await api().listLimits()).limits);
    } catch (failure) {
      setError(errorText(failure));
      props.onAuthError(failure);
    }
  }, []);
  return (
    <section>
      <h1>Limits</h1>
      {error && <p class="error">{error}</p>}
      {limits.length === 0 && !error && <p class="muted">No named limits.</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>In use</th>
            <th>Waiting</th>
            <th>Holders</th>
          </tr>
        </thead>
        <tbody>
          {limits.map((l) => (
            <tr key={l.name}>
              <td>{l.name}</td>
              <td>
                {l.inUse} / {l.limit ?? '∞'}
              </td>
              <td>{l.waiting}</td>
              <td>
                {l.holders.map((runId) => (
                  <a href={`/runs/${encodeURIComponent(runId)}`}>{runId} </a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
