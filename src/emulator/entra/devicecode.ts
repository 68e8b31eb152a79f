/** POST /{tenant}/oauth2/v2.0/devicecode (wire ref §1.5) and the approval used by the control API. */
import { randomBytes, randomInt } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { aadApplicationNotFound, aadMissingParameter } from '../wire-errors.js';
import type { DeviceCodeRecord } from '../state.js';
import { resolveResource } from './resource.js';
import { correlationIdOf, resolveTenant } from './tenants.js';
import { formOf } from './token.js';

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function userCode(): string {
  return Array.from({ length: 9 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
}

export function deviceCodeEndpoint(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const form = formOf(req);
  const correlationId = correlationIdOf(req.url, form);
  const tenantSegment = req.params.tenant ?? '';
  const tenant = resolveTenant(ctx, tenantSegment, correlationId);
  const clientId = form.get('client_id')?.toLowerCase();
  if (!clientId) throw aadMissingParameter('client_id', correlationId);
  req.note.caller = { appId: clientId };
  if (!ctx.state.app(clientId)) throw aadApplicationNotFound(clientId, tenantSegment, correlationId);
  const scope = form.get('scope') ?? '';
  const { org } = resolveResource(ctx, scope, { tenantName: tenantSegment, defaultOnly: false, correlationId });
  const record: DeviceCodeRecord = {
    deviceCode: randomBytes(32).toString('base64url'),
    userCode: userCode(),
    clientId,
    scope,
    expiresAt: Date.now() + ctx.options.deviceCodeExpiresInSeconds * 1000,
    status: 'pending',
    upn: null,
    tenantId: tenant?.id ?? org?.tenantId ?? null,
  };
  if (ctx.options.autoApproveDeviceCodes) {
    record.status = 'approved';
    record.upn = ctx.state.adminFor(record.tenantId ?? undefined);
  }
  ctx.state.data.deviceCodes.push(record);
  const verificationUri = `${ctx.baseUrl}/devicelogin`;
  return {
    status: 200,
    body: {
      user_code: record.userCode,
      device_code: record.deviceCode,
      verification_uri: verificationUri,
      expires_in: ctx.options.deviceCodeExpiresInSeconds,
      interval: 1,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${record.userCode} to authenticate.`,
    },
  };
}

export type ApprovalResult = 'ok' | 'unknown-code' | 'unknown-user';

/** Approve (as `upn`, default the seeded admin of the tenant the sign-in names) or deny a pending device code by its user code. */
export function settleDeviceCode(ctx: EmulatorContext, userCodeValue: string, decision: 'approve' | 'deny', upn?: string): ApprovalResult {
  const record = ctx.state.data.deviceCodes.find((c) => c.userCode === userCodeValue.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  if (!record) return 'unknown-code';
  if (decision === 'deny') {
    record.status = 'denied';
    return 'ok';
  }
  const user = ctx.state.entraUser(upn ?? ctx.state.adminFor(record.tenantId ?? undefined));
  if (!user) return 'unknown-user';
  record.status = 'approved';
  record.upn = user.upn;
  return 'ok';
}

/** Real Entra shows a sign-in page here; the emulator explains how approval works instead. */
export function deviceLoginPage(ctx: EmulatorContext): Reply {
  const text = `dvpkg emulator: device code sign-in is emulated.\nCodes are approved automatically for the seeded admin unless autoApproveDeviceCodes is off;\nthen approve with POST ${ctx.baseUrl}/_emulator/device-codes/approve {"userCode":"..."}.\n`;
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
}
