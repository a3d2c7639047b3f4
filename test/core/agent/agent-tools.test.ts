// What an agent's tools look like to the model: names the providers accept, and a flow's
// declared inputs as the JSON Schema of its tool's parameters.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flowToolDescription, flowToolName, flowToolParameters, modelToolName } from '../../../src/core/agent/agent-tools.js';
import { parseFlow } from '../../../src/core/spec/parse-flow.js';

describe('agent tools as the model sees them', () => {
  it('calls a flow tool by its flow id, and an MCP tool by its name with the characters providers refuse replaced', () => {
    assert.equal(flowToolName('support/label-issue'), 'label-issue');
    assert.equal(modelToolName('get-sum'), 'get-sum');
    assert.equal(modelToolName('files.read/all now'), 'files_read_all_now');
    assert.equal(modelToolName('x'.repeat(80)).length, 64);
  });

  it("turns a flow's inputs into parameters: types, descriptions, enums; required unless defaulted or optional", () => {
    const parsed = parseFlow(`
id: label-issue
namespace: support
description: Labels an issue
inputs:
  - { id: issue, type: integer, description: The issue number }
  - { id: label, type: string, enum: [bug, feature] }
  - { id: note, type: string, required: false }
  - { id: notify, type: boolean, default: false }
  - { id: extra, type: any }
tasks:
  - { id: done, type: log, message: ok }
`);
    assert.ok(parsed.valid, JSON.stringify(parsed.valid ? [] : parsed.problems));
    assert.deepEqual(flowToolParameters(parsed.flow), {
      type: 'object',
      properties: {
        issue: { type: 'integer', description: 'The issue number' },
        label: { type: 'string', enum: ['bug', 'feature'] },
        note: { type: 'string' },
        notify: { type: 'boolean' },
        extra: {},
      },
      required: ['issue', 'label', 'extra'],
      additionalProperties: false,
    });
    assert.equal(flowToolDescription(parsed.flow), 'Labels an issue');
  });
});
