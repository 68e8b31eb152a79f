/** A file system error in the user's words rather than Node's error code. */
export function fileErrorReason(error: unknown, doing: 'read' | 'write' = 'read'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return doing === 'read' ? 'there is no file there' : 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a folder on its path is a file';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code ? `it cannot be ${doing === 'read' ? 'read' : 'written'}: ${code}` : `it cannot be ${doing === 'read' ? 'read' : 'written'}`;
  }
}
