/**
 * A seed for fleet runs: many tenants, each with its Entra admin and many orgs where that admin is a System
 * Administrator user, plus the default ISV tenant. Ids are fixed and obviously fake, like the default seed's:
 * `00000000-0000-4000-8<kind>-<counter>`, so the same options give the same world.
 *
 *   startEmulator({ seed: fleetSeed({ tenants: 4, orgsPerTenant: 250 }) })
 */
import { DEFAULT_IDS, FIRST_PARTY_SOLUTIONS, SYSTEM_ADMINISTRATOR_TEMPLATE, adminPublicClient, type Seed, type SeedApp, type SeedSolution } from './seed.js';

export interface FleetSeedOptions {
  tenants: number;
  orgsPerTenant: number;
  /** Extra app registrations (the admin public client is always added). */
  apps?: SeedApp[];
  /** Installed in every org; default the first-party solutions of the default seed. */
  solutions?: readonly SeedSolution[];
}

/** The n-th id of a kind: `00000000-0000-4000-8<kind>-<n as 12 hex digits>`. */
function fakeId(kind: string, n: number): string {
  return `00000000-0000-4000-8${kind}-${n.toString(16).padStart(12, '0')}`;
}

/**
 * Tenant t (1-based) is "Tenant t" at `tenant<t>.example` with admin `admin@tenant<t>.example` (the seed's
 * `admins` entry for it; tenant 1's is also `admin`). Its orgs are `t<t>-org<i>` ("Tenant t Org i"), each
 * with System Administrator and Basic User roles (the default seed's role ids: ids are per org) and the admin
 * as a System Administrator user.
 */
export function fleetSeed(options: FleetSeedOptions): Seed {
  const { tenants, orgsPerTenant } = options;
  if (!(Number.isInteger(tenants) && tenants >= 1 && Number.isInteger(orgsPerTenant) && orgsPerTenant >= 1)) {
    throw new RangeError('fleetSeed: tenants and orgsPerTenant must be whole numbers from 1.');
  }
  const solutions = (options.solutions ?? FIRST_PARTY_SOLUTIONS).map((solution) => ({ managed: true, ...solution }));
  const seed: Seed = {
    tenants: [{ id: DEFAULT_IDS.isvTenant, name: 'Fabrikam ISV', domain: 'fabrikam.example', kind: 'isv' }],
    apps: [...(options.apps ?? [])],
    servicePrincipals: [],
    users: [],
    orgs: [],
    admin: { upn: 'admin@tenant1.example' },
    admins: {},
  };
  for (let t = 1; t <= tenants; t += 1) {
    const tenantId = fakeId('001', t);
    const upn = `admin@tenant${t}.example`;
    const objectId = fakeId('002', t);
    seed.tenants.push({ id: tenantId, name: `Tenant ${t}`, domain: `tenant${t}.example`, kind: 'subscriber' });
    seed.users.push({ objectId, tenantId, upn, displayName: `Tenant ${t} Admin` });
    (seed.admins ??= {})[tenantId] = upn;
    for (let i = 1; i <= orgsPerTenant; i += 1) {
      const n = (t - 1) * orgsPerTenant + i;
      seed.orgs.push({
        name: `t${t}-org${i}`,
        friendlyName: `Tenant ${t} Org ${i}`,
        tenantId,
        organizationId: fakeId('003', n),
        businessUnit: { id: fakeId('004', n), name: `t${t}-org${i}` },
        roles: [
          { id: DEFAULT_IDS.systemAdministratorRole, name: 'System Administrator', privileges: 'all', templateId: SYSTEM_ADMINISTRATOR_TEMPLATE },
          { id: DEFAULT_IDS.basicUserRole, name: 'Basic User', privileges: [{ name: 'prvReadUser', level: 'Global' }, { name: 'prvReadBusinessUnit', level: 'Global' }] },
        ],
        users: [{ id: fakeId('005', n), fullName: `Tenant ${t} Admin`, entraObjectId: objectId, roles: [DEFAULT_IDS.systemAdministratorRole] }],
        solutions: solutions.map((solution) => ({ ...solution })),
      });
    }
  }
  seed.apps.push(adminPublicClient(seed));
  return seed;
}
