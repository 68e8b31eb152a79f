import { appRoles, rolesSolution, type Manifest } from './manifest.js';
import { describePrivilege, packageTableNames } from './describe-privilege.js';
import { MATRIX_CSS, matrixLegendHtml, privilegeMatrices, privilegeMatrixHtml } from './privilege-matrix.js';

/**
 * README.html beside README.md: what the package will let the app do, as the privilege matrix the
 * `deploy.mjs --ui` page shows (the same renderer), for an admin who reviews the package in a browser
 * before running it. A standalone file: its styles are inline, it loads nothing.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const PAGE_CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; color: #242424; margin: 0 auto; padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
code { overflow-wrap: anywhere; }
`;

export function renderAdminReadmeHtml(manifest: Omit<Manifest, 'integrity'>): string {
  const roles = rolesSolution(manifest as Manifest);
  const tables = packageTableNames(manifest.solutions);
  const given = new Set(appRoles(manifest as Manifest).map((r) => r.name));
  const grants = manifest.roles.flatMap((role) => role.privileges.map((p) => ({ role: role.name, privilege: p.name, level: p.level, table: describePrivilege(p.name, tables).table })));
  const matrices = privilegeMatrices(grants);
  const title = `${roles.displayName} ${roles.version}: what ${manifest.app.name} will be allowed to do`;
  const sections = manifest.roles.map((role) => {
    const matrix = matrices.find((m) => m.role === role.name);
    return `<h2>Role: ${escapeHtml(role.name)}${given.has(role.name) ? ' (given to the application user)' : ''}</h2>${role.description ? `<p>${escapeHtml(role.description)}</p>` : ''}${matrix ? privilegeMatrixHtml(matrix) : '<p>No privileges.</p>'}`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}${MATRIX_CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>This package, from <strong>${escapeHtml(roles.publisher.displayName)}</strong>, sets up <strong>${escapeHtml(manifest.app.name)}</strong> (client id <code>${escapeHtml(manifest.app.clientId)}</code>) in your Dataverse environment: it imports ${manifest.solutions.map((s) => `<code>${escapeHtml(s.uniqueName)}</code> ${escapeHtml(s.version)}`).join(', ')}, creates the app's application user, and gives it the role${given.size === 1 ? '' : 's'} below. README.md says how to run it; <code>node deploy.mjs --org &lt;url&gt; --ui</code> shows the same matrix in your browser before anything changes.</p>
${sections.join('\n')}
<h2>What the levels mean</h2>
${matrixLegendHtml()}
</body>
</html>
`;
}
