// A transport wrapper that checks each request's params against its method before the SDK's
// server sees it, and gives an unknown resource the spec's -32002. It sits between the SDK's
// protocol layer and any transport (stdio or Weft's Streamable HTTP), so both answer the same.

import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { errorAnswer, invalidParams, resourceNotFound } from './protocol-errors.js';

export class GuardedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  /** resources/read requests awaiting their answer: id to uri. */
  private readonly reads = new Map<RequestId, string>();

  /** Takes over `inner`'s callbacks; ones set on it before (to learn of its closing) still run. */
  constructor(private readonly inner: Transport) {
    const closed = inner.onclose;
    const failed = inner.onerror;
    inner.onclose = () => {
      closed?.();
      this.onclose?.();
    };
    inner.onerror = (error) => {
      failed?.(error);
      this.onerror?.(error);
    };
    inner.onmessage = (message, extra) => this.receive(message, extra);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = 'method' in message ? undefined : message.id;
    if (id !== undefined && this.reads.has(id)) {
      const uri = this.reads.get(id) as string;
      this.reads.delete(id);
      // The params were checked on the way in, so the SDK's only invalid-params answer left to a
      // read is that no resource or template matches the URI (Weft never disables a resource).
      if ('error' in message && message.error.code === ErrorCode.InvalidParams) {
        const notFound = resourceNotFound(uri);
        return this.inner.send(errorAnswer(id, notFound.code, notFound.message, notFound.data), options);
      }
    }
    return this.inner.send(message, options);
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if ('method' in message && 'id' in message) {
      const problem = invalidParams(message);
      if (problem) {
        this.inner.send(errorAnswer(message.id, ErrorCode.InvalidParams, problem)).catch((error: unknown) => this.onerror?.(error as Error));
        return;
      }
      if (message.method === 'resources/read') this.reads.set(message.id, (message.params as { uri: string }).uri);
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request is never answered.
      this.reads.delete((message.params as { requestId?: RequestId } | undefined)?.requestId ?? '');
    }
    this.onmessage?.(message, extra);
  }
}
