/**
 * The upstream of every benchmark target, in its own process so that its CPU is neither charged to
 * nor competing inside the process being measured. Prints its base URL on stdout.
 *
 *   node --import tsx bench/upstream.ts
 */
import { startFakeOpenAI } from '../src/testing/fake-openai.ts';
import { exitWithParent } from './child-lifecycle.ts';

// record: false keeps memory flat however many requests arrive.
const fake = await startFakeOpenAI({ name: 'upstream', record: false });
exitWithParent(() => fake.close());
process.stdout.write(`${fake.url}\n`);
