import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

/**
 * `switchyard rules export|import`: a thin client of the admin API, so the CLI goes through the
 * same validation, authorization and change notifications as every other write.
 */
export const RULES_USAGE = `  switchyard rules export --url URL --tenant T [--format json|yaml]
  switchyard rules import --url URL --tenant T FILE.(yaml|json)
      (admin key from --admin-key or $SWITCHYARD_ADMIN_KEY)
`;

export async function rulesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      tenant: { type: 'string' },
      format: { type: 'string', default: 'yaml' },
      'admin-key': { type: 'string' },
    },
  });
  const adminKey = values['admin-key'] ?? process.env.SWITCHYARD_ADMIN_KEY;
  if ((action !== 'export' && action !== 'import') || !values.url || !values.tenant || !adminKey) {
    process.stderr.write(RULES_USAGE);
    return 2;
  }
  const base = `${values.url.replace(/\/+$/, '')}/admin/v1/tenants/${encodeURIComponent(values.tenant)}`;
  const headers = { authorization: `Bearer ${adminKey}` };

  if (action === 'export') {
    const response = await fetch(
      `${base}/rules.export?format=${values.format === 'json' ? 'json' : 'yaml'}`,
      { headers },
    );
    const text = await response.text();
    if (!response.ok) return fail(response.status, text);
    process.stdout.write(values.format === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
    return 0;
  }

  const [file] = positionals;
  if (!file) {
    process.stderr.write(RULES_USAGE);
    return 2;
  }
  const body = await readFile(file, 'utf8');
  const contentType = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
  const response = await fetch(`${base}/rules.import`, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body,
  });
  const text = await response.text();
  if (!response.ok) return fail(response.status, text);
  const result = JSON.parse(text) as { imported: number };
  process.stdout.write(`imported ${result.imported} rules for tenant ${values.tenant}\n`);
  return 0;
}

function fail(status: number, text: string): number {
  let message = text;
  try {
    message = (JSON.parse(text) as { error: { message: string } }).error.message;
  } catch {
    // not JSON: print as is
  }
  process.stderr.write(`HTTP ${status}: ${message}\n`);
  return 1;
}
