import { type JsonRpcError, mcpErrors } from '../errors.ts';
import type { Identity } from '../identity/identity.ts';
import type { Logger } from '../observability/logger.ts';
import type { Chain, RateLimitStep } from './chain.ts';
import type { McpServerRuntime } from './compile.ts';
import type { RateLimiter } from './rate-limit.ts';

/**
 * Walks a compiled chain for one message, in order: the first gate that refuses, or the first
 * rate limit that is out of tokens, stops it. Steps after a refusal never run, so a denied call
 * takes no token from a later limit.
 */
export interface EnforceContext {
  readonly server: McpServerRuntime;
  readonly identity: Identity;
  readonly limiter: RateLimiter;
  readonly onStoreError: 'allow' | 'deny';
  readonly logger: Logger;
}

export interface Refusal {
  readonly outcome: 'denied' | 'rate_limited';
  readonly error: JsonRpcError;
}

/** Rate limits count tool calls, so they only run when `tool` is set. */
export async function runChain(
  ctx: EnforceContext,
  chain: Chain,
  tool: string | null,
): Promise<Refusal | null> {
  for (const step of chain.steps) {
    if (step.kind === 'rate_limit') {
      if (tool === null) continue;
      const refusal = await takeToken(ctx, step, tool);
      if (refusal) return refusal;
      continue;
    }
    if (step.matches(ctx.identity) === (step.kind === 'allow')) continue;
    const error =
      tool === null ? mcpErrors.serverDenied(ctx.server.name) : mcpErrors.toolDenied(ctx.server.name, tool);
    return { outcome: 'denied', error };
  }
  return null;
}

async function takeToken(ctx: EnforceContext, step: RateLimitStep, tool: string): Promise<Refusal | null> {
  // Unlisted tools share one bucket: a client inventing tool names must not be able to create
  // buckets without bound (and push everyone's buckets out of the store).
  const key = bucketKey(ctx, step, ctx.server.toolChains.has(tool) ? tool : '*');
  try {
    const result = await ctx.limiter.take(key, step);
    if (result.allowed) return null;
    return {
      outcome: 'rate_limited',
      error: mcpErrors.rateLimited(tool, Math.max(1, Math.ceil(result.retryAfterMs / 1000))),
    };
  } catch (error) {
    ctx.logger.warn(
      { err: error, mcp_server: ctx.server.name, on_store_error: ctx.onStoreError },
      'rate-limit store unreachable',
    );
    if (ctx.onStoreError === 'allow') return null;
    return { outcome: 'rate_limited', error: mcpErrors.rateLimited(tool, 1) };
  }
}

/**
 * One bucket per server, limit, tool and user. The user is the tenant plus the user id (or, for a
 * key without one, its configured name). Free-form parts are escaped so two keys never collide.
 */
export function bucketKey(
  ctx: Pick<EnforceContext, 'server' | 'identity'>,
  step: RateLimitStep,
  tool: string,
): string {
  const { identity } = ctx;
  const user = identity.user.id ?? identity.credentialName ?? '-';
  return [
    ctx.server.name,
    encodeURIComponent(step.id),
    encodeURIComponent(tool),
    identity.tenant,
    encodeURIComponent(user),
  ].join(':');
}
