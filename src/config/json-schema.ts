import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The JSON Schema editors use for switchyard.yaml, generated from the one zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  // `input`: what a person may write (defaults make fields optional), not the parsed result.
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...schema, title: 'Switchyard configuration' };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
