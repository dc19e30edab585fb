import { describe, expect, it } from 'vitest';
import { estimateTextTokens } from '../../inspect/index.ts';
import { buildRouterPrompt, selectConversation, trimMiddle } from './router-prompt.ts';

const ROUTES = [
  { name: 'code', description: 'writing or fixing code' },
  { name: 'legal', description: 'contracts, "terms" and $& other law' },
];

describe('buildRouterPrompt', () => {
  it('follows the Arch-Router format: routes and conversation as JSON inside their tags', () => {
    const prompt = buildRouterPrompt(ROUTES, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'fix my regex' },
    ]);
    expect(prompt).toBe(`
You are a helpful assistant designed to find the best suited route.
You are provided with route description within <routes></routes> XML tags:
<routes>
[{"name":"code","description":"writing or fixing code"},{"name":"legal","description":"contracts, \\"terms\\" and $& other law"}]
</routes>

<conversation>
[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"fix my regex"}]
</conversation>

Your task is to decide which route is best suit with user intent on the conversation in <conversation></conversation> XML tags.  Follow the instruction:
1. If the latest intent from user is irrelevant or user intent is full filled, response with other route {"route": "other"}.
2. You must analyze the route descriptions and find the best match route for user latest intent.
3. You only response the name of the route that best matches the user's request, use the exact name in the <routes></routes>.

Based on your analysis, provide your response in the following JSON formats if you decide to match any route:
{"route": "route_name"}
`);
  });

  it('gives the router only the name and description of each route', () => {
    const prompt = buildRouterPrompt(
      [{ name: 'a', description: 'b', targets: [], prefer: 'none' } as never],
      [{ role: 'user', content: 'x' }],
    );
    expect(prompt).toContain('[{"name":"a","description":"b"}]');
    expect(prompt).not.toContain('targets');
  });
});

describe('selectConversation', () => {
  it('leaves out system, developer and tool messages, tool calls and empty messages', () => {
    const turns = selectConversation(
      [
        { role: 'system', content: 'You are a bot' },
        { role: 'developer', content: 'be terse' },
        { role: 'user', content: 'look up the weather' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: '1', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: '1', content: '{"temp": 20}' },
        { role: 'assistant', content: '   ' },
        { role: 'assistant', content: 'It is 20 degrees.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and tomorrow?' },
            { type: 'image_url', image_url: { url: 'data:x' } },
          ],
        },
      ],
      1000,
    );
    expect(turns).toEqual([
      { role: 'user', content: 'look up the weather' },
      { role: 'assistant', content: 'It is 20 degrees.' },
      { role: 'user', content: 'and tomorrow?' },
    ]);
  });

  it('reads Anthropic content blocks but not tool_use or tool_result', () => {
    const turns = selectConversation(
      [
        { role: 'user', content: [{ type: 'text', text: 'summarise the file' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'read', input: { path: 'a' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'secret file body' }] },
      ],
      1000,
    );
    expect(turns).toEqual([{ role: 'user', content: 'summarise the file' }]);
  });

  it('keeps the newest turns within the budget, trims the one that does not fit, drops older ones', () => {
    const long = 'word '.repeat(300);
    const messages = [
      { role: 'user', content: `zeroth ${long}` },
      { role: 'assistant', content: `first ${long}` },
      { role: 'user', content: `second ${long}` },
      { role: 'user', content: 'third: write a sort function' },
    ];
    const newestTwo =
      estimateTextTokens(`second ${long}`) + estimateTextTokens('third: write a sort function') + 8;

    // Too little room left for "first": it is dropped with everything older.
    const tight = selectConversation(messages, newestTwo + 10);
    expect(tight.map((t) => t.content.split(' ')[0])).toEqual(['second', 'third:']);

    // Enough room for part of "first": it is trimmed in the middle, "zeroth" is dropped.
    const roomy = selectConversation(messages, newestTwo + 100);
    expect(roomy.map((t) => t.content.split(' ')[0])).toEqual(['first', 'second', 'third:']);
    expect(roomy[0]?.content).toContain('[…]');
    const total = roomy.reduce((sum, t) => sum + estimateTextTokens(t.content) + 4, 0);
    expect(total).toBeLessThanOrEqual(newestTwo + 100);
  });

  it('trims an overlong newest message in the middle, keeping its start and end', () => {
    const text = `START ${'filler text '.repeat(2000)} END`;
    const [turn] = selectConversation([{ role: 'user', content: text }], 100);
    expect(turn?.content.startsWith('START')).toBe(true);
    expect(turn?.content.endsWith('END')).toBe(true);
    expect(turn?.content).toContain('[…]');
    expect(estimateTextTokens(turn?.content ?? '')).toBeLessThanOrEqual(96);
  });

  it('returns nothing when there is no user text to route on', () => {
    expect(
      selectConversation(
        [
          { role: 'system', content: 'x' },
          { role: 'assistant', content: 'y' },
        ],
        100,
      ),
    ).toEqual([]);
    expect(selectConversation('not messages', 100)).toEqual([]);
    expect(selectConversation(undefined, 100)).toEqual([]);
  });
});

describe('trimMiddle', () => {
  it('leaves text within the limit as it is', () => {
    expect(trimMiddle('short text', 50)).toBe('short text');
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(500);
    const trimmed = trimMiddle(text, 40);
    expect(trimmed).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(estimateTextTokens(trimmed)).toBeLessThanOrEqual(40);
  });
});
