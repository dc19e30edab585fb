import { frozenIdentity, type Identity } from '../identity/identity.ts';

/** Callers for MCP policy tests, as API keys would produce them. */
export function person(tenant: string, id: string, role?: string, department?: string): Identity {
  return frozenIdentity({
    tenant,
    user: { id, role, department },
    attributes: {},
    via: 'api_key',
    credentialName: `key-${id}`,
    admin: false,
  });
}
