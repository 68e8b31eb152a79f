/** Small valid specs that tests change one field at a time. */

/** A public client Contoso registered for its admins' sign-in (not Microsoft's sample app, which warns). */
export const CONTOSO_ADMIN_CLIENT_ID = '22222222-3333-4444-8555-666666666666';

export function validSolution(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uniqueName: 'ContosoRoles',
    displayName: 'Contoso Roles',
    description: 'Test solution',
    version: '1.0.0.0',
    publisher: { uniqueName: 'contoso', displayName: 'Contoso', prefix: 'contoso', optionValuePrefix: 12345 },
    app: { clientId: '11111111-2222-4333-8444-555555555555', name: 'Contoso App', consentRedirectUri: 'https://app.contoso.example/consented', adminClientId: CONTOSO_ADMIN_CLIENT_ID },
    ...overrides,
  };
}

export function validRole(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Contoso Reader',
    description: 'Reads accounts',
    privileges: { prvReadAccount: 'Global', prvReadContact: 'Deep' },
    ...overrides,
  };
}

/** `Other/Solution.xml` of a SolutionPackager tree from the contoso publisher; `roots` are RootComponent lines, if any. */
export function unpackedSolutionXml(options: { uniqueName: string; displayName: string; version: string; roots?: string }): string {
  const roots = options.roots === undefined ? '' : `    <RootComponents>\n${options.roots}\n    </RootComponents>\n`;
  return `<?xml version="1.0" encoding="utf-8"?>
<ImportExportXml version="9.2" SolutionPackageVersion="9.2" languagecode="1033">
  <SolutionManifest>
    <UniqueName>${options.uniqueName}</UniqueName>
    <LocalizedNames><LocalizedName description="${options.displayName}" languagecode="1033" /></LocalizedNames>
    <Version>${options.version}</Version>
    <Managed>2</Managed>
    <Publisher>
      <UniqueName>contoso</UniqueName>
      <LocalizedNames><LocalizedName description="Contoso" languagecode="1033" /></LocalizedNames>
      <CustomizationPrefix>contoso</CustomizationPrefix>
      <CustomizationOptionValuePrefix>12345</CustomizationOptionValuePrefix>
    </Publisher>
${roots}  </SolutionManifest>
</ImportExportXml>
`;
}
