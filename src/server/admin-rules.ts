import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import type { Snapshot } from '../config/snapshot.ts';
import { errors, GatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { isTenantId } from '../identity/identity.ts';
import { compileRule } from '../routing/rules/compile.ts';
import { RuleError } from '../routing/rules/errors.ts';
import { parseRuleSpec, type RuleSpec } from '../routing/rules/schema.ts';
import {
  DuplicateRuleError,
  RuleNotFoundError,
  type RuleStore,
  ruleSpecOf,
  VersionConflictError,
} from '../stores/rule-store.ts';
import { authenticateAdmin, checkTenantAccess } from './admin-auth.ts';

/**
 * CRUD, import and export of a tenant's stored rules. Every write is validated exactly as the
 * config's rules are (compiled against the providers of the running snapshot); a bad rule is a 400
 * naming the problem and nothing is written. Updates need the rule's current `version` (409 when
 * stale).
 */
const updateSchema = z.looseObject({ version: z.int().min(1) });

type Params = { tenant: string; id?: string };

export function registerAdminRuleRoutes(app: FastifyInstance, gateway: Gateway): void {
  const base = '/admin/v1/tenants/:tenant/rules';

  app.get<{ Params: Params }>(base, async (request) => {
    const { store, tenant } = await authorize(gateway, request);
    return { rules: await store.list(tenant) };
  });

  app.post<{ Params: Params }>(base, async (request, reply) => {
    const { store, tenant } = await authorize(gateway, request);
    const spec = validateRule(gateway.snapshot, request.body, tenant);
    const created = await write(() => store.create(tenant, spec));
    return reply.code(201).header('etag', `"${created.version}"`).send(created);
  });

  app.get<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const { store, tenant } = await authorize(gateway, request);
    const rule = await store.get(tenant, request.params.id as string);
    if (!rule) throw errors.notFound(`Rule ${JSON.stringify(request.params.id)}`);
    return reply.header('etag', `"${rule.version}"`).send(rule);
  });

  app.put<{ Params: Params }>(`${base}/:id`, async (request) => {
    const { store, tenant } = await authorize(gateway, request);
    const id = request.params.id as string;
    const version = expectedVersion(request);
    const { version: _version, id: _id, ...body } = (request.body ?? {}) as Record<string, unknown>;
    const spec = validateRule(gateway.snapshot, { ...body, id }, tenant);
    if (!(await store.get(tenant, id))) throw errors.notFound(`Rule ${JSON.stringify(id)}`);
    return write(() => store.update(tenant, id, spec, version));
  });

  app.delete<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const { store, tenant } = await authorize(gateway, request);
    const deleted = await store.delete(tenant, request.params.id as string);
    if (!deleted) throw errors.notFound(`Rule ${JSON.stringify(request.params.id)}`);
    return reply.code(204).send();
  });

  app.get<{ Params: Params; Querystring: { format?: string } }>(
    '/admin/v1/tenants/:tenant/rules.export',
    async (request, reply) => {
      const { store, tenant } = await authorize(gateway, request);
      const rules = (await store.list(tenant)).map((rule) => ruleSpecOf(rule));
      const document = { tenant, rules: rules.map(({ tenant_id: _t, ...rule }) => rule) };
      if (request.query.format === 'yaml')
        return reply.type('application/yaml').send(stringifyYaml(document));
      return document;
    },
  );

  app.post<{ Params: Params }>('/admin/v1/tenants/:tenant/rules.import', async (request) => {
    const { store, tenant } = await authorize(gateway, request);
    const specs = parseImport(request.body).map((rule, index) =>
      validateRule(gateway.snapshot, rule, tenant, `rules[${index}]`),
    );
    const names = new Set<string>();
    for (const spec of specs) {
      if (names.has(spec.name))
        throw errors.invalidRequest(
          `Two imported rules are named ${JSON.stringify(spec.name)}`,
          'duplicate_rule',
        );
      names.add(spec.name);
    }
    const stored = await write(() => store.replaceAll(tenant, specs));
    return { imported: stored.length, rules: stored };
  });
}

async function authorize(
  gateway: Gateway,
  request: FastifyRequest<{ Params: Params }>,
): Promise<{ store: RuleStore; tenant: string }> {
  request.exchange.endpoint = 'admin';
  const principal = await authenticateAdmin(gateway, request);
  const { tenant } = request.params;
  if (!isTenantId(tenant))
    throw errors.invalidRequest(`Invalid tenant id ${JSON.stringify(tenant.slice(0, 64))}`, 'invalid_tenant');
  checkTenantAccess(principal, tenant);
  const store = gateway.routing.ruleStore;
  if (!store) throw errors.storeUnavailable();
  return { store, tenant };
}

function validateRule(snapshot: Snapshot, body: unknown, tenant: string, where = 'rule'): RuleSpec {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidRequest(`${where}: must be a JSON object`, 'invalid_rule');
  }
  try {
    // parseRuleSpec applies the defaults the store keeps; compileRule checks what needs context
    // (operand types, providers, regex safety), exactly as for the config's rules.
    const spec = parseRuleSpec({ ...(body as Record<string, unknown>), tenant_id: tenant });
    compileRule(spec, { knownProviders: new Set(snapshot.providers.keys()), source: 'store' });
    return spec;
  } catch (error) {
    if (error instanceof RuleError) throw errors.invalidRequest(`${where}: ${error.message}`, 'invalid_rule');
    throw error;
  }
}

function expectedVersion(request: FastifyRequest): number {
  const ifMatch = request.headers['if-match'];
  if (typeof ifMatch === 'string' && /^"?\d+"?$/.test(ifMatch)) return Number(ifMatch.replaceAll('"', ''));
  const parsed = updateSchema.safeParse(request.body);
  if (!parsed.success) {
    throw errors.invalidRequest(
      "An update needs the rule's current `version` (in the body or an If-Match header)",
      'missing_version',
    );
  }
  return parsed.data.version;
}

function parseImport(body: unknown): unknown[] {
  let document: unknown = body;
  if (typeof body === 'string') {
    try {
      document = parseYaml(body, { uniqueKeys: true });
    } catch (error) {
      throw errors.invalidRequest(
        `Import is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
        'invalid_import',
      );
    }
  }
  const rules = Array.isArray(document) ? document : (document as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules))
    throw errors.invalidRequest('Import needs a list of rules (or {rules: [...]})', 'invalid_import');
  return rules;
}

async function write<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    if (error instanceof VersionConflictError) throw errors.conflict(error.message);
    if (error instanceof RuleNotFoundError) throw errors.notFound(`Rule ${JSON.stringify(error.id)}`);
    if (error instanceof DuplicateRuleError) throw errors.conflict(error.message);
    if ((error as { code?: string }).code === '23505')
      throw errors.conflict('a rule with this id or name already exists for the tenant');
    throw error;
  }
}
