/**
 * Privilege depths as Dataverse names them: the PrivilegeDepth enum is Basic 0, Local 1, Deep 2, Global 3
 * (learn.microsoft.com/dotnet/api/microsoft.crm.sdk.messages.privilegedepth), and role XML and the Web API's
 * RolePrivilege.Depth use the same names (PowerApps-Samples WebAPIService/Types/PrivilegeDepth.cs).
 */
export const LEVELS = ['Basic', 'Local', 'Deep', 'Global'] as const;

export type Level = (typeof LEVELS)[number];

export function isLevel(value: unknown): value is Level {
  return (LEVELS as readonly unknown[]).includes(value);
}

/** Whether `held` reaches at least as far as `needed` (Global covers Deep covers Local covers Basic). */
export function covers(held: Level, needed: Level): boolean {
  return LEVELS.indexOf(held) >= LEVELS.indexOf(needed);
}
