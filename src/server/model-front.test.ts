import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { frontEndpoint } from './model-front.ts';
import type { ModelEndpoint } from './model-request.ts';

/** Which requests the model front serves itself; everything else goes to Fastify. */
const chat: ModelEndpoint = { path: '/v1/chat/completions', serve: async () => {} };
const byPath = new Map([[chat.path, chat]]);
const LIMIT = 1000;

function head(overrides: { method?: string; url?: string; headers?: IncomingHttpHeaders } = {}) {
  return {
    method: overrides.method ?? 'POST',
    url: overrides.url ?? '/v1/chat/completions',
    headers: overrides.headers ?? { 'content-type': 'application/json', 'content-length': '120' },
  };
}

describe('frontEndpoint', () => {
  it.each([
    ['a JSON POST with a Content-Length', head()],
    ['a query string', head({ url: '/v1/chat/completions?trace=1' })],
    [
      'charset=utf-8',
      head({ headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '5' } }),
    ],
    [
      'a content type in capitals',
      head({ headers: { 'content-type': 'Application/JSON', 'content-length': '5' } }),
    ],
    [
      'a body of exactly the limit',
      head({ headers: { 'content-type': 'application/json', 'content-length': '1000' } }),
    ],
  ])('takes %s', (_name, request) => {
    expect(frontEndpoint(request, byPath, LIMIT)).toBe(chat);
  });

  it.each([
    ['another method', head({ method: 'GET' })],
    ['another path', head({ url: '/v1/models' })],
    ['a path that only starts like a model path', head({ url: '/v1/chat/completions/x' })],
    ['no content type', head({ headers: { 'content-length': '5' } })],
    ['another content type', head({ headers: { 'content-type': 'text/plain', 'content-length': '5' } })],
    [
      'another charset',
      head({ headers: { 'content-type': 'application/json; charset=latin1', 'content-length': '5' } }),
    ],
    [
      'a JSON-suffixed type',
      head({ headers: { 'content-type': 'application/merge-patch+json', 'content-length': '5' } }),
    ],
    [
      'a chunked body',
      head({ headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }),
    ],
    ['an empty body', head({ headers: { 'content-type': 'application/json', 'content-length': '0' } })],
    [
      'a body over the limit',
      head({ headers: { 'content-type': 'application/json', 'content-length': '1001' } }),
    ],
  ])('hands %s to Fastify', (_name, request) => {
    expect(frontEndpoint(request, byPath, LIMIT)).toBeUndefined();
  });
});
