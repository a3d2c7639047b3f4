// The raw baseline of workload 14: the calls an agent makes, as a plain TypeScript loop on
// Temporal would make them, one activity each: the model through the official `openai` client
// (as Weft's openai-compatible provider does), the tool through the official MCP client on one
// connection kept open (as Weft's pool does).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import OpenAI from 'openai';

/** A message of the raw loop's conversation, in the chat completions format. */
export type RawMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
export type RawTool = OpenAI.Chat.Completions.ChatCompletionTool;

export interface RawModelReply {
  text: string;
  toolCalls: { id: string; name: string; arguments: string }[];
}

export function createRawAgentActivities(options: { modelUrl: string; mcpServer: { command: string; args: string[] } }) {
  const model = new OpenAI({ baseURL: options.modelUrl, apiKey: 'bench', maxRetries: 0 });
  let mcp: Promise<Client> | undefined;
  const connected = () => {
    mcp ??= (async () => {
      const client = new Client({ name: 'raw-bench', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: options.mcpServer.command, args: options.mcpServer.args, stderr: 'ignore' }));
      return client;
    })();
    return mcp;
  };
  return {
    async rawListTools(names: string[]): Promise<RawTool[]> {
      const { tools } = await (await connected()).listTools();
      return tools
        .filter((t) => names.includes(t.name))
        .map((t) => ({ type: 'function', function: { name: t.name, description: t.description ?? '', parameters: t.inputSchema as Record<string, unknown> } }));
    },
    async rawCallModel(input: { model: string; messages: RawMessage[]; tools: RawTool[] }): Promise<RawModelReply> {
      const reply = await model.chat.completions.create({ model: input.model, messages: input.messages, tools: input.tools });
      const message = reply.choices[0]?.message;
      return {
        text: message?.content ?? '',
        toolCalls: (message?.tool_calls ?? []).flatMap((c) =>
          c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
        ),
      };
    },
    async rawCallTool(input: { name: string; arguments: string }): Promise<string> {
      const result = await (await connected()).callTool({ name: input.name, arguments: JSON.parse(input.arguments) as Record<string, unknown> });
      return JSON.stringify(result.content);
    },
    async close(): Promise<void> {
      await (await mcp)?.close();
    },
  };
}
