import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardBody, type JsonObject, passthroughBody } from './body.ts';

/** The request as the model front hands it to a codec: the bytes, and what they parsed to. */
function received(text: string): { body: JsonObject; raw: Buffer } {
  const raw = Buffer.from(text);
  return { body: JSON.parse(text) as JsonObject, raw };
}

describe('passthroughBody', () => {
  it("sends the client's bytes as they are when they already name the target model", () => {
    // Key order, spacing and a number past double precision survive only this way.
    const request = received(
      '{ "messages": [{"role":"user","content":"hi"}], "model": "gpt-4o", "seed": 12345678901234567890 }',
    );
    expect(passthroughBody(request, 'gpt-4o')).toBe(request.raw);
  });

  it('re-encodes with the target model when the client named another (an alias)', () => {
    const request = received('{"model":"fast","messages":[{"role":"user","content":"hi"}]}');
    expect(JSON.parse(String(passthroughBody(request, 'gpt-4o')))).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('re-encodes without the routing fields when the client sent any', () => {
    const request = received('{"model":"gpt-4o","messages":[],"policy_id":"p","routing_preferences":[]}');
    expect(JSON.parse(String(passthroughBody(request, 'gpt-4o')))).toEqual({ model: 'gpt-4o', messages: [] });
  });

  it('re-encodes when the model is left to the gateway', () => {
    const request = received('{"messages":[]}');
    expect(JSON.parse(String(passthroughBody(request, 'gpt-4o')))).toEqual({ model: 'gpt-4o', messages: [] });
  });

  it.each([
    [
      'a duplicate model key (parsers differ on which one counts)',
      '{"model":"other","messages":[],"model":"gpt-4o"}',
    ],
    ['a model key spelled with an escape', '{"m\\u006fdel":"other","messages":[],"model":"gpt-4o"}'],
    ['a byte order mark', '\uFEFF{"model":"gpt-4o","messages":[]}'],
  ])('re-encodes a body with %s, so the upstream reads what the gateway decided on', (_, text) => {
    const raw = Buffer.from(text);
    const body = JSON.parse(text.replace(/^\uFEFF/, '')) as JsonObject;
    const sent = passthroughBody({ body, raw }, 'gpt-4o');
    expect(sent).not.toBe(raw);
    expect(String(sent)).toBe(JSON.stringify({ model: 'gpt-4o', messages: [] }));
  });

  it('re-encodes when the ingress kept no bytes (the Fastify front)', () => {
    expect(passthroughBody({ body: { model: 'gpt-4o', messages: [] } }, 'gpt-4o')).toBe(
      '{"model":"gpt-4o","messages":[]}',
    );
  });

  it('always sends something that means what the re-encoded body means', () => {
    const routingField = fc.constantFrom('policy_id', 'revision', 'routing_preferences', 'routing_policy');
    const entries = fc.array(
      // `__proto__` never gets this far: both fronts refuse a body that carries it.
      fc.tuple(
        fc.oneof(
          fc.string().filter((key) => key !== '__proto__'),
          fc.constant('model'),
          routingField,
        ),
        // Often a model name, so that the client's bytes can qualify.
        fc.oneof(fc.jsonValue(), fc.constantFrom('gpt-4o', 'other')),
      ),
      { maxLength: 6 },
    );
    let sentAsIs = 0;
    fc.assert(
      fc.property(entries, fc.constantFrom('gpt-4o', 'other'), fc.boolean(), (pairs, model, spaced) => {
        // Built by hand so that duplicate keys and any key order reach the parser.
        const members = pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
        const text = `{${members.join(spaced ? ' , ' : ',')}}`;
        const request = received(text);
        const sent = passthroughBody(request, model);
        expect(JSON.parse(String(sent))).toEqual(forwardBody(request.body, model));
        // The client's bytes go only with one model key, so a parser that keeps the first reads it too.
        if (sent === request.raw) {
          sentAsIs++;
          expect(pairs.filter(([key]) => key === 'model')).toHaveLength(1);
        }
      }),
      { numRuns: 500 },
    );
    // Both ways were taken: about one run in thirty sends the bytes as they are (none: p ≈ 1e-8).
    expect(sentAsIs).toBeGreaterThan(0);
    expect(sentAsIs).toBeLessThan(500);
  });
});
