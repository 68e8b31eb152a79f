import { expect } from 'chai';
import { isDvpkgError } from '../../src/errors.js';
import { parseRunnerArgs, type DeployRunnerOptions } from '../../src/programs/runner/args.js';

/** Issue 12, items 1 and 4: how the runner picks its sign-in, and the clouds it signs in to. */
describe('runner options: sign-in mode and cloud', () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => parseRunnerArgs(args, env) as DeployRunnerOptions;
  const refusal = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      parseRunnerArgs(args, env);
    } catch (error) {
      if (isDvpkgError(error)) return { code: error.code, exit: error.exitCode, message: error.message };
      throw error;
    }
    return expect.fail(`${args.join(' ')} should be refused`);
  };

  it('signs a person in through the browser where a display exists, else with a device code, and says why', () => {
    expect(parse(['--org', 'https://contoso.crm.dynamics.com'], { DISPLAY: ':0' }).credential.auth).to.equal('browser');
    const wayland = parse(['--org', 'https://contoso.crm.dynamics.com'], { WAYLAND_DISPLAY: 'wayland-0' });
    expect(wayland.credential.auth).to.equal('browser');
    expect(wayland.authNote).to.equal(undefined);
    for (const [env, reason] of [
      [{}, 'there is no display'],
      [{ DISPLAY: ':0', SSH_TTY: '/dev/pts/1' }, 'this is an SSH session'],
      [{ DISPLAY: ':0', CI: 'true' }, 'this looks like a CI job'],
    ] as const) {
      const options = parse(['--org', 'https://contoso.crm.dynamics.com'], env);
      expect(options.credential.auth).to.equal('device-code');
      expect(options.authNote).to.contain(reason);
    }
    // A mode the user chose is kept whatever the machine looks like, and a secret alone does not switch to it.
    expect(parse(['--org', 'https://contoso.crm.dynamics.com', '--auth', 'browser', '--no-open'], { CI: 'true' }).credential).to.include({ auth: 'browser', openBrowser: false });
    expect(parse(['--org', 'https://contoso.crm.dynamics.com'], { DISPLAY: ':0', AZURE_CLIENT_SECRET: 'x' }).credential.auth).to.equal('browser');
  });

  it('lists every sign-in mode for an unknown --auth', () => {
    expect(refusal(['--org', 'https://contoso.crm.dynamics.com', '--auth', 'password'])).to.deep.include({
      exit: 2,
      message: '--auth password: expected browser, device-code, client-secret, certificate, federated or azure-cli',
    });
  });

  it("signs in at the chosen cloud's host and accepts only that cloud's org hosts, naming the right cloud", () => {
    expect(parse(['--org', 'https://contoso.crm.dynamics.com']).authority).to.deep.equal({ host: 'https://login.microsoftonline.com', source: 'default' });
    expect(parse(['--org', 'https://contoso.crm.microsoftdynamics.us', '--cloud', 'usgovhigh']).authority.host).to.equal('https://login.microsoftonline.us');
    expect(parse(['--org', 'https://contoso.crm.appsplatform.us', '--cloud', 'dod']).authority.host).to.equal('https://login.microsoftonline.us');
    const china = parse(['--org', 'https://contoso.crm.dynamics.cn', '--cloud', 'China']);
    expect(china.authority.host).to.equal('https://login.chinacloudapi.cn');
    expect(china.cloud.federatedAudience).to.equal('api://AzureADTokenExchangeChina');
    // GCC signs in at the public host but its orgs are crm9.
    expect(parse(['--org', 'https://contoso.crm9.dynamics.com', '--cloud', 'usgov']).authority.host).to.equal('https://login.microsoftonline.com');

    expect(refusal(['--org', 'https://contoso.crm9.dynamics.com']).message).to.equal(
      '--org https://contoso.crm9.dynamics.com: this org is in US Government (GCC), not the public cloud (whose orgs are *.dynamics.com); use --cloud usgov',
    );
    expect(refusal(['--org', 'https://contoso.crm.dynamics.com', '--cloud', 'usgovhigh']).message).to.equal(
      '--org https://contoso.crm.dynamics.com: this org is in the public cloud, not US Government (GCC High) (whose orgs are *.crm.microsoftdynamics.us); use --cloud public',
    );
    expect(refusal(['--org', 'https://contoso.example.com']).message).to.match(/^--org https:\/\/contoso\.example\.com: not a Dataverse org host of the public cloud \(expected \*\.dynamics\.com\)/);
    expect(refusal(['--org', 'https://contoso.crm.dynamics.com', '--cloud', 'mars']).message).to.equal('--cloud mars: expected one of public, usgov, usgovhigh, dod, china');
    // The emulator on loopback fits any cloud; --authority-host still wins.
    expect(parse(['--org', 'http://127.0.0.1:5555/orgs/contoso', '--cloud', 'china', '--authority-host', 'http://127.0.0.1:5555']).authority).to.deep.equal({ host: 'http://127.0.0.1:5555', source: 'flag' });
  });
});
