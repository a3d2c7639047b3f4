// The tool-calling half of the local model server (fake-model-server.ts): the model's tool
// calls in both wire formats, JSON and streaming, and the tool results a request carries.

import type { ServerResponse } from 'node:http';

/** Tokens a scripted answer reports. */
export type Usage = { input: number; output: number };

/** One tool call as sent: the provider's id, the tool's name and its arguments' text. */
export type WireCall = { id: string; name: string; text: string };

/** A tool result as a request carries it, whatever the wire format. */
export interface ToolResult {
  id: string;
  content: string;
  isError: boolean;
}

/** The tool results after the model's last turn: `role: tool` messages, or a user turn's tool_result blocks. */
export function toolResultsOf(api: 'openai' | 'anthropic', messages: { role: string; content: unknown }[]): ToolResult[] {
  const results: ToolResult[] = [];
  if (api === 'openai') {
    for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) {
      const m = messages[i] as unknown as { tool_call_id: string; content: string };
      results.unshift({ id: m.tool_call_id, content: m.content, isError: m.content.startsWith('Error:') });
    }
    return results;
  }
  const last = messages.at(-1);
  if (last?.role !== 'user' || !Array.isArray(last.content)) return results;
  for (const block of last.content as { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[]) {
    if (block.type !== 'tool_result') continue;
    const content = typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
    results.push({ id: String(block.tool_use_id), content, isError: block.is_error === true });
  }
  return results;
}

export function openAiToolReply(res: ServerResponse, text: string, calls: WireCall[], usage: Usage, model: string, stream: boolean): void {
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const usageBody = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
  const toolCalls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.text } }));
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text || null, tool_calls: toolCalls }, finish_reason: 'tool_calls' }],
        usage: usageBody,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const base = { id, object: 'chat.completion.chunk', created, model };
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: text || null }, finish_reason: null }] });
  calls.forEach((c, index) => {
    send({
      ...base,
      choices: [{ index: 0, delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, finish_reason: null }],
    });
    for (const piece of splitInto(c.text, 3)) {
      send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] });
    }
  });
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  send({ ...base, choices: [], usage: usageBody });
  res.end('data: [DONE]\n\n');
}

export function anthropicToolReply(res: ServerResponse, text: string, calls: WireCall[], usage: Usage, model: string, stream: boolean): void {
  const id = `msg_${Date.now()}`;
  const blocks = [
    ...(text ? [{ type: 'text', text }] : []),
    ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.text) as unknown })),
  ];
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: blocks,
        stop_reason: 'tool_use',
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
  let index = 0;
  if (text) {
    send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    send('content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  for (const c of calls) {
    send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } });
    for (const piece of splitInto(c.text, 3))
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    send('content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  send('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: usage.output } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

/** Splits text into about `parts` pieces, as a stream would send it. */
export function splitInto(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}
