/** The commands, in the order help lists them. */
export const COMMANDS = ['init', 'build', 'check', 'diff', 'pull', 'verify', 'fleet-report', 'emulator'];
/**
 * Every long flag of every command: `-src` is caught before yargs reads it as `-s -r -c`, and an unknown
 * flag gets the nearest of these as its did-you-mean (a test keeps the list in step with the commands).
 */
export const LONG_FLAGS = ['admin-client-id', 'app', 'app-client-id', 'app-name', 'app-role', 'auth', 'authority-host', 'certificate', 'client-id', 'cloud', 'concurrency', 'faults', 'federated-token-file', 'force', 'help', 'host', 'json', 'junit', 'markdown', 'open', 'org', 'orgs', 'out', 'package', 'port', 'prefix', 'probe', 'publisher', 'report', 'role', 'roles-only', 'settings', 'src', 'state', 'strict', 'templates', 'tenant', 'unique-name', 'verbose', 'version'];
