/** Shared test plumbing: real msal-node clients pointed at the emulator, an axios Web API client, solution zips. */
import { ConfidentialClientApplication, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import axios, { type AxiosInstance } from 'axios';
import JSZip from 'jszip';
import { emulatorMsalAuthority as msalAuthorityConfig } from '../../src/emulator/index.js';
import type { EmulatorApp, RunningEmulator } from '../../src/emulator/index.js';

export function confidentialClient(emulator: RunningEmulator, app: EmulatorApp, tenant: string, credential: 'secret' | 'certificate' = 'secret'): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: app.clientId,
      ...msalAuthorityConfig(emulator.authorityHost, tenant),
      ...(credential === 'secret'
        ? { clientSecret: app.clientSecret }
        : { clientCertificate: { thumbprintSha256: app.thumbprintSha256, privateKey: app.privateKeyPem, x5c: app.certificatePem } }),
    },
  });
}

export async function appToken(emulator: RunningEmulator, app: EmulatorApp, tenant = emulator.tenantId, credential: 'secret' | 'certificate' = 'secret', orgUrl = emulator.orgUrl): Promise<string> {
  const result = await confidentialClient(emulator, app, tenant, credential).acquireTokenByClientCredential({ scopes: [`${orgUrl}/.default`] });
  if (!result) throw new Error('msal returned no token');
  return result.accessToken;
}

export async function adminSignIn(emulator: RunningEmulator, onCode?: (userCode: string) => void, tenant = 'organizations'): Promise<AuthenticationResult> {
  const pca = new PublicClientApplication({ auth: { clientId: emulator.adminClientId, ...msalAuthorityConfig(emulator.authorityHost, tenant) } });
  const result = await pca.acquireTokenByDeviceCode({
    scopes: [`${emulator.orgUrl}/.default`],
    deviceCodeCallback: (response) => onCode?.(response.userCode),
  });
  if (!result) throw new Error('msal returned no token');
  return result;
}

/** axios on the Web API base; never throws on HTTP status so tests assert on it. */
export function webApi(orgUrl: string, token?: string): AxiosInstance {
  return axios.create({
    baseURL: `${orgUrl}/api/data/v9.2/`,
    validateStatus: () => true,
    headers: {
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  });
}

export function control(emulator: RunningEmulator): AxiosInstance {
  return axios.create({ baseURL: `${emulator.controlUrl}/`, validateStatus: () => true });
}

export interface TestRole {
  id: string;
  name: string;
  privileges: Array<{ name: string; level: string }>;
}

export interface SolutionZipOptions {
  uniqueName?: string;
  version?: string;
  managed?: boolean;
  roles?: TestRole[];
  /** Replace or drop individual files. */
  files?: Partial<Record<'solution.xml' | 'customizations.xml' | '[Content_Types].xml', string | null>>;
  extraEntries?: number;
}

const CONTENT_TYPES = '\ufeff<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /></Types>';

export async function solutionZip(options: SolutionZipOptions = {}): Promise<string> {
  const uniqueName = options.uniqueName ?? 'ContosoSecurityRoles';
  const roles = options.roles ?? [];
  const solution = `<ImportExportXml version="9.2.25063.198" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <SolutionManifest>
    <UniqueName>${uniqueName}</UniqueName>
    <LocalizedNames><LocalizedName description="Contoso Security Roles" languagecode="1033" /></LocalizedNames>
    <Descriptions />
    <Version>${options.version ?? '1.0.0.0'}</Version>
    <Managed>${options.managed === false ? 0 : 1}</Managed>
    <Publisher><UniqueName>fabrikam</UniqueName><CustomizationPrefix>fab</CustomizationPrefix><EMailAddress xsi:nil="true"></EMailAddress></Publisher>
    <RootComponents>${roles.map((r) => `<RootComponent type="20" id="{${r.id}}" behavior="0" />`).join('')}</RootComponents>
    <MissingDependencies />
  </SolutionManifest>
</ImportExportXml>`;
  const customizations = `<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Entities />
  <Roles>${roles
    .map((r) => `<Role id="{${r.id}}" name="${r.name}"><IsCustomizable>1</IsCustomizable><RolePrivileges>${r.privileges.map((p) => `<RolePrivilege name="${p.name}" level="${p.level}" />`).join('')}</RolePrivileges></Role>`)
    .join('')}</Roles>
  <Languages><Language>1033</Language></Languages>
</ImportExportXml>`;
  const files: Record<string, string | null> = { 'solution.xml': solution, 'customizations.xml': customizations, '[Content_Types].xml': CONTENT_TYPES, ...options.files };
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) if (content !== null && content !== undefined) zip.file(name, content);
  for (let i = 0; i < (options.extraEntries ?? 0); i++) zip.file(`extra/${i}.txt`, 'x');
  return (await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })).toString('base64');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await sleep(everyMs);
  }
}
