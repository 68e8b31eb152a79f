/** Replaced by `dvpkg build` with the sha256 of the package's manifest.json (see src/package/stamp.ts). */
export const MANIFEST_SHA256_STAMP: string = 'dvpkg:manifest-sha256:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
