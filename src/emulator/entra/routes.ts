/** Entra ID routes; `{tenant}` is a tenant id, a verified domain, or an alias (common, organizations). */
import { route, type Route } from '../server.js';
import { adminConsent } from './adminconsent.js';
import { authorizeEndpoint, signInSubmit } from './authorize.js';
import { deviceCodeEndpoint, deviceLoginPage } from './devicecode.js';
import { jwks, openIdConfiguration } from './discovery.js';
import { tokenEndpoint } from './token.js';

const T = '^/(?<tenant>[^/]+)';

export const entraRoutes: Route[] = [
  route('POST', new RegExp(`${T}/oauth2/v2\\.0/token$`), tokenEndpoint),
  route('GET', new RegExp(`${T}/oauth2/v2\\.0/authorize$`), authorizeEndpoint),
  route('POST', new RegExp(`${T}/login$`), signInSubmit),
  route('POST', new RegExp(`${T}/oauth2/v2\\.0/devicecode$`), deviceCodeEndpoint),
  route('GET', new RegExp(`${T}/v2\\.0/\\.well-known/openid-configuration$`), openIdConfiguration),
  route('GET', new RegExp(`${T}/discovery/v2\\.0/keys$`), jwks),
  route('GET', new RegExp(`${T}/adminconsent$`), (ctx, req) => adminConsent(ctx, req, 'v1')),
  route('GET', new RegExp(`${T}/v2\\.0/adminconsent$`), (ctx, req) => adminConsent(ctx, req, 'v2')),
  route('GET', /^\/devicelogin$/, (ctx) => deviceLoginPage(ctx)),
];
