import type { JWTPayload } from 'jose';
import { errors } from '../errors.ts';
import { frozenIdentity, type Identity, isTenantId } from './identity.ts';
import type { ClaimMapping } from './schema.ts';

/**
 * Turns the claims of a verified token into an Identity, through the configured claim names.
 * Claims are read as given by the issuer and never trusted for anything the mapping does not name.
 */
export function identityFromClaims(payload: JWTPayload, mapping: ClaimMapping): Identity {
  const tenant = readClaim(payload, mapping.tenant);
  // Without a tenant the request could not be scoped; guessing one would cross tenants.
  if (typeof tenant !== 'string' || !isTenantId(tenant)) {
    throw errors.unauthorized(`The token has no valid "${mapping.tenant}" (tenant) claim`);
  }
  return frozenIdentity({
    tenant,
    user: {
      id: scalarText(readClaim(payload, mapping.user_id)),
      role: firstText(readClaim(payload, mapping.role)),
      department: scalarText(readClaim(payload, mapping.department)),
    },
    attributes: attributesFrom(payload, mapping.attributes),
    via: 'jwt',
    credentialName: undefined,
    // Only a real boolean `true` grants admin: a string "true" or a role list is not enough.
    admin: mapping.admin !== undefined && readClaim(payload, mapping.admin) === true,
  });
}

/**
 * A claim by name. Names are tried as written first, because namespaced claims are URLs full of
 * dots (`https://example.com/role`); only when no such claim exists is the name read as a path
 * into nested objects (`realm_access.role`).
 */
export function readClaim(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let node: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/*
 * An identity has one role, matched by rules with `eq`/`in`. Identity providers often send a
 * list; the first string is taken (issuers list the primary role first). Joining the list would
 * make `role eq analyst` fail for ["analyst", "viewer"] and let `contains` match across names.
 */
function firstText(value: unknown): string | undefined {
  if (!Array.isArray(value)) return scalarText(value);
  const first = value.find((item): item is string => typeof item === 'string' && item !== '');
  return first;
}

function attributesFrom(
  payload: JWTPayload,
  names: Readonly<Record<string, string>>,
): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [attribute, claim] of Object.entries(names)) {
    const value = firstText(readClaim(payload, claim));
    if (value !== undefined) attributes[attribute] = value;
  }
  return attributes;
}
