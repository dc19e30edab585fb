import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';

/** The `switchyard` command as a user runs it, in its own process. */
const CLI = ['--import', 'tsx', 'src/cli.ts'];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
});

describe('switchyard validate', () => {
  it('prints every error with its path and exits 1', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'version: 1\nproviders:\n  - {name: a, kind: openai}\n  - {name: b, kind: vllm, base_url: "nope"}\n  - {name: c, kind: openai, api_key: $MISSING_KEY_XYZ}\n',
    );
    const run = spawnSync(process.execPath, [...CLI, 'validate', file], {
      encoding: 'utf8',
      env: { ...process.env, MISSING_KEY_XYZ: undefined },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('providers[1].base_url: Invalid URL');
    expect(run.stderr).toContain('providers[2].api_key: environment variable MISSING_KEY_XYZ is not set');
  });

  it('accepts the example config and exits 0', () => {
    const run = spawnSync(process.execPath, [...CLI, 'validate', 'examples/switchyard.yaml'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('switchyard explain', () => {
  it('prints the decision and its trace for a request file, calling no upstream', () => {
    const config = join(dir, 'explain.yaml');
    writeFileSync(
      config,
      `version: 1
rules_store: {kind: memory}
providers:
  - {name: cloud, kind: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [gpt-4o]}
  - {name: claude, kind: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [sonnet]}
routing:
  default: cloud/gpt-4o
  rules:
    - {name: finance-on-claude, conditions: [{field: user.department, operator: eq, value: finance}], action: {provider: claude}}
`,
    );
    const request = join(dir, 'request.json');
    writeFileSync(request, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
    const run = spawnSync(
      process.execPath,
      [...CLI, 'explain', '--config', config, request, '--tenant', 'acme', '--department', 'finance'],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    const explanation = JSON.parse(run.stdout) as {
      decided_by: string;
      targets: string[];
      trace: Array<{ step: string; details?: unknown }>;
    };
    expect(explanation.decided_by).toBe('rule');
    expect(explanation.targets).toEqual(['claude/sonnet']);
    const rules = explanation.trace.find((step) => step.step === 'rules');
    expect(JSON.stringify(rules?.details)).toContain('"actual":"finance"');

    const other = spawnSync(
      process.execPath,
      [...CLI, 'explain', '--config', config, request, '--tenant', 'acme'],
      { encoding: 'utf8' },
    );
    expect((JSON.parse(other.stdout) as { decided_by: string }).decided_by).toBe('model');
  });
});

describe('switchyard demo', () => {
  it('shows a fallback and a stream, then exits 0', () => {
    const run = spawnSync(process.execPath, [...CLI, 'demo'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('served by backup/llama3.1:8b  attempts=2');
    expect(run.stdout).toMatch(/chunks: (\[[^\]]+\]){2,}/);
  });
});

describe('switchyard serve', () => {
  let upstream: FakeOpenAI;
  let child: ChildProcess;
  let url: string;
  const configFile = () => join(dir, 'serve.yaml');
  const writeConfig = (alias: string) =>
    writeFileSync(
      configFile(),
      `version: 1\nserver: {listen: "127.0.0.1:0"}\nlogging: {level: info}\nproviders:\n  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", models: [m1]}\nmodels:\n  ${alias}: [up/m1]\n`,
    );

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ record: false });
    writeConfig('first');
    child = spawn(process.execPath, [...CLI, 'serve', '--config', configFile()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    });
  });

  afterAll(async () => {
    child.kill('SIGKILL');
    await upstream.close();
  });

  const models = async () =>
    ((await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.map(
      (m) => m.id,
    );

  const generation = async () =>
    ((await (await fetch(`${url}/readyz`)).json()) as { config: { generation: number } }).config.generation;

  it('serves the config and reloads it when the file changes', async () => {
    expect(await models()).toContain('first');
    writeConfig('second');
    await expect.poll(models, { timeout: 5000 }).toContain('second');
  });

  it('reloads on SIGHUP', async () => {
    const before = await generation();
    child.kill('SIGHUP');
    await expect.poll(generation, { timeout: 5000 }).toBe(before + 1);
  });

  it('drains on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
