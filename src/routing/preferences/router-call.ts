import { sendAttempt } from '../../forward/attempt.ts';
import type { RouterRuntime } from './compile-router.ts';

/**
 * One call to the router model: OpenAI chat format, temperature 0, through the provider's own
 * connection pool. The timeout is hard: the call is aborted, and the caller is answered when the
 * timer fires even if the upstream has not let go yet, so a router never stalls a request.
 * Never throws.
 */
export type RouterCallResult =
  | { readonly ok: true; readonly content: string; readonly ms: number }
  | {
      readonly ok: false;
      readonly reason: 'timeout' | 'error';
      readonly message: string;
      readonly ms: number;
    };

export async function callRouter(
  router: RouterRuntime,
  prompt: string,
  requestId?: string,
): Promise<RouterCallResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<RouterCallResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        ok: false,
        reason: 'timeout',
        message: `no answer within ${router.timeoutMs} ms`,
        ms: elapsed(),
      });
    }, router.timeoutMs);
  });
  try {
    return await Promise.race([attempt(router, prompt, controller.signal, requestId, elapsed), timedOut]);
  } finally {
    // No abort after an answer: the request is over, and an abort costs a DOMException with a stack.
    clearTimeout(timer);
  }
}

async function attempt(
  router: RouterRuntime,
  prompt: string,
  signal: AbortSignal,
  requestId: string | undefined,
  elapsed: () => number,
): Promise<RouterCallResult> {
  const body = JSON.stringify({
    model: router.target.model,
    messages: [{ role: 'user', content: prompt }],
    temperature: 0,
    max_tokens: router.maxTokens,
    stream: false,
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (requestId) headers['x-request-id'] = requestId;
  const result = await sendAttempt({
    provider: router.provider,
    target: router.target,
    op: 'chat',
    body,
    headers,
    stream: false,
    signal,
  });
  if (!result.ok) {
    const reason = result.outcome === 'timeout' || result.outcome === 'aborted' ? 'timeout' : 'error';
    // Status-based text only: an upstream's own error message is not ours to pass on.
    const message =
      result.outcome === 'http_error' ? `HTTP ${result.status}` : result.outcome.replaceAll('_', ' ');
    return { ok: false, reason, message, ms: elapsed() };
  }
  if (result.kind !== 'json')
    return { ok: false, reason: 'error', message: 'unexpected stream', ms: elapsed() };
  const content = messageContent(result.json);
  if (content === undefined)
    return { ok: false, reason: 'error', message: 'answer has no message content', ms: elapsed() };
  return { ok: true, content, ms: elapsed() };
}

function messageContent(json: unknown): string | undefined {
  const choices = (json as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return undefined;
  const content = (choices[0] as { message?: { content?: unknown } } | undefined)?.message?.content;
  return typeof content === 'string' ? content : content === null ? '' : undefined;
}
