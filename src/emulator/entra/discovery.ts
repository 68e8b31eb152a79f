/** OIDC discovery document and JWKS per tenant, shaped like Entra's v2 endpoints. */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { isTenantAlias, resolveTenant } from './tenants.js';

export function openIdConfiguration(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const segment = req.params.tenant ?? '';
  const tenant = resolveTenant(ctx, segment);
  const pathTenant = tenant ? tenant.id : segment;
  const issuerTenant = isTenantAlias(segment) ? '{tenantid}' : pathTenant;
  const base = `${ctx.baseUrl}/${pathTenant}`;
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${ctx.baseUrl}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
    },
  };
}

export function jwks(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  resolveTenant(ctx, req.params.tenant ?? '');
  const jwk = ctx.keys.publicKey.export({ format: 'jwk' });
  return { status: 200, body: { keys: [{ kty: 'RSA', use: 'sig', kid: ctx.keys.kid, n: jwk.n, e: jwk.e }] } };
}
