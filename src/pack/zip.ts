import JSZip from 'jszip';

/**
 * A fixed timestamp for every entry (DOS time has no zone and 2-second steps), so the
 * same input always gives the same bytes. 2000-01-01 is well inside DOS date range.
 */
export const FIXED_ZIP_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Stored without compression: for entries whose deflate costs more time than the bytes are worth. */
  store?: boolean;
}

/** Deflate, files only (no folder entries), forward slashes, fixed dates: the shape Dataverse exports. */
export async function createZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new JSZip();
  for (const entry of entries) {
    zip.file(entry.name.replace(/\\/g, '/'), entry.data, {
      date: FIXED_ZIP_DATE,
      createFolders: false,
      binary: true,
      ...(entry.store ? { compression: 'STORE' as const } : {}),
    });
  }
  return zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
    platform: 'DOS',
    streamFiles: false,
  });
}

