import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOCAL, type Principal } from '../../src/services/security/principal.js';
import {
  assertNamespaceAllowed,
  assertRunRights,
  assertScriptsAllowed,
  mayUseScripts,
  NamespaceNotAllowedError,
  namespaceAllowed,
  runRightsOf,
  ScriptsNotAllowedError,
  SubflowNotAllowedError,
  sessionPolicy,
  TOOL_RULES,
  toolMutates,
  toolRule,
  toolVisible,
} from '../../src/services/security/tool-policy.js';
import { CONTRACT_TOOLS } from '../helpers/contract-tools.js';
import { flowFrom } from '../helpers/temporal-env.js';

const key = (scope: Principal['scope'], extra: Partial<Principal> = {}): Principal => ({
  keyId: 'k',
  name: 'n',
  prefix: 'weft_abcdefgh',
  scope,
  allowScripts: false,
  ...extra,
});

const visible = (caller: Principal | typeof LOCAL, options = {}) => CONTRACT_TOOLS.filter((t) => toolVisible(caller, t, options));

describe('tool policy', () => {
  it('has a rule for every tool of the MCP surface', () => {
    assert.deepEqual(Object.keys(TOOL_RULES).sort(), [...CONTRACT_TOOLS].sort());
  });

  it('shows a read key only the reading tools, a run key also the run tools, an admin key everything', () => {
    const reads = ['list_task_types', 'validate_flow', 'list_flows', 'get_flow', 'get_run', 'list_runs', 'query_logs', 'list_triggers', 'list_limits'];
    assert.deepEqual(visible(key('read')).sort(), [...reads].sort());
    assert.ok(!toolVisible(key('read'), 'run_flow'));
    assert.deepEqual(
      visible(key('run')).sort(),
      [...reads, 'save_flow', 'run_flow', 'cancel_run', 'respond_to_approval', 'draft_flow', 'operate_trigger', 'restart_run', 'manage_files'].sort(),
    );
    assert.ok(!toolVisible(key('run'), 'delete_flow'));
    assert.deepEqual(visible(key('admin')).sort(), [...CONTRACT_TOOLS].sort());
    assert.deepEqual(visible(LOCAL).sort(), [...CONTRACT_TOOLS].sort());
  });

  it('hides every mutating tool in read-only mode, for the local user and admin keys alike', () => {
    for (const caller of [LOCAL, key('admin')] as const) {
      const shown = visible(caller, { readOnly: true });
      assert.ok(shown.every((t) => !toolMutates(t)));
      for (const tool of ['save_flow', 'run_flow', 'cancel_run', 'respond_to_approval', 'delete_flow']) assert.ok(!shown.includes(tool), tool);
      assert.ok(shown.includes('get_run'));
    }
  });

  it('hides disabled tools, and treats tools missing from the table as admin-only and mutating', () => {
    assert.ok(!toolVisible(LOCAL, 'run_flow', { disabledTools: ['run_flow'] }));
    assert.ok(!toolVisible(key('admin'), 'cancel_run', { disabledTools: new Set(['cancel_run']) }));
    assert.ok(toolMutates('schedule_flow'));
    assert.ok(!toolVisible(key('run'), 'schedule_flow'));
    assert.ok(toolVisible(key('admin'), 'schedule_flow'));
    assert.ok(!toolVisible(LOCAL, 'schedule_flow', { readOnly: true }));
    assert.deepEqual(toolRule('toString'), { scope: 'admin', mutates: true }, 'names of Object.prototype are not tools');
    assert.ok(!toolVisible(key('run'), 'constructor'));
  });

  it('lets only the local user, admin keys and keys created with --allow-scripts use scripts', () => {
    assert.ok(mayUseScripts(LOCAL));
    assert.ok(mayUseScripts(key('admin')));
    assert.ok(mayUseScripts(key('run', { allowScripts: true })));
    assert.ok(!mayUseScripts(key('run')));
    assert.throws(
      () => assertScriptsAllowed(key('run'), 'ops/deploy', true),
      (e: unknown) => e instanceof ScriptsNotAllowedError && e.code === 'SCRIPTS_NOT_ALLOWED' && /flow ops\/deploy has script tasks/.test(e.message),
    );
    assertScriptsAllowed(key('run'), 'ops/report', false);
  });

  it('keeps a key bound to a namespace inside it', () => {
    assert.ok(namespaceAllowed(LOCAL, 'any'));
    assert.ok(namespaceAllowed(key('run'), 'any'));
    assert.ok(namespaceAllowed(key('run', { namespace: 'team-a' }), 'team-a'));
    assert.ok(!namespaceAllowed(key('admin', { namespace: 'team-a' }), 'team-b'));
    assert.ok(!namespaceAllowed(key('run', { namespace: 'team-a' }), 'team-a.sub'), 'exact match only');
    assert.throws(
      () => assertNamespaceAllowed(key('run', { namespace: 'team-a' }), 'team-b'),
      (e: unknown) => e instanceof NamespaceNotAllowedError && e.message === 'namespace team-b is not allowed for key:weft_abcdefgh: it may touch only team-a',
    );
  });

  it('gives a refused caller a hint that names what it may touch, never the forbidden namespace nor a wider key', () => {
    assert.throws(
      () => assertNamespaceAllowed(key('run', { namespace: 'team-a' }), 'team-b'),
      (e: unknown) =>
        e instanceof NamespaceNotAllowedError && /team-a/.test(e.hint ?? '') && !/team-b/.test(e.hint ?? '') && !/--namespace|without/.test(e.hint ?? ''),
    );
  });

  it('hands the rights of a restricted starter to the whole run tree, and none for an unrestricted one', () => {
    assert.equal(runRightsOf({ caller: 'local', scriptsAllowed: true }), undefined);
    assert.deepEqual(runRightsOf({ caller: 'key:weft_abcdefgh', namespace: 'team-a', scriptsAllowed: false }), {
      caller: 'key:weft_abcdefgh',
      namespace: 'team-a',
      scripts: false,
    });
    const rights = { caller: 'key:weft_abcdefgh', namespace: 'team-a', scripts: false };
    const flow = (namespace: string, tasks: string) => flowFrom(`id: f\nnamespace: ${namespace}\ntasks:\n${tasks}`);
    const scripted = '  - { id: s, type: script, language: bash, script: "true" }\n';
    const plain = '  - { id: l, type: log, message: hi }\n';
    assertRunRights(flow('team-a', plain), rights, true);
    assertRunRights(flow('team-b', scripted), undefined, true);
    assert.throws(
      () => assertRunRights(flow('team-b', plain), rights, true),
      (e: unknown) => e instanceof SubflowNotAllowedError && e.code === 'SUBFLOW_NOT_ALLOWED' && /subflow team-b\/f .*namespace team-b/.test(e.message),
    );
    assert.throws(
      () => assertRunRights(flow('team-a', scripted), rights, true),
      (e: unknown) => e instanceof SubflowNotAllowedError && /tasks\[0\] is a script task/.test(e.message),
    );
    assert.throws(() => assertRunRights(flow('team-b', plain), rights), NamespaceNotAllowedError);
    assert.throws(() => assertRunRights(flow('team-a', scripted), rights), ScriptsNotAllowedError);
  });

  it('builds the policy of a session from the caller and the server switches', () => {
    const policy = sessionPolicy(key('run', { namespace: 'team-a' }), { readOnly: true });
    assert.equal(policy.caller, 'key:weft_abcdefgh');
    assert.equal(policy.namespace, 'team-a');
    assert.equal(policy.scriptsAllowed, false);
    assert.ok(policy.toolVisible('get_run') && !policy.toolVisible('run_flow'));
    const local = sessionPolicy(LOCAL, { disabledTools: ['delete_flow'] });
    assert.deepEqual([local.caller, local.scriptsAllowed, local.namespace], ['local', true, undefined]);
    assert.ok(local.toolVisible('run_flow') && !local.toolVisible('delete_flow'));
  });
});
