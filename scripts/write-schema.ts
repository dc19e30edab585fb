// Regenerates schema/switchyard.schema.json from the zod schema (a test keeps the two in sync).
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from '../src/config/json-schema.ts';

writeFileSync(new URL('../schema/switchyard.schema.json', import.meta.url), configJsonSchemaText());
console.log('schema/switchyard.schema.json written');
