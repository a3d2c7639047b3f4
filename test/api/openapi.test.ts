// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document (checked by a validator from npm) that
// lists every route the server serves, generated from the tools' own schemas.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { z } from 'zod';
import { WEFT_TOOLS } from '../../mcp/build-server.js';
import { API_PREFIX, API_ROUTES, routesOf } from '../../src/adapters/http/api/api-routes.js';
import { type ApiFixture, type ApiServer, apiFixture, call } from './api-fixture.js';

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

describe('the OpenAPI document', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let document: Record<string, unknown>;

  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve();
    const answer = await call(`${server.api}/openapi.json`);
    assert.equal(answer.status, 200);
    document = answer.body;
  });
  after(async () => {
    await fixture?.close();
  });

  it('is valid OpenAPI 3.1', async () => {
    assert.equal(document.openapi, '3.1.0');
    // The validator resolves and checks in place: it is given a copy.
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('lists every route the server has a tool for, with its method, and no other', async () => {
    const paths = document.paths as Paths;
    const tools = new Set(WEFT_TOOLS.map((t) => t.name));
    const served = routesOf((name) => tools.has(name));
    assert.ok(served.length >= 15, `${served.length} routes`);
    for (const route of served) {
      const operation = paths[`${API_PREFIX}${route.path}`]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.path} is listed`);
      assert.equal(operation.operationId, route.operation);
    }
    const listed = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const expected = [...served.map((r) => `${r.method} ${API_PREFIX}${r.path}`), `GET ${API_PREFIX}/openapi.json`];
    assert.deepEqual(listed.sort(), expected.sort());
    for (const route of API_ROUTES.filter((r) => !tools.has(r.tool))) {
      assert.equal(paths[`${API_PREFIX}${route.path}`]?.[route.method.toLowerCase()], undefined, `${route.tool} is not in this build`);
    }
    const ids = listed.length;
    const unique = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId)));
    assert.equal(unique.size, ids, 'operationIds are unique');
  });

  it('takes each route\u2019s parameters and answer from its tool\u2019s schemas', () => {
    const paths = document.paths as Paths;
    const listRuns = paths[`${API_PREFIX}/runs`]?.get as Operation;
    const query = (listRuns.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const tool = WEFT_TOOLS.find((t) => t.name === 'list_runs');
    assert.deepEqual(query.sort(), Object.keys(tool?.input ?? {}).sort());
    const getFlow = paths[`${API_PREFIX}/flows/{namespace}/{id}`]?.get as Operation;
    assert.deepEqual(
      getFlow.parameters?.map((p) => `${p.in}:${p.name}`),
      ['path:namespace', 'path:id', 'query:revision'],
    );
    const startRun = paths[`${API_PREFIX}/runs`]?.post as Operation;
    const answer = startRun.responses['200']?.content?.['application/json']?.schema as { properties: Record<string, unknown> };
    const runFlow = WEFT_TOOLS.find((t) => t.name === 'run_flow');
    assert.deepEqual(Object.keys(answer.properties).sort(), Object.keys(z.object(runFlow?.output ?? {}).shape).sort());
    const validate = paths[`${API_PREFIX}/flows/validate`]?.post as Operation;
    assert.deepEqual(Object.keys(validate.requestBody?.content ?? {}), ['application/json', 'application/yaml']);
    assert.ok(startRun.responses['422'] && startRun.responses['409'] && startRun.responses['503']);
  });
});
