/** Small valid specs that tests change one field at a time. */

export function validSolution(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uniqueName: 'ContosoRoles',
    displayName: 'Contoso Roles',
    description: 'Test solution',
    version: '1.0.0.0',
    publisher: { uniqueName: 'contoso', displayName: 'Contoso', prefix: 'contoso', optionValuePrefix: 12345 },
    app: { clientId: '11111111-2222-4333-8444-555555555555', name: 'Contoso App', consentRedirectUri: 'https://app.contoso.example/consented' },
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
