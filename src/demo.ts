import { readFile } from 'node:fs/promises';
import { startGateway } from './server/start.ts';
import { startFakeOpenAI } from './testing/fake-openai.ts';

/**
 * `switchyard demo`: two fake upstreams and a gateway on loopback, a few requests, and what was
 * decided for each. Needs no network and no keys.
 */
export async function runDemo(): Promise<number> {
  const primary = await startFakeOpenAI({
    name: 'primary',
    record: false,
    behaviour: { status: 500, errorMessage: 'primary is down' },
  });
  const backup = await startFakeOpenAI({ name: 'backup', record: false, behaviour: { chunkDelayMs: 30 } });
  const configText = await readFile(new URL('../examples/demo.yaml', import.meta.url), 'utf8');
  const gateway = await startGateway({
    configText,
    env: { ...process.env, DEMO_PRIMARY_URL: primary.url, DEMO_BACKUP_URL: backup.url },
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    out(`switchyard demo: gateway on ${gateway.url}, upstreams ${primary.url} (failing) and ${backup.url}\n`);

    const plain = await chat(gateway.url, {
      model: 'resilient',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    out('1. POST /v1/chat/completions  model=resilient  (its first target answers 500)');
    out(
      `   decided_by=${plain.headers.get('x-switchyard-decided-by')}  served by ${plain.headers.get('x-switchyard-provider')}/${plain.headers.get('x-switchyard-model')}  attempts=${plain.headers.get('x-switchyard-attempts')}`,
    );
    const body = (await plain.json()) as { choices: Array<{ message: { content: string } }> };
    out(`   answer: ${body.choices[0]?.message.content}\n`);

    const streamed = await chat(gateway.url, {
      model: 'backup/llama3.1:8b',
      stream: true,
      messages: [{ role: 'user', content: 'Stream please' }],
    });
    out('2. POST /v1/chat/completions  model=backup/llama3.1:8b  stream=true');
    out(
      `   decided_by=${streamed.headers.get('x-switchyard-decided-by')}  served by ${streamed.headers.get('x-switchyard-provider')}/${streamed.headers.get('x-switchyard-model')}`,
    );
    process.stdout.write('   chunks: ');
    for await (const delta of contentDeltas(streamed)) process.stdout.write(`[${delta}]`);
    out('\n');

    const unknown = await chat(gateway.url, {
      model: 'no-such-model',
      messages: [{ role: 'user', content: 'x' }],
    });
    out('3. POST /v1/chat/completions  model=no-such-model');
    out(`   HTTP ${unknown.status}: ${JSON.stringify(await unknown.json())}`);
    return 0;
  } finally {
    await gateway.close();
    await primary.close();
    await backup.close();
  }
}

function chat(baseUrl: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function* contentDeltas(response: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      const data = event.replace(/^data: /, '');
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> };
      const content = chunk.choices[0]?.delta.content;
      if (content) yield content;
    }
  }
}
