import pkg from '../package.json' with { type: 'json' };

export const DVPKG_VERSION: string = pkg.version;
