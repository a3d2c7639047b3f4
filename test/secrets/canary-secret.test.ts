import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { secretsFromEnv } from '../../src/services/secrets/secret-source.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

const CANARY = 'canary-S3cr3t/value+42=';
// The script compares a digest: the canary itself in the flow's text would sit in history, inside
// base64 payloads, at whatever alignment the activity input's other fields give it.
const CANARY_SHA256 = createHash('sha256').update(CANARY).digest('hex');
const FORMS = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('base64url'), encodeURIComponent(CANARY)];

function assertNoCanary(where: string, text: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `the secret (as ${JSON.stringify(form)}) leaked into ${where}`);
}

describe('secrets never leave the activity that uses them', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  before(async () => {
    env = await createTestEnv({ secrets: secretsFromEnv({ WEFT_SECRET_API_TOKEN: CANARY }) });
    http = await startHttpServer();
    http.route('/echo', (req, res) => json(res, 200, { auth: req.headers.authorization, url: req.url, body: req.body }));
    http.route('/deny', (req, res) => json(res, 401, { error: `bad token ${req.headers.authorization}` }));
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('uses secret() in http and script, and the value appears nowhere in history, outputs, errors or logs', async () => {
    const view = await runFlow(
      env,
      `
id: secretive
tasks:
  - id: call
    type: http
    method: POST
    url: "${http.url}/echo?t={{ secret('API_TOKEN') }}"
    headers: { Authorization: "Bearer {{ secret('API_TOKEN') }}" }
    json: { token: "{{ secret('API_TOKEN') }}" }
  - id: script
    type: script
    language: bash
    env: { TOKEN: "{{ secret('API_TOKEN') }}" }
    script: |
      echo "plain: $TOKEN"
      echo "b64: $(printf %s "$TOKEN" | base64 -w0)"
      echo "::weft-output::{\\"echo\\": \\"$TOKEN\\"}"
      [ "$(printf %s "$TOKEN" | sha256sum | cut -c1-64)" = '${CANARY_SHA256}' ] && echo "::weft-output::{\\"matches\\": true}"
  - id: denied
    type: http
    url: "${http.url}/deny"
    headers: { Authorization: "{{ secret('API_TOKEN') }}" }
    allowFailure: true
outputs:
  auth: "{{ outputs.call.body.auth }}"
  matches: "{{ outputs.script.outputs.matches }}"
  echo: "{{ outputs.script.outputs.echo }}"
`,
    );
    assertCompleted(view);
    // The real request carried the real value, so the secret was resolved inside the activity.
    const echo = http.requests.find((r) => r.url.startsWith('/echo'));
    assert.equal(echo?.headers.authorization, `Bearer ${CANARY}`);
    assert.equal(view.outputs?.matches, true);
    assert.equal(view.outputs?.auth, 'Bearer ***');
    assert.equal(view.outputs?.echo, '***');
    assertNoCanary('the run view', JSON.stringify(view));
    const history = await env.client.workflow.getHandle(view.runId).fetchHistory();
    assertNoCanary('the workflow history', JSON.stringify(history));
    assertNoCanary('the run logs', JSON.stringify(await env.logs.read(view.runId)));
    const denied = view.tasks.find((t) => t.id === 'denied');
    assert.equal(denied?.error?.type, 'HttpClientError');
    assert.match(denied?.error?.message ?? '', /bad token \*\*\*/);
  });

  it('redacts the encodings a script produces without trying from its logs, outputs and errors', async () => {
    const view = await runFlow(
      env,
      `
id: encoder
tasks:
  - id: script
    type: script
    language: bash
    env: { TOKEN: "{{ secret('API_TOKEN') }}" }
    script: |
      echo "hex: $(printf %s "$TOKEN" | od -An -tx1 | tr -d ' \\n')"
      echo "HEX: $(printf %s "$TOKEN" | od -An -tx1 | tr -d ' \\n' | tr a-f A-F)"
      echo "reversed: $(printf %s "$TOKEN" | rev)"
      echo "shifted b64: $(printf 'x%s' "$TOKEN" | base64 -w0)"
      echo "b64url: $(printf %s "$TOKEN" | base64 -w0 | tr '+/' '-_' | tr -d =)"
      echo "percent: $(printf %s "$TOKEN" | od -An -tx1 | tr -d '\\n' | sed 's/ /%/g')"
      echo "::weft-output::{\\"hex\\": \\"$(printf %s "$TOKEN" | od -An -tx1 | tr -d ' \\n')\\", \\"rev\\": \\"$(printf %s "$TOKEN" | rev)\\"}"
      echo "failing with $(printf %s "$TOKEN" | rev)" >&2
      exit 3
    allowFailure: true
`,
    );
    assertCompleted(view);
    const hex = Buffer.from(CANARY).toString('hex');
    const reversed = [...CANARY].reverse().join('');
    const shifted = Buffer.from(`x${CANARY}`).toString('base64');
    const leaked = [
      hex,
      hex.toUpperCase(),
      reversed,
      shifted.slice(4, 28),
      Buffer.from(CANARY).toString('base64url'),
      [...Buffer.from(CANARY)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    ];
    const logs = JSON.stringify(await env.logs.read(view.runId));
    const history = JSON.stringify(await env.client.workflow.getHandle(view.runId).fetchHistory());
    for (const [where, text] of [
      ['the run view', JSON.stringify(view)],
      ['the run logs', logs],
      ['the workflow history', history],
    ] as const) {
      assertNoCanary(where, text);
      for (const form of leaked) assert.ok(!text.includes(form), `the secret (as ${form}) leaked into ${where}`);
    }
    // The lines were written, redacted: the script did run with the real value.
    assert.match(logs, /hex: \*\*\*/);
    assert.match(logs, /reversed: \*\*\*/);
    assert.equal(view.tasks.find((t) => t.id === 'script')?.error?.type, 'ScriptExitError');
  });

  it('fails a task clearly when the secret is not defined, naming the variable to set', async () => {
    const view = await runFlow(env, `id: nosecret\ntasks:\n  - { id: call, type: http, url: "${http.url}/echo", headers: { X: "{{ secret('MISSING') }}" } }\n`);
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'SecretNotFound');
    assert.match(view.error?.message ?? '', /secret MISSING is not defined/);
  });
});
