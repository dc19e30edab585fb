import { describe, expect, it } from 'vitest';
import { parseRouterAnswer } from './router-answer.ts';

const NAMES = ['code', 'legal', 'Image_gen'];

describe('parseRouterAnswer', () => {
  it.each([
    ['{"route": "code"}', 'code'],
    ['{"route":"legal"}', 'legal'],
    ["{'route': 'code'}", 'code'],
    ['```json\n{"route": "code"}\n```', 'code'],
    ["```\n{'route': 'legal'}\n```", 'legal'],
    ['Sure! Based on the conversation: {"route": "code"} is the best match.', 'code'],
    ['The answer is {"route": "code"} and not {"route": "legal"}', 'code'],
    ['{"route": "CODE"}', 'code'],
    ['{"route": " legal "}', 'legal'],
    ['code', 'code'],
    ['"legal"', 'legal'],
  ])('reads %j as route %s', (answer, route) => {
    expect(parseRouterAnswer(answer, NAMES)).toEqual({ kind: 'route', name: route });
  });

  it.each([
    ['{"route": "other"}'],
    ['{"route": "Other"}'],
    ['{"route": ""}'],
    ['{"route": null}'],
    [''],
    ['   '],
    ['other'],
    ['```json\n```'],
  ])('reads %j as no route', (answer) => {
    expect(parseRouterAnswer(answer, NAMES)).toEqual({ kind: 'none' });
  });

  it('never accepts a route name that is not in the list', () => {
    expect(parseRouterAnswer('{"route": "poetry"}', NAMES)).toEqual({ kind: 'unknown', name: 'poetry' });
    expect(parseRouterAnswer("{'route': 'code-review'}", NAMES)).toEqual({
      kind: 'unknown',
      name: 'code-review',
    });
    // A case-insensitive match must be unique to count; an exact match always wins.
    expect(parseRouterAnswer('{"route": "CODE"}', ['code', 'Code'])).toEqual({
      kind: 'unknown',
      name: 'CODE',
    });
    expect(parseRouterAnswer('{"route": "Code"}', ['code', 'Code'])).toEqual({ kind: 'route', name: 'Code' });
  });

  it.each([
    ['I am not sure which route fits.'],
    ['{"destination": "code"}'],
    ['{"route": 3}'],
    ['{"route": ["code"]}'],
    ['poetry'],
    ['route: code'],
  ])('reads %j as malformed', (answer) => {
    expect(parseRouterAnswer(answer, NAMES)).toEqual({ kind: 'malformed' });
  });

  it('reads only the start of a huge answer', () => {
    const answer = `${' '.repeat(10_000)}{"route": "code"}`;
    expect(parseRouterAnswer(answer, NAMES)).toEqual({ kind: 'none' });
  });
});
