/** The app details build and check take from flags, for a source that carries none (or to override it). */
export function appFlags(args: { clientId?: string | undefined; appName?: string | undefined; adminClientId?: string | undefined }): { app?: { clientId?: string; name?: string; adminClientId?: string } } {
  const app = {
    ...(args.clientId !== undefined ? { clientId: args.clientId } : {}),
    ...(args.appName !== undefined ? { name: args.appName } : {}),
    ...(args.adminClientId !== undefined ? { adminClientId: args.adminClientId } : {}),
  };
  return Object.keys(app).length > 0 ? { app } : {};
}
