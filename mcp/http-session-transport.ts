// One MCP session's end of the Streamable HTTP transport. A POST that carries requests is
// answered with one JSON body, unless something has to reach the client before the answer (a
// progress notification, an elicitation request): then that response turns into an event
// stream. The SDK's own transport picks one mode for every request of a session, so a server
// that may ever stream pays for an event stream on every call, on both ends (see
// bench/README.md, workload 6).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { header, replyError } from './http-messages.js';

/** Most messages one POST may carry. */
const MAX_BATCH_MESSAGES = 100;

/** A POST that carries requests: its HTTP response and the answers it still waits for. */
interface Exchange {
  res: ServerResponse;
  open: Set<RequestId>;
  answers: JSONRPCMessage[];
  /** Whether the response has become an event stream. */
  streaming: boolean;
  done: boolean;
}

export interface HttpSessionTransportOptions {
  newSessionId(): string;
  /** Told the session's id once the initialize request has been taken. */
  onSessionInitialized?(sessionId: string): void;
}

export class HttpSessionTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private readonly exchanges = new Map<RequestId, Exchange>();
  /** The GET stream, for messages that belong to no request. */
  private standalone: ServerResponse | undefined;
  private closed = false;

  constructor(private readonly options: HttpSessionTransportOptions) {}

  async start(): Promise<void> {}

  /** Serves one HTTP request of this session; `body` is the parsed JSON of a POST. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (req.method === 'POST') return this.handlePost(req, res, body);
    if (req.method === 'GET') return this.handleGet(req, res);
    if (req.method === 'DELETE') return this.handleDelete(req, res);
    res.setHeader('allow', 'GET, POST, DELETE');
    replyError(res, 405, -32000, `method ${req.method} not allowed; use POST, GET or DELETE`);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = isAnswerMessage(message);
    const id = isAnswer ? message.id : options?.relatedRequestId;
    if (id === undefined) {
      // Nothing to tie it to but the session: the GET stream, when the client keeps one open.
      if (!isAnswer && this.standalone) writeEvent(this.standalone, message);
      return;
    }
    // Gone when the client hung up on that request; nobody is left to tell.
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    if (!isAnswer) {
      this.stream(exchange);
      writeEvent(exchange.res, message);
      return;
    }
    exchange.open.delete(id);
    this.exchanges.delete(id);
    if (exchange.streaming) writeEvent(exchange.res, message);
    else exchange.answers.push(message);
    if (exchange.open.size === 0) this.finish(exchange);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const exchange of new Set(this.exchanges.values())) {
      exchange.done = true;
      if (exchange.res.headersSent) exchange.res.end();
      else replyError(exchange.res, 404, -32001, 'session closed; initialize a new one');
    }
    this.exchanges.clear();
    this.standalone?.end();
    this.standalone = undefined;
    this.onclose?.();
  }

  private handlePost(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const accept = header(req, 'accept') ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      replyError(res, 406, -32000, 'Not Acceptable: the Accept header must list application/json and text/event-stream');
      return;
    }
    if (!isJsonContentType(header(req, 'content-type'))) {
      replyError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
      return;
    }
    const raw = Array.isArray(body) ? body : [body];
    if (raw.length > MAX_BATCH_MESSAGES) {
      replyError(res, 400, -32600, `Invalid Request: a batch holds at most ${MAX_BATCH_MESSAGES} messages`);
      return;
    }
    const messages: JSONRPCMessage[] = [];
    for (const item of raw) {
      const parsed = JSONRPCMessageSchema.safeParse(item);
      if (!parsed.success) {
        replyError(res, 400, -32700, 'Parse error: the body is not a JSON-RPC message');
        return;
      }
      messages.push(parsed.data);
    }
    if (this.closed) {
      replyError(res, 404, -32001, 'session closed; initialize a new one');
      return;
    }
    if (messages.some((m) => isRequest(m) && m.method === 'initialize')) {
      if (this.sessionId !== undefined) {
        replyError(res, 400, -32600, 'Invalid Request: this session is already initialized');
        return;
      }
      if (messages.length > 1) {
        replyError(res, 400, -32600, 'Invalid Request: an initialize request must come alone');
        return;
      }
      this.sessionId = this.options.newSessionId();
      this.options.onSessionInitialized?.(this.sessionId);
    } else if (!this.checkProtocolVersion(req, res)) {
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      res.writeHead(202).end();
      for (const message of messages) this.onmessage?.(message, extra);
      return;
    }
    const exchange: Exchange = { res, open: new Set(requests.map((r) => r.id)), answers: [], streaming: false, done: false };
    for (const request of requests) this.exchanges.set(request.id, exchange);
    res.on('close', () => {
      if (exchange.done) return;
      exchange.done = true;
      for (const id of exchange.open) this.exchanges.delete(id);
    });
    for (const message of messages) this.onmessage?.(message, extra);
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!(header(req, 'accept') ?? '').includes('text/event-stream')) {
      replyError(res, 406, -32000, 'Not Acceptable: the Accept header must list text/event-stream');
      return;
    }
    if (!this.checkProtocolVersion(req, res)) return;
    if (this.standalone) {
      replyError(res, 409, -32000, 'Conflict: this session already has its event stream open');
      return;
    }
    res.writeHead(200, this.headers('text/event-stream')).flushHeaders();
    this.standalone = res;
    res.on('close', () => {
      if (this.standalone === res) this.standalone = undefined;
    });
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.checkProtocolVersion(req, res)) return;
    await this.close();
    res.writeHead(200).end();
  }

  /**
   * Whether a request after initialize speaks a protocol version we do. Which session it belongs
   * to is settled before it gets here: http-server.ts hands a transport only the requests whose
   * Mcp-Session-Id names it, and only a session that has been initialized is registered.
   */
  private checkProtocolVersion(req: IncomingMessage, res: ServerResponse): boolean {
    const version = header(req, 'mcp-protocol-version');
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      replyError(res, 400, -32000, `Bad Request: unsupported protocol version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
      return false;
    }
    return true;
  }

  /** Turns a response into an event stream, carrying over any answers already collected. */
  private stream(exchange: Exchange): void {
    if (exchange.streaming) return;
    exchange.streaming = true;
    exchange.res.writeHead(200, this.headers('text/event-stream'));
    for (const answer of exchange.answers) writeEvent(exchange.res, answer);
    exchange.answers = [];
  }

  private finish(exchange: Exchange): void {
    exchange.done = true;
    if (exchange.streaming) {
      exchange.res.end();
      return;
    }
    const body = JSON.stringify(exchange.answers.length === 1 ? exchange.answers[0] : exchange.answers);
    exchange.res.writeHead(200, { ...this.headers('application/json'), 'content-length': Buffer.byteLength(body) }).end(body);
  }

  private headers(contentType: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (contentType === 'text/event-stream') Object.assign(headers, { 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' });
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    return headers;
  }
}

// Messages here are already valid JSON-RPC (parsed on the way in, or built by the SDK on the way
// out), so their kind is told by shape: the SDK's guards would parse each one again with zod.
function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

function isAnswerMessage(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return !('method' in message) && 'id' in message;
}

function writeEvent(res: ServerResponse, message: JSONRPCMessage): void {
  res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/** A media type check, not a substring one: `application/json; charset=utf-8` passes, `application/jsonp` does not. */
function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}
