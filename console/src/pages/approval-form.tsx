// A pending approval as a form built from its `fields` (a flat JSON Schema object): one input per
// property, by its type; approve or reject with a comment. The answer goes wherever `respond`
// sends it: the JSON API in the console, a host's tool call in the MCP Apps run view.

import { useState } from 'preact/hooks';
import type { ApprovalAnswer, ApprovalResult, Run } from '../../../src/adapters/client/weft-client.js';
import { errorText } from '../errors.js';

type Approval = Run['approvals'][number];
interface FieldSchema {
  type?: string;
  enum?: unknown[];
  description?: string;
  title?: string;
}

export function ApprovalForm(props: {
  approval: Approval;
  /** What answering here involves, shown under the message. */
  note?: string | undefined;
  respond(taskId: string, answer: ApprovalAnswer): Promise<ApprovalResult>;
  onAnswered(): void;
}) {
  const { approval } = props;
  const schema = (approval.fields ?? {}) as { properties?: Record<string, FieldSchema>; required?: string[] };
  const properties = Object.entries(schema.properties ?? {});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const answer = async (approved: boolean, form: HTMLFormElement) => {
    const values = new FormData(form);
    const data: Record<string, unknown> = {};
    for (const [name, field] of properties) {
      const raw = values.get(name);
      if (field.type === 'boolean') data[name] = raw === 'on';
      else if (raw === null || raw === '') continue;
      else if (field.type === 'number' || field.type === 'integer') data[name] = Number(raw);
      else data[name] = String(raw);
    }
    const comment = String(values.get('comment') ?? '');
    setBusy(true);
    try {
      const result = await props.respond(approval.taskId, {
        approved,
        ...(comment ? { comment } : {}),
        ...(properties.length ? { data } : {}),
        ...(approval.iteration ? { iteration: approval.iteration } : {}),
        ...(approval.step !== undefined ? { step: approval.step } : {}),
      });
      if (!result.accepted) setError(`not accepted: ${result.code ?? ''} (decided by ${result.decision?.by ?? 'someone else'})`);
      else props.onAnswered();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="approval" aria-label={`approval ${approval.taskId}`} onSubmit={(e) => e.preventDefault()}>
      <h3>
        Approval: {approval.taskId}
        {approval.iteration ? `[${approval.iteration.join(',')}]` : ''}
        {approval.step !== undefined ? `, step ${approval.step}` : ''}
      </h3>
      <p>{approval.message}</p>
      {props.note && <p class="muted">{props.note}</p>}
      {properties.map(([name, field]) => {
        const id = `field-${approval.taskId}-${name}`;
        const required = schema.required?.includes(name) ?? false;
        return (
          <div class="field" key={name}>
            <label htmlFor={id}>
              {field.title ?? name}
              {required ? ' *' : ''}
            </label>
            {field.enum ? (
              <select id={id} name={name}>
                {field.enum.map((v) => (
                  <option value={String(v)}>{String(v)}</option>
                ))}
              </select>
            ) : field.type === 'boolean' ? (
              <input id={id} type="checkbox" name={name} />
            ) : field.type === 'number' || field.type === 'integer' ? (
              <input id={id} name={name} type="number" step="any" required={required} />
            ) : (
              <input id={id} name={name} type="text" required={required} />
            )}
            {field.description && <small>{field.description}</small>}
          </div>
        );
      })}
      <label>
        Comment <textarea name="comment" rows={2} maxLength={4000} />
      </label>
      <div class="actions">
        <button type="button" disabled={busy} onClick={(e) => answer(true, (e.target as HTMLElement).closest('form') as HTMLFormElement)}>
          Approve
        </button>
        <button type="button" class="danger" disabled={busy} onClick={(e) => answer(false, (e.target as HTMLElement).closest('form') as HTMLFormElement)}>
          Reject
        </button>
      </div>
      {error && <p class="error">{error}</p>}
    </form>
  );
}
