// One MCP session's end of the Streamable HTTP transport. A POST that carries requests is
// answered with one JSON body, unless something has to reach the client before the answer (a
// progress notification, an elicitation request): then that response turns into an event
// stream. The SDK's own transport picks one mode for every request of a session, so a server
// that may ever stream pays for an event stream on every call, on both ends (see
// bench/README.md, workload 6). Batches are answered as JSON-RPC 2.0 asks, under the protocol
// versions that have them; a request reusing the id of one still in flight is refused.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { type ErrorAnswer, header, INVALID_REQUEST, type PostMessages, replyError } from './http-messages.js';
import { errorAnswer } from './protocol-errors.js';

/** The first protocol revision without JSON-RPC batches (its changelog: "Remove support for JSON-RPC batching"). */
const FIRST_VERSION_WITHOUT_BATCHES = '2025-06-18';

/** A POST that carries requests: its HTTP response and the answers it still waits for. */
interface Exchange {
  res: ServerResponse;
  /** Whether the POST was a batch, so its answers go back as an array. */
  batch: boolean;
  open: Set<RequestId>;
  answers: (JSONRPCMessage | ErrorAnswer)[];
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
  /** The initialize request's id until it is answered, to learn the version the server chose. */
  private initializeId: RequestId | undefined;
  /** The protocol version this session negotiated; what the spec says to assume until then. */
  private protocolVersion = DEFAULT_NEGOTIATED_PROTOCOL_VERSION;

  constructor(private readonly options: HttpSessionTransportOptions) {}

  async start(): Promise<void> {}

  /**
   * Serves one HTTP request of this session; `post` holds the messages of a POST, whose headers
   * and JSON http-server.ts has checked.
   */
  async handleRequest(req: IncomingMessage, res: ServerResponse, post?: PostMessages): Promise<void> {
    if (req.method === 'POST' && post) return this.handlePost(req, res, post);
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
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    if (exchange.done) {
      // The client hung up on that request; nobody is left to tell. Its id is free once answered.
      if (isAnswer) this.exchanges.delete(id);
      return;
    }
    if (!isAnswer) {
      this.stream(exchange);
      writeEvent(exchange.res, message);
      return;
    }
    exchange.open.delete(id);
    this.exchanges.delete(id);
    if (id === this.initializeId) {
      this.initializeId = undefined;
      const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
      if (typeof version === 'string') this.protocolVersion = version;
    }
    if (exchange.streaming) writeEvent(exchange.res, message);
    else exchange.answers.push(message);
    if (exchange.open.size === 0) this.finish(exchange);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const exchange of new Set(this.exchanges.values())) {
      if (exchange.done) continue;
      exchange.done = true;
      if (exchange.res.headersSent) exchange.res.end();
      else replyError(exchange.res, 404, -32001, 'session closed; initialize a new one');
    }
    this.exchanges.clear();
    this.standalone?.end();
    this.standalone = undefined;
    this.onclose?.();
  }

  private handlePost(req: IncomingMessage, res: ServerResponse, post: PostMessages): void {
    if (this.closed) {
      replyError(res, 404, -32001, 'session closed; initialize a new one');
      return;
    }
    const { messages } = post;
    if (messages.some((m) => isRequest(m) && m.method === 'initialize')) {
      if (this.sessionId !== undefined) {
        replyError(res, 400, INVALID_REQUEST, 'Invalid Request: this session is already initialized');
        return;
      }
      if (post.batch) {
        replyError(res, 400, INVALID_REQUEST, 'Invalid Request: an initialize request must not be part of a batch');
        return;
      }
      this.sessionId = this.options.newSessionId();
      this.options.onSessionInitialized?.(this.sessionId);
    } else if (!this.checkProtocolVersion(req, res)) {
      return;
    } else if (post.batch && !batchesAllowed(this.protocolVersion)) {
      replyError(
        res,
        400,
        INVALID_REQUEST,
        `Invalid Request: a JSON-RPC batch, which protocol ${this.protocolVersion} (this session's) does not allow: send one message per POST`,
      );
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    const exchange: Exchange = { res, batch: post.batch, open: new Set(), answers: [...post.invalid], streaming: false, done: false };
    const delivered: JSONRPCMessage[] = [];
    for (const message of messages) {
      if (isRequest(message)) {
        // An id is the client's handle on its answer: a second request under an id still in
        // flight would take the first one's answer, so it is refused and the first keeps it.
        if (this.exchanges.has(message.id)) {
          exchange.answers.push(
            errorAnswer(
              message.id,
              INVALID_REQUEST,
              `Invalid Request: id ${JSON.stringify(message.id)} is in use by a request still in flight in this session`,
            ),
          );
          continue;
        }
        if (message.method === 'initialize') this.initializeId = message.id;
        exchange.open.add(message.id);
        this.exchanges.set(message.id, exchange);
      } else if ('method' in message && message.method === 'notifications/cancelled') this.forgetAbandoned(message.params?.requestId);
      delivered.push(message);
    }
    if (exchange.open.size === 0) {
      if (exchange.answers.length > 0) this.finish(exchange);
      else res.writeHead(202).end();
      for (const message of delivered) this.onmessage?.(message, extra);
      return;
    }
    // A request the client hung up on keeps its id until the server answers it, so a new request
    // under that id cannot receive the old one's answer.
    res.on('close', () => {
      exchange.done = true;
    });
    for (const message of delivered) this.onmessage?.(message, extra);
  }

  /** A cancelled request is never answered: if its client has hung up, its id is free now. */
  private forgetAbandoned(id: unknown): void {
    if ((typeof id === 'string' || typeof id === 'number') && this.exchanges.get(id)?.done) this.exchanges.delete(id);
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
    const body = JSON.stringify(exchange.batch ? exchange.answers : exchange.answers[0]);
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

function writeEvent(res: ServerResponse, message: JSONRPCMessage | ErrorAnswer): void {
  res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/**
 * Whether `version` has JSON-RPC batches: JSON-RPC 2.0 has them, 2025-03-26 named them, and
 * 2025-06-18 removed them (a POST body is then one message). Versions are dates, so they sort.
 */
function batchesAllowed(version: string): boolean {
  return version < FIRST_VERSION_WITHOUT_BATCHES;
}
