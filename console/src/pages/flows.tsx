// Flows: the list, and a flow's page with its source at a chosen revision, a line diff between
// two revisions, and its triggers with their next fire times, pause and resume.

import { useEffect, useState } from 'preact/hooks';
import type { FlowDetail, FlowList, TriggerList } from '../../../src/adapters/client/weft-client.js';
import { api, errorText } from '../api.js';
import { lineDiff } from '../line-diff.js';
import { formatTime } from '../time.js';

export function FlowsList(props: { onAuthError(error: unknown): void }) {
  const [flows, setFlows] = useState<FlowList['flows']>([]);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    api()
      .listFlows(search ? { search } : {})
      .then(
        (list) => setFlows(list.flows),
        (failure) => {
          setError(errorText(failure));
          props.onAuthError(failure);
        },
      );
  }, [search]);
  return (
    <section>
      <h1>Flows</h1>
      <label>
        Search <input name="flow-search" value={search} onChange={(e) => setSearch((e.target as HTMLInputElement).value.trim())} />
      </label>
      {error && <p class="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Flow</th>
            <th>Revision</th>
            <th>Updated</th>
            <th>Last run</th>
          </tr>
        </thead>
        <tbody>
          {flows.map((flow) => (
            <tr key={flow.flow}>
              <td>
                <a href={`/flows/${flow.flow}`}>{flow.flow}</a>
                {flow.description && <div class="muted">{flow.description}</div>}
              </td>
              <td>{flow.revision}</td>
              <td>{formatTime(flow.updatedAt)}</td>
              <td>{flow.lastRun && <a href={`/runs/${encodeURIComponent(flow.lastRun.runId)}`}>{flow.lastRun.state}</a>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function FlowPage(props: { flow: string; onAuthError(error: unknown): void }) {
  const [detail, setDetail] = useState<FlowDetail>();
  const [revision, setRevision] = useState<number>();
  const [against, setAgainst] = useState<number>();
  const [other, setOther] = useState<FlowDetail>();
  const [triggers, setTriggers] = useState<TriggerList['triggers']>([]);
  const [error, setError] = useState<string>();
  const fail = (failure: unknown) => {
    setError(errorText(failure));
    props.onAuthError(failure);
  };
  useEffect(() => {
    api()
      .getFlow(props.flow, revision ? { revision } : {})
      .then(setDetail, fail);
  }, [props.flow, revision]);
  useEffect(() => {
    if (against === undefined) return setOther(undefined);
    api().getFlow(props.flow, { revision: against }).then(setOther, fail);
  }, [props.flow, against]);
  const loadTriggers = () =>
    api()
      .listTriggers(props.flow)
      .then((list) => setTriggers(list.triggers), fail);
  useEffect(() => {
    void loadTriggers();
  }, [props.flow]);
  const operate = async (id: string, action: 'pause' | 'resume') => {
    try {
      await api().operateTrigger(props.flow, id, action);
      await loadTriggers();
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const revisions = detail ? Array.from({ length: detail.revisions }, (_, i) => detail.revisions - i) : [];
  const diff = detail && other ? lineDiff(other.yaml, detail.yaml) : undefined;
  return (
    <section>
      <h1>
        Flow <code>{props.flow}</code>
      </h1>
      {error && <p class="error">{error}</p>}
      <div class="filters">
        <label>
          Revision{' '}
          <select
            name="revision"
            value={String(revision ?? detail?.revision ?? '')}
            onChange={(e) => setRevision(Number((e.target as HTMLSelectElement).value))}
          >
            {revisions.map((r) => (
              <option value={String(r)}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Compare with{' '}
          <select
            name="compare"
            value={against === undefined ? '' : String(against)}
            onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value;
              setAgainst(value ? Number(value) : undefined);
            }}
          >
            <option value="">(none)</option>
            {revisions.map((r) => (
              <option value={String(r)}>{r}</option>
            ))}
          </select>
        </label>
      </div>
      {detail && !other && <pre class="source">{detail.yaml}</pre>}
      {other && !diff && <p class="muted">These revisions are too large to compare here.</p>}
      {diff && (
        <pre class="source diff" title={`revision ${against} against ${detail?.revision}`}>
          {diff.map((line) => (
            <div class={`diff-${line.kind}`}>{`${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.text}`}</div>
          ))}
        </pre>
      )}
      <h2>Triggers</h2>
      {triggers.length === 0 && <p class="muted">No triggers.</p>}
      <ul class="triggers">
        {triggers.map((t) => (
          <li key={t.id}>
            <strong>{t.id}</strong> ({t.type}){t.paused ? ' paused' : ''}
            {!t.enabled ? ' disabled' : ''}
            {t.nextFires?.length ? ` — next: ${t.nextFires.slice(0, 3).map(formatTime).join(', ')}` : ''}
            {t.lastFire && (
              <>
                {' '}
                — last: <a href={`/runs/${encodeURIComponent(t.lastFire.runId)}`}>{formatTime(t.lastFire.scheduledAt)}</a>
              </>
            )}{' '}
            {t.type === 'schedule' && (
              <button type="button" onClick={() => operate(t.id, t.paused ? 'resume' : 'pause')}>
                {t.paused ? 'Resume' : 'Pause'}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
