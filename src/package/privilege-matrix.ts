import { compareNames, type Level } from '../spec/model.js';
import type { ChangeKind, RoleChanges } from '../core/privilege-changes.js';
import { privilegeParts, type PrivilegeVerb } from './describe-privilege.js';
import { LEVEL_SHORT } from '../spec/levels.js';

/**
 * A role's privileges as the maker portal's role editor shows them: a matrix of tables by the eight verbs,
 * each cell a depth. Pure, with no Node or DOM API, so the package's README.html (written by `dvpkg build`)
 * and the `deploy.mjs --ui` page render the same HTML from the same value. Every depth is said in words
 * beside its icon, and every change in words beside its colour.
 */

export const MATRIX_VERBS: readonly PrivilegeVerb[] = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'];

/** One granted privilege, as `Plan.grants` holds it: the table already in the admin's words. */
export interface MatrixGrant {
  role: string;
  privilege: string;
  level: Level;
  table: string;
}

export interface MatrixCell {
  /** Undefined: the role does not grant it (None). */
  level?: Level;
  change?: { kind: ChangeKind; from?: Level; widens: boolean };
}

export interface RoleMatrix {
  role: string;
  rows: Array<{ table: string; cells: Record<PrivilegeVerb, MatrixCell> }>;
  /** Privileges that are not a verb on a table (prvPublishCustomizations …), listed under the matrix. */
  others: Array<{ privilege: string; level?: Level; change?: MatrixCell['change'] }>;
}

/** The matrices of every role the grants name, in their order; `changes` marks what an upgrade changes. */
export function privilegeMatrices(grants: readonly MatrixGrant[], changes: ReadonlyArray<Pick<RoleChanges, 'role' | 'changes'>> = []): RoleMatrix[] {
  const roles = [...new Set([...grants.map((g) => g.role), ...changes.map((c) => c.role)])];
  return roles.map((role) => {
    const byPrivilege = new Map((changes.find((c) => c.role === role)?.changes ?? []).map((c) => [c.privilege.toLowerCase(), c]));
    const rows = new Map<string, RoleMatrix['rows'][number]>();
    const others: RoleMatrix['others'] = [];
    const place = (privilege: string, table: string | undefined, level: Level | undefined) => {
      const change = byPrivilege.get(privilege.toLowerCase());
      const cell: MatrixCell = { ...(level ? { level } : {}), ...(change ? { change: { kind: change.kind, ...(change.from ? { from: change.from } : {}), widens: change.widens } } : {}) };
      const parts = privilegeParts(privilege);
      if (!parts) return others.push({ privilege, ...cell });
      const name = table ?? parts.table;
      let row = rows.get(name);
      if (!row) rows.set(name, (row = { table: name, cells: Object.fromEntries(MATRIX_VERBS.map((v) => [v, {}])) as Record<PrivilegeVerb, MatrixCell> }));
      row.cells[parts.verb] = cell;
    };
    for (const grant of grants.filter((g) => g.role === role)) place(grant.privilege, grant.table, grant.level);
    // A removed privilege is no grant any more, but the admin approves its removal too.
    for (const change of byPrivilege.values()) if (change.kind === 'removed') place(change.privilege, undefined, undefined);
    return { role, rows: [...rows.values()].sort((a, b) => compareNames(a.table, b.table)), others };
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The depth's icon (decorative: its name is always written beside it): a circle filled a quarter for User up to
 * whole for Organization, like the role editor's, drawn by the stylesheet so a matrix of thousands of cells stays
 * small (an inline SVG per cell made README.html 10 MB for 20 roles of 1,000 privileges).
 */
const ICON_CLASS: Record<Level, string> = { Basic: 'd1', Local: 'd2', Deep: 'd3', Global: 'd4' };

export function depthIcon(level: Level | undefined): string {
  return `<span class="depth-icon ${level ? ICON_CLASS[level] : 'd0'}" aria-hidden="true"></span>`;
}

export function depthName(level: Level | undefined): string {
  return level ? LEVEL_SHORT[level] : 'None';
}

function changeText(change: NonNullable<MatrixCell['change']>): string {
  const was = change.from ? `, was ${LEVEL_SHORT[change.from]}` : '';
  const words: Record<ChangeKind, string> = { added: 'new', deepened: `wider${was}`, narrowed: `narrower${was}`, removed: `removed${was}` };
  return `<span class="change ${change.widens ? 'widens' : 'narrows'}">(${change.widens ? '! ' : ''}${words[change.kind]})</span>`;
}

function cellHtml(cell: MatrixCell): string {
  return `<span class="depth">${depthIcon(cell.level)}<span class="depth-name">${depthName(cell.level)}</span></span>${cell.change ? ` ${changeText(cell.change)}` : ''}`;
}

/** One role's matrix as an HTML table (escaped; no script, no inline style), with its other privileges below. */
export function privilegeMatrixHtml(matrix: RoleMatrix): string {
  const head = `<tr><th scope="col">Table</th>${MATRIX_VERBS.map((v) => `<th scope="col">${v}</th>`).join('')}</tr>`;
  const body = matrix.rows.map((row) => `<tr><th scope="row">${escapeHtml(row.table)}</th>${MATRIX_VERBS.map((v) => `<td${row.cells[v].change ? ` class="changed"` : ''}>${cellHtml(row.cells[v])}</td>`).join('')}</tr>`).join('');
  const table = matrix.rows.length === 0 ? '' : `<div class="matrix-scroll" role="region" tabindex="0" aria-label="Privileges of ${escapeHtml(matrix.role)} (scrolls sideways)"><table class="privilege-matrix"><caption>Role &#8220;${escapeHtml(matrix.role)}&#8221;: access by table</caption><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  const others = matrix.others.length === 0 ? '' : `<p>Other privileges of &#8220;${escapeHtml(matrix.role)}&#8221;:</p><ul class="other-privileges">${matrix.others.map((o) => `<li><code>${escapeHtml(o.privilege)}</code>: ${cellHtml(o)}</li>`).join('')}</ul>`;
  return table + others;
}

/** What each icon means, and what the change marks say. */
export function matrixLegendHtml(): string {
  const levels: Array<Level | undefined> = [undefined, 'Basic', 'Local', 'Deep', 'Global'];
  const meaning: Record<string, string> = {
    None: 'not granted',
    User: 'records the application user owns or that are shared with it',
    'Business Unit': 'records in its business unit (the root business unit)',
    'Parent: Child BUs': 'its business unit and every one below it',
    Organization: 'all records',
  };
  return `<ul class="matrix-legend">${levels.map((l) => `<li><span class="depth">${depthIcon(l)}<span class="depth-name">${depthName(l)}</span></span>: ${meaning[depthName(l)]}</li>`).join('')}<li><span class="change widens">(! new)</span>, <span class="change widens">(! wider)</span>: this run widens the application user&#8217;s access</li></ul>`;
}

/** The matrix's own styles, for the page's stylesheet and README.html's <style>. */
export const MATRIX_CSS = `
.matrix-scroll { overflow-x: auto; max-width: 100%; }
.privilege-matrix { border-collapse: collapse; margin: 0.5rem 0 1rem; }
.privilege-matrix caption { text-align: start; font-weight: 600; padding: 0.25rem 0; }
.privilege-matrix th, .privilege-matrix td { border: 1px solid #8a8886; padding: 0.25rem 0.5rem; text-align: start; vertical-align: top; }
.privilege-matrix thead th { background: #f3f2f1; }
.privilege-matrix td.changed { background: #fff4ce; }
.depth { display: inline-flex; align-items: center; gap: 0.25rem; white-space: nowrap; }
.depth-icon { flex: none; color: #0f6cbd; display: inline-block; width: 1em; height: 1em; border: 0.1em solid currentColor; border-radius: 50%; box-sizing: border-box; print-color-adjust: exact; -webkit-print-color-adjust: exact; forced-color-adjust: none; }
.depth-icon.d1 { background: conic-gradient(currentColor 0 25%, transparent 0); }
.depth-icon.d2 { background: conic-gradient(currentColor 0 50%, transparent 0); }
.depth-icon.d3 { background: conic-gradient(currentColor 0 75%, transparent 0); }
.depth-icon.d4 { background: currentColor; }
.change { font-weight: 600; }
.change.widens { color: #8a3707; }
.change.narrows { color: #3b3a39; }
.matrix-legend { list-style: none; padding: 0; }
.matrix-legend li { margin: 0.25rem 0; }
`;
