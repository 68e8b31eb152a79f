/**
 * Every error the emulator sends, built in one place so the wire shapes match the real services.
 * Codes and message templates come from ../shared/reference/dataverse-wire.md (sections named per function);
 * statuses the reference marks UNVERIFIED are parameters fed from the options (`statuses`).
 */
import { randomUUID } from 'node:crypto';

/** A complete HTTP answer that aborts the current handler. */
export class EmulatorError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(describe(body, status));
    this.name = 'EmulatorError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

function describe(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (typeof record.error_description === 'string') return record.error_description;
    const inner = record.error as Record<string, unknown> | undefined;
    if (inner && typeof inner.message === 'string') return `${String(inner.code)}: ${inner.message}`;
  }
  return `HTTP ${status}`;
}

/** Stable codes of EmulatorConfigError, for callers that map them to their own errors (the CLI bridge). */
export type EmulatorConfigCode = 'EMULATOR_USAGE' | 'EMULATOR_SEED_INVALID' | 'EMULATOR_SEED_NOT_FOUND' | 'EMULATOR_SEED_UNREADABLE' | 'EMULATOR_FAULTS_UNREADABLE';

/** Bad emulator options, seeds or fault specs: thrown at start-up or by setFaults, never sent over HTTP. */
export class EmulatorConfigError extends Error {
  readonly code: EmulatorConfigCode;

  constructor(code: EmulatorConfigCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorConfigError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Entra ID (AADSTS). Body shape: wire ref §1.4 and addendum §8.

function aadTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The AADSTS body: `error_description` ends with the trace/correlation/timestamp trailer real Entra appends. */
export function aadError(status: number, error: string, code: number, text: string, correlationId?: string): EmulatorError {
  const now = new Date();
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = aadTimestamp(now);
  return new EmulatorError(status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

export function aadTenantNotFound(tenant: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`, correlationId);
}

export function aadApplicationNotFound(appId: string, tenant: string, correlationId?: string): EmulatorError {
  return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`, correlationId);
}

export function aadMissingServicePrincipal(appId: string, tenantId: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 7000229, `The client application ${appId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`, correlationId);
}

export function aadInvalidClientSecret(appId: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`, correlationId);
}

export function aadInvalidClientAssertion(reason: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - ${reason}]`, correlationId);
}

export function aadMissingCredential(correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", correlationId);
}

export function aadUnknownResource(resource: string, tenant: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`, correlationId);
}

export function aadInvalidScope(scope: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. Scope '${scope}' is not valid.`, correlationId);
}

export function aadMissingParameter(name: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`, correlationId);
}

export function aadUnsupportedGrantType(grantType: string, correlationId?: string): EmulatorError {
  return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`, correlationId);
}

/** Client credentials need a tenant-specific authority (wire ref §2 table, 9001023/90130). */
export function aadGrantNotSupportedOverCommon(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 9001023, 'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.', correlationId);
}

export function aadAuthorizationPending(correlationId?: string): EmulatorError {
  return aadError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.', correlationId);
}

export function aadBadVerificationCode(correlationId?: string): EmulatorError {
  return aadError(400, 'bad_verification_code', 70018, 'Invalid verification code entered.', correlationId);
}

export function aadExpiredDeviceCode(correlationId?: string): EmulatorError {
  return aadError(400, 'expired_token', 70019, 'Verification code expired.', correlationId);
}

/** No AADSTS number is documented for a declined device code (wire ref §1.5 lists only the error string); 65004 is the declined-consent code. */
export function aadAuthorizationDeclined(correlationId?: string): EmulatorError {
  return aadError(400, 'authorization_declined', 65004, 'User declined to consent to access the app.', correlationId);
}

export function aadUserNotInTenant(upn: string, tenant: string, clientId: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 50020, `User account '${upn}' from identity provider 'https://sts.windows.net/' does not exist in tenant '${tenant}' and cannot access the application '${clientId}' in that tenant. The account needs to be added as an external user in the tenant first.`, correlationId);
}

export function aadInvalidRefreshToken(correlationId?: string): EmulatorError {
  return aadMalformedRequest('invalid_grant', correlationId);
}

/** 9002313 InvalidRequest - "Request is malformed or invalid." */
export function aadMalformedRequest(error: 'invalid_grant' | 'invalid_request', correlationId?: string): EmulatorError {
  return aadError(400, error, 9002313, 'Invalid request. Request is malformed or invalid.', correlationId);
}

/**
 * 7000218 is also what a flow without a credential gets when the app does not allow public client flows
 * (learn.microsoft.com troubleshoot/entra/entra-id/app-integration/
 * confidential-client-application-authentication-error-aadsts7000218): same text as a missing credential, 400.
 */
export function aadPublicClientNotAllowed(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", correlationId);
}

/** 65001 DelegationDoesNotExist (entra reference-error-codes.md): no consent, and the user may not give it. */
export function aadConsentRequired(appId: string, appName: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${appId}' named '${appName}'. Send an interactive authorization request for this user and resource.`, correlationId);
}

/** 90094 AdminConsentRequired (reference-error-codes.md): the tenant routes consent requests to an admin. */
export function aadAdminConsentRequired(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 90094, 'Administrator consent is required.', correlationId);
}

/** 53003 BlockedByConditionalAccess (reference-error-codes.md). */
export function aadBlockedByConditionalAccess(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.', correlationId);
}

/** 50076 UserStrongAuthRequired (reference-error-codes.md). */
export function aadMfaRequired(resource: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`, correlationId);
}

/** 650057 InvalidResource, or 65001 (option `defaultScopeWithoutPermissionCode`): `.default` names a resource the registration does not list. */
export function aadResourceNotInRegistration(code: 650057 | 65001, appId: string, appName: string, resource: string, correlationId?: string): EmulatorError {
  if (code === 65001) return aadConsentRequired(appId, appName, correlationId);
  return aadError(400, 'invalid_client', 650057, `Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: ${appId}(${appName}). Resource value from request: ${resource}.`, correlationId);
}

/** 500113 (observed in the field): the admin approved, but the app has no reply address to return to. */
export function aadNoReplyAddress(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 500113, 'No reply address is registered for the application.', correlationId);
}

export function aadRedirectUriMismatch(appId: string, redirectUri: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'.`, correlationId);
}

// Authorization code flow (entra v2-oauth2-auth-code-flow.md; texts from reference-error-codes.md unless noted).

/** 70007 UnsupportedResponseMode. */
export function aadUnsupportedResponseMode(mode: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 70007, `The app returned an unsupported value of response_mode: '${mode}'.`, correlationId);
}

/** 70005 UnsupportedResponseType: only `code` is emulated (no implicit or hybrid flow). */
export function aadUnsupportedResponseType(responseType: string, correlationId?: string): EmulatorError {
  return aadError(400, 'unsupported_response_type', 70005, `The app returned an unsupported response type: '${responseType}'.`, correlationId);
}

/** 501491 InvalidCodeChallengeMethodInvalidSize. */
export function aadInvalidCodeChallenge(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.', correlationId);
}

/** 50058 UserInformationNotProvided: `prompt=none` without a session ("might be returned to the application if prompt=none is specified"). */
export function aadLoginRequired(correlationId?: string): EmulatorError {
  return aadError(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.', correlationId);
}

/** 50089: the sign-in form's pending request is gone (completed, cancelled, or reset). */
export function aadFlowTokenExpired(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 50089, 'Authentication failed due to flow token expired.', correlationId);
}

/** 65004 UserDeclinedConsent: what the emulator sends with `access_denied` when the user presses Cancel (inferred code). */
export function aadUserCancelled(correlationId?: string): EmulatorError {
  return aadError(400, 'access_denied', 65004, 'User declined to consent to access the app.', correlationId);
}

/** 70008 ExpiredOrRevokedGrant, for an authorization code past its lifetime. */
export function aadAuthorizationCodeExpired(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.', correlationId);
}

/** 54005: authorization codes are single use. */
export function aadAuthorizationCodeRedeemed(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.', correlationId);
}

/** 700005 InvalidGrantRedeemAgainstWrongTenant. */
export function aadCodeForOtherTenant(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.', correlationId);
}

/** 500112 (field): the token request's redirect_uri is not the one the code was issued for. */
export function aadReplyAddressMismatch(sent: string, issued: string, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 500112, `The reply address '${sent}' does not match the reply address '${issued}' provided when requesting Authorization code.`, correlationId);
}

/** 50148 (field): a challenge was sent at /authorize but no code_verifier with the code. */
export function aadCodeVerifierMissing(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.', correlationId);
}

/** 501481. */
export function aadCodeVerifierMismatch(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_grant', 501481, "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.", correlationId);
}

/** 700025 InvalidClientPublicClientWithCredential. */
export function aadPublicClientWithCredential(correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.", correlationId);
}

// Workload identity federation. Codes and texts are field evidence (Entra answers quoted in Microsoft repositories'
// issues: Azure/azure-workload-identity#1232, #1350, Azure/login#175, #619); 70021 is documented in entra-docs
// workload-identity-federation-considerations.md (propagation delay).

const FEDERATION_HINT = 'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation';

export function aadFederatedIssuerNotFound(issuer: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${issuer}'. ${FEDERATION_HINT}`, correlationId);
}

export function aadFederatedAudienceNotFound(audience: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${audience}'. ${FEDERATION_HINT}`, correlationId);
}

export function aadFederatedSubjectNotFound(subject: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${subject}'. ${FEDERATION_HINT}`, correlationId);
}

/** The generic 70021 text, also what a credential still propagating answers. */
export function aadFederatedNoMatch(assertion: { issuer: string; subject: string; audience: string }, correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_request', 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${assertion.issuer}'. Assertion Subject: '${assertion.subject}'. Assertion Audience: '${assertion.audience}'.`, correlationId);
}

/** 7000272 (field): the signing key is not in the issuer's published keys (or the emulator cannot read them). */
export function aadFederatedKeyNotFound(kid: string, issuer: string, correlationId?: string): EmulatorError {
  return aadError(401, 'invalid_client', 7000272, `The certificate with identifier ${kid} used to sign the federated credential could not be found in the metadata of identity provider ${issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`, correlationId);
}

/** 700024 (field): the assertion's exp/nbf window does not contain now. */
export function aadAssertionTimeRange(correlationId?: string): EmulatorError {
  return aadError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.', correlationId);
}

/** Fault injection on Entra routes: 90055 (tenant throttling) and a transient 503. */
export function aadThrottled(retryAfterSeconds: number | undefined): EmulatorError {
  const error = aadError(429, 'temporarily_unavailable', 90055, 'There are too many incoming requests. This exception is thrown for blocked tenants.');
  return withRetryAfter(error, retryAfterSeconds);
}

export function aadUnavailable(retryAfterSeconds: number | undefined): EmulatorError {
  const error = aadError(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
  return withRetryAfter(error, retryAfterSeconds);
}

function withRetryAfter(error: EmulatorError, retryAfterSeconds: number | undefined): EmulatorError {
  if (retryAfterSeconds === undefined) return error;
  return new EmulatorError(error.status, error.body, { ...error.headers, 'Retry-After': String(retryAfterSeconds) });
}

// ---------------------------------------------------------------------------------------------
// Dataverse Web API. Body shape `{"error":{"code":"0x…","message":"…"}}` (wire ref §3); codes lower-case
// hex as real bodies carry them (addendum preamble).

export function dataverseError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmulatorError {
  return new EmulatorError(status, { error: { code: code.toLowerCase().replace(/^0X/, '0x'), message } }, headers);
}

/** 401 with the bearer challenge clients use for tenant discovery (addendum §9). Real 401s carry no JSON body. */
export function dataverseUnauthorized(authorizationUri: string, resourceId: string): EmulatorError {
  return new EmulatorError(401, undefined, {
    'WWW-Authenticate': `Bearer authorization_uri=${authorizationUri}, resource_id=${resourceId}`,
  });
}

export function userNotMemberOfOrg(): EmulatorError {
  return dataverseError(403, '0x80072560', 'The user is not a member of the organization.');
}

/** Addendum §6; status configurable (403 now, 400 in older captures). */
export function userDisabled(userId: string, organizationId: string, status: number): EmulatorError {
  return dataverseError(status, '0x80040225', `The user with SystemUserId=${userId} in OrganizationContext=${organizationId} is disabled. Disabled users cannot access the system. Consider enabling this user. Also, users are disabled if they don't have a license assigned to them.`);
}

/** Wire ref §3 PrivilegeDenied, in the live "Principal user … is missing prvX privilege" form. */
export function privilegeDenied(args: { userId: string; privilege: string; privilegeId: string; entity: string; otc: number }): EmulatorError {
  return dataverseError(403, '0x80040220', `Principal user (Id=${args.userId}, type=8) is missing ${args.privilege} privilege (Id=${args.privilegeId}) on OTC=${args.otc} for entity '${args.entity}'. Consider adding missing privilege to one of the principal (user/team) roles for the request to succeed.`);
}

export function recordNotFound(entity: string, id: string): EmulatorError {
  return dataverseError(404, '0x80040217', `Entity '${entity}' With Id = ${id} Does Not Exist`);
}

export function invalidArgument(message: string): EmulatorError {
  return dataverseError(400, '0x80040203', message);
}

/** The real text for a bad OData query ("Could not find a property named …", syntax errors). */
export function badQuery(message: string): EmulatorError {
  return dataverseError(400, '0x80060888', message);
}

/** A column the emulator does not model: 501, so a test never mistakes it for Dataverse's "Could not find a property" 400. */
export function columnNotEmulated(field: string, entity: string): EmulatorError {
  return dataverseError(501, '0x8006088a', `The dvpkg emulator does not emulate the column '${field}' of ${entity}.`);
}

export function invalidKey(raw: string, entity: string): EmulatorError {
  return badQuery(`Bad Request - Error in query syntax: '${raw}' is not a valid key for ${entity}.`);
}

export function invalidJsonBody(): EmulatorError {
  return dataverseError(400, '0x80040203', 'The request body is not valid JSON.');
}

export function queryNotSupported(detail: string): EmulatorError {
  return dataverseError(501, '0x8006088a', `The emulator does not support ${detail}.`);
}

export function routeNotImplemented(method: string, path: string): EmulatorError {
  return dataverseError(501, '0x80060888', `Not implemented by the dvpkg emulator: ${method} ${path}`);
}

export function orgNotFound(name: string): EmulatorError {
  return dataverseError(404, '0x80040217', `Organization '${name}' does not exist in this emulator.`);
}

/** Addendum §1: no service principal for the app in the org's tenant. Status configurable (default 400). */
export function azureApplicationIdNotFound(appId: string, status: number): EmulatorError {
  return dataverseError(status, '0x8004F510', `We didn't find that application ID ${appId} in your Azure Active Directory (Azure AD) with CorrelationID ${randomUUID()}. Make sure your application is registered in Azure AD.`);
}

/** Addendum §1 side finding (duplicate app user) and §7 (duplicate role association). */
export function duplicateRecord(message: string, status: number): EmulatorError {
  return dataverseError(status, '0x80040237', message);
}

/**
 * 0x80048d3b AssignRoleValidationFailure, for assigning and removing. The opening and the closing sentence
 * are the template of MicrosoftDocs/powerapps-docs includes/data-service-error-codes.md; how {0}-{3} are laid
 * out between them is inferred. Status configurable (no source gives it).
 */
export function assignRoleValidationFailure(args: { callerId: string; roleId: string; principalId: string; roleBusinessUnitId: string; missing: Array<{ name: string; privilegeId: string; depth: string; businessUnitId: string }>; status: number }): EmulatorError {
  const first = args.missing.slice(0, 5);
  const list = first.map((p) => `${p.name}(${p.privilegeId})/${p.depth}/${p.businessUnitId}`).join(', ');
  return dataverseError(args.status, '0x80048d3b', `Assigning or Removing a role of User/Team requires the calling user to have all the privilege(s) of a role being assigned/removed. CallingUser: ${args.callerId}, Role: ${args.roleId}, User/Team: ${args.principalId}, RoleBusinessUnit: ${args.roleBusinessUnitId}. First ${first.length} missed role privilege(s) in format PrivilegeName(PrivilegeId)/Depth/BusinessUnitId are: ${list}.`);
}

/** A path segment the service does not know, e.g. a bound call of an unbound function (observed: 0x80060888, 404). */
export function unknownSegment(segment: string, status: number): EmulatorError {
  return dataverseError(status, '0x80060888', `Resource not found for the segment '${segment}'.`);
}

/** PPAC: "Only application users with the inactive state can be deleted" (manage-application-users.md); code inferred. */
export function activeUserDelete(userId: string, status: number): EmulatorError {
  return dataverseError(status, '0x80040203', `The user ${userId} is active. Only users with the inactive state can be deleted: disable the user first.`);
}

export function userInWrongBusiness(args: { userId: string; userBu: string; roleId: string; roleBu: string }): EmulatorError {
  return dataverseError(400, '0x80041409', `Cannot associate security role because the security role's Business Unit is not the same as the user's Business Unit. Details: userid=${args.userId}, userBU=${args.userBu}, roleId=${args.roleId}, roleBU=${args.roleBu}`);
}


export function serviceProtectionLimit(retryAfterSeconds: number | undefined): EmulatorError {
  return dataverseError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) });
}

/** api-limits.md "Number of requests": 0x80072322 with its message, naming the configured limit and window. */
export function requestsLimit(requests: number, windowSeconds: number, retryAfterSeconds: number): EmulatorError {
  return dataverseError(429, '0x80072322', `Number of requests exceeded the limit of ${requests} over time window of ${windowSeconds} seconds.`, { 'Retry-After': String(retryAfterSeconds) });
}

/** api-limits.md "Concurrent requests": 0x80072326 "Number of concurrent requests exceeded the limit of 52." */
export function concurrentRequestsLimit(concurrent: number, retryAfterSeconds: number): EmulatorError {
  return dataverseError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${concurrent}.`, { 'Retry-After': String(retryAfterSeconds) });
}

export function serviceUnavailable(retryAfterSeconds: number | undefined): EmulatorError {
  return dataverseError(503, '0x80040216', 'An unexpected error occurred.', retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) });
}

export function internalError(message: string): EmulatorError {
  return dataverseError(500, '0x80040216', `Emulator internal error: ${message}`);
}

export function payloadTooLarge(limit: number): EmulatorError {
  return dataverseError(413, '0x80040203', `The request body exceeds the emulator limit of ${limit} bytes.`);
}

// ---------------------------------------------------------------------------------------------
// Solution import (wire ref §5.4 and addendum §2, §3, §5). Each returns the code and text so the same
// failure can be sent synchronously or recorded in an import job.

export interface ImportFailure {
  code: string;
  message: string;
  /** Import section the failure belongs to in the job's result XML. */
  section: 'solutionManifest' | 'securityroles';
  /** The failing component, e.g. the role id, when there is one. */
  component?: { id: string; name: string };
  /** The job log's `errortext`, when it differs from the API message (e.g. "Solution manifest import: FAILURE: …"). */
  jobText?: string;
}

export function importBadZip(): ImportFailure {
  return { code: '0x80048060', section: 'solutionManifest', message: 'The solution file is invalid. The compressed file must contain the following files at its root: solution.xml, customizations.xml, and [Content_Types].xml. Customization files exported from previous versions of Microsoft Dynamics 365 are not supported.' };
}

export function importZipLimit(detail: string): ImportFailure {
  return { code: '0x80048060', section: 'solutionManifest', message: `The solution file is invalid. ${detail}` };
}

/** An entry name that climbs out of the package or is absolute: zip-slip, whatever the reader does with it. */
export function importUnsafeEntryName(name: string): ImportFailure {
  return { code: '0x80048060', section: 'solutionManifest', message: `The solution file is invalid. The entry '${name}' is not a relative path inside the package.` };
}

export function importInvalidXml(file: string, detail: string): ImportFailure {
  return { code: '0x8004802C', section: 'solutionManifest', message: `This solution package cannot be imported because it contains invalid XML. You can attempt to repair the file by manually editing the XML contents using the information found in the schema validation errors, or you can contact your solution provider. (${file}: ${detail})` };
}

export function importXsdValidation(file: string, detail: string): ImportFailure {
  return { code: '0x8004801A', section: 'solutionManifest', message: `The import file is invalid. XSD validation failed with the following error: '${detail}'. The validation failed at: '${file}'.` };
}

export function importLowerVersion(): ImportFailure {
  return { code: '0x80048541', section: 'solutionManifest', message: 'The import solution must have a higher version than the existing solution it is upgrading.' };
}

export function importManagedOverUnmanaged(): ImportFailure {
  return { code: '0x80048040', section: 'solutionManifest', message: 'The solution is already installed on this system as an unmanaged solution and the package supplied is attempting to install it in managed mode. Import can only update solutions when the modes match. Uninstall the current solution and try again.' };
}

export function importUnmanagedOverManaged(): ImportFailure {
  return { code: '0x80048041', section: 'solutionManifest', message: 'The solution is already installed on this system as a managed solution and the package supplied is attempting to install it in unmanaged mode. Import can only update solutions when the modes match. Uninstall the current solution and try again.' };
}

export function importHoldingExists(uniqueName: string): ImportFailure {
  return { code: '0x80048539', section: 'solutionManifest', message: `Holding solution ${uniqueName}_Upgrade already exists. Apply or delete the pending upgrade before importing again.` };
}

/** "The privilege prvDeleteUserSettings with id = … can't have depth = Basic, RoleId = …" (solution-format.md §4.4). */
export function importPrivilegeDepth(args: { privilege: string; privilegeId: string; depth: string; roleId: string; roleName: string }): ImportFailure {
  return { code: '0x80048058', section: 'securityroles', component: { id: args.roleId, name: args.roleName }, message: `The privilege ${args.privilege} with id = ${args.privilegeId} can't have depth = ${args.depth}, RoleId = ${args.roleId}` };
}

export function importUnknownPrivilege(args: { privilege: string; roleId: string; roleName: string }): ImportFailure {
  return { code: '0x80048058', section: 'securityroles', component: { id: args.roleId, name: args.roleName }, message: `The privilege to be imported is invalid. The privilege ${args.privilege} was not found in this organization, RoleId = ${args.roleId}` };
}

export function importRoleNameConflict(args: { roleId: string; roleName: string }): ImportFailure {
  return { code: '0x80048017', section: 'securityroles', component: { id: args.roleId, name: args.roleName }, message: 'Cannot import security role. The role with specified role id is not updatable or role name is not unique.' };
}

/** coe-starter-kit#10402 (solution-format.md §4.4): importing roles needs prvWriteRole. */
export function importRolePrivilegeMissing(args: { userId: string; privilegeId: string; roleId: string; roleName: string }): ImportFailure {
  return { code: '0x80040220', section: 'securityroles', component: { id: args.roleId, name: args.roleName }, message: `SecLib::CheckPrivilege failed. User: ${args.userId}, PrivilegeName: prvWriteRole, PrivilegeId: ${args.privilegeId}, Required Depth: Basic` };
}

/** ImportMissingDependenciesError, -2147188707 (packages-research.md Q2.2). */
export const MISSING_DEPENDENCIES_CODE = '0x8004801D';

function xmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * 0x8004801D with the live text: "The following solution cannot be imported: X. Some dependencies are missing.
 * The missing dependencies are : <MissingDependencies>…</MissingDependencies> , ProductUpdatesOnly : False"
 * (microsoft/powerapps-tools#1271). The inner XML is the unmet `MissingDependency` entries, one line,
 * `canResolveMissingDependency="False"` on each, Required/Dependent attributes as the manifest wrote them
 * (microsoft/coe-starter-kit#9903). The job log prefixes "Solution manifest import: FAILURE: "
 * (WaelHamze/xrm-ci-framework SolutionManagerTest.cs; microsoft/coe-starter-kit#2500).
 */
export function importMissingDependencies(uniqueName: string, missing: Array<{ required: Array<[string, string]>; dependent: Array<[string, string]> }>): ImportFailure {
  const element = (name: string, attrs: Array<[string, string]>) => `<${name}${attrs.map(([key, value]) => ` ${key}="${xmlAttribute(value)}"`).join('')} />`;
  const xml = `<MissingDependencies>${missing.map((m) => `<MissingDependency canResolveMissingDependency="False">${element('Required', m.required)}${element('Dependent', m.dependent)}</MissingDependency>`).join('')}</MissingDependencies>`;
  const message = `The following solution cannot be imported: ${uniqueName}. Some dependencies are missing. The missing dependencies are : ${xml} , ProductUpdatesOnly : False`;
  return { code: MISSING_DEPENDENCIES_CODE, section: 'solutionManifest', message, jobText: `Solution manifest import: FAILURE: ${message}` };
}

export function isImportFailure(value: unknown): value is ImportFailure {
  return typeof value === 'object' && value !== null && 'code' in value && 'section' in value;
}

export function importFailureError(failure: ImportFailure, status = 400): EmulatorError {
  return dataverseError(failure.code === '0x80040220' ? 403 : status, failure.code, failure.message);
}

/** The live text (coe-starter-kit#8757, ewingjm/development-hub#26), on the start request or inside the job. */
export function importConcurrency(): ImportFailure {
  return { code: '0x80071151', section: 'solutionManifest', message: 'Cannot start another [Import] because there is a previous [Import] running at this moment. Use Solution History for more details. -- The solution installation or removal failed due to the installation or removal of another solution at the same time.' };
}

export function solutionConcurrency(): EmulatorError {
  const failure = importConcurrency();
  return dataverseError(400, failure.code, failure.message);
}

export function duplicatedImportJobId(id: string): EmulatorError {
  return dataverseError(400, '0x80071152', `The ImportJobId ${id} is already used by another import job. ImportJobId must be unique.`);
}

export function upgradeNotAvailableFailure(uniqueName: string): ImportFailure {
  return { code: '0x8004853B', section: 'solutionManifest', message: `There is no upgrade for solution ${uniqueName} to apply: the holding solution ${uniqueName}_Upgrade does not exist.` };
}

export function upgradeNotAvailable(uniqueName: string): EmulatorError {
  const failure = upgradeNotAvailableFailure(uniqueName);
  return dataverseError(400, failure.code, failure.message);
}

// ---------------------------------------------------------------------------------------------
// Deployment settings: ComponentParameters at import, connection references set afterwards.

/**
 * Dataverse relays the API hub's answer when a connection reference names a connection its connector does not
 * have: "Request failed with: NotFound and error: {"error":{"code":"ConnectionNotFound","message":"Could not find
 * connection '<id>' for API '<api>'."}}" (Capgemini/powerapps-packagedeployer-template#55; the same "Request
 * failed with: <status> and error: …" wrapping on a deployment-settings import, powerplatform-build-tools#760).
 * The field text goes on with " and request url <the hub's URL>", left out here. The code is inferred.
 */
export const CONNECTION_NOT_FOUND_CODE = '0x80040203';

export function connectionNotFoundFailure(connectionId: string, api: string): ImportFailure {
  const hub = JSON.stringify({ error: { code: 'ConnectionNotFound', message: `Could not find connection '${connectionId}' for API '${api}'.` } });
  return { code: CONNECTION_NOT_FOUND_CODE, section: 'solutionManifest', message: `Request failed with: NotFound and error: ${hub}` };
}

export function connectionNotFound(connectionId: string, api: string, status: number): EmulatorError {
  const failure = connectionNotFoundFailure(connectionId, api);
  return dataverseError(status, failure.code, failure.message);
}

/** A ComponentParameters entry naming no component of the solution or the org (`unknownComponentParameter: 'fail'`): text inferred, as for a record not found. */
export function unknownComponentParameter(entity: 'environmentvariabledefinition' | 'connectionreference', key: string, name: string): ImportFailure {
  return { code: '0x80040217', section: 'solutionManifest', message: `Entity '${entity}' With ${key} = ${name} Does Not Exist` };
}

// ---------------------------------------------------------------------------------------------
// Solution uninstall (UninstallSolutionAsync, DELETE solutions(<id>)).

/**
 * Component type names as the uninstall refusal writes them: Entity, Workflow, SiteMap, connectionreference
 * are field evidence (coe-starter-kit#8293, #8619, #8246); the others are inferred from the componenttype labels.
 */
const COMPONENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'Entity', 20: 'Role', 29: 'Workflow', 62: 'SiteMap', 80: 'AppModule', 300: 'CanvasApp',
  380: 'EnvironmentVariableDefinition', 381: 'EnvironmentVariableValue', 10150: 'connectionreference',
};

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

function componentDetails(component: { type: number | null; name: string; id: string }): string {
  const type = component.type === null ? '' : COMPONENT_TYPE_NAMES[component.type] ?? String(component.type);
  return `Type: ${type}, ObjectName: ${component.name}, Id: ${component.id}, ParentObjectName: , ParentId: ${EMPTY_GUID}`;
}

/**
 * 0x8004F01D CannotUninstallWithDependencies "Solution dependencies exist, cannot uninstall." (powerapps-docs
 * includes/data-service-error-codes.md), followed by the details live answers carry: "DependencyCount : N
 * RequiredComponentObject details: Type: …, ObjectName: …, Id: …, ParentObjectName: , ParentId: …,
 * DependentComponentObject details: … DependencyType: Published" (coe-starter-kit#8246, #8293, #8619).
 * The message names components, not the solution that holds the dependent one.
 */
export function solutionDependenciesExist(dependencies: Array<{ required: { type: number | null; name: string }; dependent: { type: number | null; name: string }; row: { requiredcomponentobjectid: string; dependentcomponentobjectid: string } }>): ImportFailure {
  const details = dependencies.map((d) => `RequiredComponentObject details: ${componentDetails({ ...d.required, id: d.row.requiredcomponentobjectid })}, DependentComponentObject details: ${componentDetails({ ...d.dependent, id: d.row.dependentcomponentobjectid })} DependencyType: Published`);
  return { code: '0x8004F01D', section: 'solutionManifest', message: `Solution dependencies exist, cannot uninstall. DependencyCount : ${dependencies.length} ${details.join(' ')}` };
}

/**
 * The base of a pending upgrade: the live text is reported as "…is the base for an upgrade solution. Please
 * delete CenterofExcellenceCoreComponents_upgrade first" (coe-starter-kit#2457); the code and the exact wording
 * are inferred (0x8004F01D: a dependency the holding solution has on its base).
 */
export function uninstallHoldingBase(uniqueName: string): ImportFailure {
  return { code: '0x8004F01D', section: 'solutionManifest', message: `The solution ${uniqueName} is the base for an upgrade solution. Please delete ${uniqueName}_Upgrade first.` };
}

/** UninstallSolutionAsync or RetrieveDependenciesForUninstall with an unknown unique name: not-found as for any record (inferred text). */
export function solutionNotFound(uniqueName: string): EmulatorError {
  return dataverseError(404, '0x80040217', `Entity 'solution' With UniqueName = ${uniqueName} Does Not Exist`);
}

// ---------------------------------------------------------------------------------------------
// Control API (emulator-only): `{ "error": "…" }`.

export function controlError(status: number, message: string): EmulatorError {
  return new EmulatorError(status, { error: message });
}
