import { rolesSolution, type Manifest } from './manifest.js';
import { describePrivilege, packageTableNames } from './describe-privilege.js';
import { LEVEL_SHORT } from '../spec/levels.js';
import { loadTemplate } from '../render/templates.js';
import { SAMPLE_ADMIN_CLIENT_ID } from '../spec/admin-client.js';
import { readmeSettings } from './readme-settings.js';

/** Renders README.md for the subscriber's admin from `README.md.hbs`. */
export async function renderAdminReadme(manifest: Omit<Manifest, 'integrity'>, templatesDir: string, packageZipName: string): Promise<string> {
  const template = await loadTemplate(templatesDir, 'README.md.hbs');
  const appRoleNames = new Set(manifest.app.roles);
  const roles = rolesSolution(manifest as Manifest);
  const tableNames = packageTableNames(manifest.solutions);
  return template({
    solution: { ...roles },
    solutions: manifest.solutions.map((s, i) => ({ ...s, step: i + 1, included: s.source === 'included' })),
    removalOrder: [...manifest.solutions].reverse(),
    multipleSolutions: manifest.solutions.length > 1,
    publisher: roles.publisher,
    app: manifest.app,
    adminClientId: manifest.adminClientId,
    sampleAdminClient: manifest.adminClientId === SAMPLE_ADMIN_CLIENT_ID,
    consentRedirectUriEncoded: manifest.app.consentRedirectUri ? encodeURIComponent(manifest.app.consentRedirectUri) : '',
    packageZipName,
    roleCount: manifest.roles.length,
    multipleRoles: manifest.roles.length > 1,
    appRoles: manifest.roles.filter((r) => appRoleNames.has(r.name)).map((r) => ({ name: r.name })),
    roles: manifest.roles.map((role) => ({
      name: role.name,
      description: role.description,
      isAppRole: appRoleNames.has(role.name),
      privileges: role.privileges.map((p) => ({ ...describePrivilege(p.name, tableNames), level: LEVEL_SHORT[p.level], name: p.name })),
    })),
    ...readmeSettings(manifest),
  });
}
