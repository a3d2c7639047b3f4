// A local HTTP server speaking the wire formats of OpenAI Chat Completions and Anthropic
// Messages, JSON and streaming (SSE), tool calling included (`tool_calls` and `role: tool`;
// `tool_use` and `tool_result` blocks), so tests run the real `openai` and `@anthropic-ai/sdk`
// clients end to end. Each test scripts the answers; the server records every request and
// how many were in flight at once.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { anthropicToolReply, openAiToolReply, splitInto, type ToolResult, toolResultsOf, type Usage } from './fake-model-tool-calls.js';

export interface ModelCall {
  api: 'openai' | 'anthropic';
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** Whether the call asked for structured output (response_format or a forced tool). */
  structured: boolean;
  /** The last user message's text. */
  lastUser: string;
  /** Names of the tools the request offered (besides a structured-output tool). */
  tools: string[];
  /** The tool results the request carries after the model's last turn, in either wire format. */
  toolResults: ToolResult[];
}

/** A tool call the scripted model makes; `arguments` as text is sent as it is (bad JSON included). */
export interface FakeToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
}

export type ModelAnswer =
  | { text: string; usage?: { input: number; output: number }; delayMs?: number }
  | { json: unknown; usage?: { input: number; output: number }; delayMs?: number }
  | { toolCalls: FakeToolCall[]; text?: string; usage?: { input: number; output: number }; delayMs?: number }
  | { status: number; headers?: Record<string, string>; error?: string };

export interface FakeModelServer {
  url: string;
  openaiUrl: string;
  calls: ModelCall[];
  maxInFlight: number;
  /** Decides each answer; the default echoes the prompt. */
  answer(fn: (call: ModelCall, index: number) => ModelAnswer | Promise<ModelAnswer>): void;
  close(): Promise<void>;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  let decide: (call: ModelCall, index: number) => ModelAnswer | Promise<ModelAnswer> = (call) => ({ text: `echo: ${call.lastUser}` });
  let inFlight = 0;
  const state = { calls: [] as ModelCall[], maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    handle(req, res)
      .catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: error.message } }));
      })
      .finally(() => inFlight--);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const api = req.url?.endsWith('/chat/completions') ? 'openai' : req.url?.endsWith('/messages') ? 'anthropic' : undefined;
    if (!api) {
      res.writeHead(404).end();
      return;
    }
    const messages = (body.messages ?? []) as { role: string; content: unknown }[];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const call: ModelCall = {
      api,
      body,
      headers: req.headers,
      structured: api === 'openai' ? Boolean(body.response_format) : Boolean(body.tool_choice),
      lastUser: typeof lastUser?.content === 'string' ? lastUser.content : JSON.stringify(lastUser?.content ?? ''),
      tools: ((body.tools ?? []) as { name?: string; function?: { name: string } }[])
        .map((t) => t.function?.name ?? t.name ?? '')
        .filter((n) => n !== 'respond'),
      toolResults: toolResultsOf(api, messages),
    };
    state.calls.push(call);
    const answer = await decide(call, state.calls.length - 1);
    if ('status' in answer) {
      const type = answer.status === 429 ? 'rate_limit_error' : answer.status >= 500 ? 'api_error' : 'invalid_request_error';
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(
        JSON.stringify(
          api === 'anthropic' ? { type: 'error', error: { type, message: answer.error ?? type } } : { error: { message: answer.error ?? type, type } },
        ),
      );
      return;
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const usage = answer.usage ?? { input: 10, output: 5 };
    const model = String(body.model ?? 'fake-model');
    const stream = body.stream === true;
    const callIndex = state.calls.length - 1;
    if ('toolCalls' in answer) {
      const calls = answer.toolCalls.map((c, i) => ({
        id: `call_${callIndex}_${i}`,
        name: c.name,
        text: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      }));
      if (api === 'openai') openAiToolReply(res, answer.text ?? '', calls, usage, model, stream);
      else anthropicToolReply(res, answer.text ?? '', calls, usage, model, stream);
      return;
    }
    if (api === 'openai') openAiReply(res, answer, usage, model, stream);
    else anthropicReply(res, answer, usage, model, stream);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    openaiUrl: `${url}/v1`,
    get calls() {
      return state.calls;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    answer(fn) {
      decide = fn;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as FakeModelServer;
}

type Content = { text: string } | { json: unknown };

function openAiReply(res: ServerResponse, answer: Content, usage: Usage, model: string, stream: boolean): void {
  const content = 'text' in answer ? answer.text : JSON.stringify(answer.json);
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const usageBody = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: usageBody,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const base = { id, object: 'chat.completion.chunk', created, model };
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (const piece of splitInto(content, 3)) send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  send({ ...base, choices: [], usage: usageBody });
  res.end('data: [DONE]\n\n');
}

function anthropicReply(res: ServerResponse, answer: Content, usage: Usage, model: string, stream: boolean): void {
  const id = `msg_${Date.now()}`;
  const block = 'text' in answer ? { type: 'text', text: answer.text } : { type: 'tool_use', id: 'toolu_1', name: 'respond', input: answer.json };
  const stopReason = 'text' in answer ? 'end_turn' : 'tool_use';
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: usage.output },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  });
  if ('text' in answer) {
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const piece of splitInto(answer.text, 3))
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } });
  } else {
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'respond', input: {} } });
    for (const piece of splitInto(JSON.stringify(answer.json), 3)) {
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } });
    }
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}
