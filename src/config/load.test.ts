import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PoolRegistry } from '../forward/pools.ts';
import { compileSnapshot } from './compile.ts';
import { configJsonSchemaText } from './json-schema.ts';
import { ConfigError, formatIssue, parseConfig } from './load.ts';

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    const loaded = parseConfig(text, 'test.yaml', env);
    compileSnapshot(loaded, { pools: new PoolRegistry(), generation: 1 });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

const base = (providers: string, rest = '') => `version: 1\nproviders:\n${providers}\n${rest}`;

describe('config validation reports every problem with its path', () => {
  it.each([
    [
      'an invalid base URL',
      base(
        '  - {name: a, kind: openai}\n  - {name: b, kind: vllm, base_url: "x"}\n  - {name: c, kind: vllm, base_url: "not a url"}',
      ),
      ['providers[1].base_url: Invalid URL', 'providers[2].base_url: Invalid URL'],
    ],
    [
      'a missing base URL where the kind has no default',
      base('  - {name: a, kind: vllm}'),
      ['providers[0].base_url: required for kind vllm'],
    ],
    [
      'azure without api_version',
      base('  - {name: a, kind: azure-openai, base_url: "https://x.openai.azure.com"}'),
      ['providers[0].api_version: required for kind azure-openai'],
    ],
    [
      'an unknown provider kind',
      base('  - {name: a, kind: bard}'),
      [expect.stringMatching(/^providers\[0\]\.kind: Invalid option/)],
    ],
    [
      'an unknown key',
      base('  - {name: a, kind: openai, colour: red}'),
      ['providers[0]: Unrecognized key: "colour"'],
    ],
    [
      'a duplicate provider',
      base('  - {name: a, kind: openai}\n  - {name: a, kind: ollama}'),
      ['providers[1].name: duplicate provider "a"'],
    ],
    [
      'a bad provider name',
      base('  - {name: "Bad Name", kind: openai}'),
      [expect.stringMatching(/^providers\[0\]\.name: must be lower-case/)],
    ],
    [
      'a wrong type deep inside',
      base('  - {name: a, kind: openai, timeout_ms: "soon"}'),
      [expect.stringMatching(/^providers\[0\]\.timeout_ms: /)],
    ],
    ['no providers', 'version: 1\nproviders: []', [expect.stringMatching(/^providers: /)]],
    [
      'a wrong version',
      'version: 2\nproviders: [{name: a, kind: openai}]',
      [expect.stringMatching(/^version: /)],
    ],
    [
      'an alias naming an unknown target',
      base('  - {name: a, kind: openai, models: [m1]}', 'models:\n  fast: [a/m1, b/m2, a/m9]'),
      [
        'models.fast[1]: "b/m2" is not a configured provider/model',
        'models.fast[2]: "a/m9" is not a configured provider/model',
      ],
    ],
    [
      'a default naming an unknown target',
      base('  - {name: a, kind: openai, models: [m1]}', 'routing: {default: z/m1}'),
      ['routing.default: "z/m1" is not a configured provider/model'],
    ],
    [
      'a bad listen address',
      base('  - {name: a, kind: openai}', 'server: {listen: "8080"}'),
      [expect.stringMatching(/^server\.listen: must be host:port/)],
    ],
    ['YAML syntax', 'version: 1\nproviders: [', [expect.stringMatching(/^YAML: /)]],
    ['duplicate YAML keys', 'version: 1\nversion: 1\nproviders: []', [expect.stringMatching(/^YAML: /)]],
  ])('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('reports a missing environment variable by name and place', () => {
    const text = base('  - {name: a, kind: openai, api_key: "$OPENAI_KEY", headers: {x-org: "${ORG_ID}"}}');
    expect(issuesOf(text)).toEqual([
      'providers[0].api_key: environment variable OPENAI_KEY is not set',
      'providers[0].headers.x-org: environment variable ORG_ID is not set',
    ]);
  });

  it('interpolates $NAME and ${NAME}, keeps $$ as a literal $, and treats substituted values as secrets', () => {
    const text = base(
      '  - {name: a, kind: openai, api_key: "$KEY", headers: {x-a: "pre-${ORG}-post", x-b: "cost$$5"}}',
    );
    const loaded = parseConfig(text, 't', { KEY: 'sk-live-1', ORG: 'org9' });
    const provider = loaded.config.providers[0];
    expect(provider?.api_key).toBe('sk-live-1');
    expect(provider?.headers).toEqual({ 'x-a': 'pre-org9-post', 'x-b': 'cost$5' });
    expect([...loaded.secrets].sort()).toEqual(['org9', 'sk-live-1']);
  });

  it('fills defaults for a minimal config', () => {
    const loaded = parseConfig(base('  - {name: a, kind: openai}'), 't', {});
    expect(loaded.config.server).toMatchObject({ listen: '127.0.0.1:8080', max_body_bytes: 10485760 });
    expect(loaded.config.providers[0]?.circuit_breaker).toEqual({ failure_threshold: 5, cooldown_ms: 30000 });
  });

  it('the example configs are valid', () => {
    for (const file of ['examples/switchyard.yaml', 'examples/demo.yaml']) {
      expect(
        issuesOf(readFileSync(file, 'utf8'), {
          DEMO_PRIMARY_URL: 'http://127.0.0.1:1/v1',
          DEMO_BACKUP_URL: 'http://127.0.0.1:2/v1',
        }),
      ).toEqual([]);
    }
  });
});

describe('compiled snapshot', () => {
  it('indexes bare names, provider/model and aliases for one lookup', () => {
    const loaded = parseConfig(
      base(
        '  - {name: a, kind: openai, models: [m1, m2]}\n  - {name: b, kind: vllm, base_url: "http://h/v1", models: [m1, org/m3]}',
        'models:\n  fast: [b/org/m3, a/m1]',
      ),
      't',
      {},
    );
    const snapshot = compileSnapshot(loaded, { pools: new PoolRegistry(), generation: 1 });
    expect(snapshot.modelIndex.get('m1')?.map((t) => t.key)).toEqual(['a/m1', 'b/m1']);
    expect(snapshot.modelIndex.get('b/org/m3')?.map((t) => t.key)).toEqual(['b/org/m3']);
    expect(snapshot.modelIndex.get('fast')?.map((t) => t.key)).toEqual(['b/org/m3', 'a/m1']);
    expect(snapshot.providers.get('b')?.basePath).toBe('/v1');
    expect(Object.isFrozen(snapshot)).toBe(true);
  });
});

describe('JSON Schema for editors', () => {
  it('schema/switchyard.schema.json matches the zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync('schema/switchyard.schema.json', 'utf8')).toBe(configJsonSchemaText());
  });
});
