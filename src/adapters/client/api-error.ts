// The client's error: what the API answered (`{ error: { code, message, hint?, problems? } }`)
// with its HTTP status, or a network failure (status 0, code NETWORK_ERROR).

/** One problem of a refused flow or request, at its path (`tasks[1].type`, `inputs.count`). */
export interface ApiProblem {
  path: string;
  message: string;
  hint?: string;
}

/** Thrown by every client method the API refused or could not answer. */
export class WeftApiError extends Error {
  override readonly name = 'WeftApiError';
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** The stable error code (FLOW_INVALID, API_KEY_INVALID, RUN_NOT_FOUND, ...). */
  readonly code: string;
  readonly hint?: string;
  /** Every problem found, for 400 and 422 answers; empty otherwise. */
  readonly problems: ApiProblem[];
  /** Seconds to wait before retrying, for 429 and 503 answers. */
  readonly retryAfterSeconds?: number;

  constructor(status: number, body: { code: string; message: string; hint?: string; problems?: ApiProblem[] }, retryAfterSeconds?: number, cause?: unknown) {
    super(body.message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.code = body.code;
    if (body.hint !== undefined) this.hint = body.hint;
    this.problems = body.problems ?? [];
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The error of a non-2xx answer, read from its body (any body: a proxy may answer in HTML). */
export async function errorOfResponse(response: Response): Promise<WeftApiError> {
  const text = await response.text().catch(() => '');
  let body: { code: string; message: string; hint?: string; problems?: ApiProblem[] } = {
    code: `HTTP_${response.status}`,
    message: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
  };
  try {
    const parsed = JSON.parse(text) as { error?: typeof body };
    if (parsed.error && typeof parsed.error.code === 'string') body = parsed.error;
  } catch {
    // Not JSON: the status and the start of the text say what happened.
  }
  const retry = Number(response.headers.get('retry-after'));
  return new WeftApiError(response.status, body, Number.isFinite(retry) && retry > 0 ? retry : undefined);
}
