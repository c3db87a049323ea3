import { dirname } from 'node:path';

/** What a file looks like, as far as the script checks need it. */
export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  uid: number;
  mode: number;
}

/**
 * The file-system access of the linter (KA034, KA041), injected: the CLI passes {@link nodeReader}, tests
 * may pass a fake. Every method answers `undefined` / `false` for a path that cannot be read.
 */
export interface FileReader {
  /** stat(2): follows symbolic links. */
  stat(path: string): FileInfo | undefined;
  /** lstat(2): does not follow a final symbolic link. */
  lstat(path: string): FileInfo | undefined;
  /** The first `bytes` bytes of a file. */
  head(path: string, bytes: number): Uint8Array | undefined;
  /** access(2) with X_OK. */
  executable(path: string): boolean;
}

/** Why keepalived's script security would refuse a path, or undefined. */
export function scriptProblem(path: string, reader: FileReader): string | undefined {
  const st = reader.stat(path);
  if (!st) return 'does not exist or is not executable';
  if (!st.isFile) return 'not a regular file';
  if (st.uid !== 0) return 'not owned by root';
  if (st.mode & 0o022) return 'writable by group or others';
  if (!reader.executable(path)) return 'does not exist or is not executable';
  if (!(st.mode & 0o111)) return 'not executable';
  const head = reader.head(path, 4);
  if (!head) return 'does not exist or is not executable';
  const text = String.fromCharCode(...head);
  if (text.slice(0, 2) !== '#!' && text !== '\x7fELF') return 'neither a #! script nor an ELF binary';
  for (let d = dirname(path); ; d = dirname(d)) {
    const ds = reader.lstat(d);
    if (!ds) return 'does not exist or is not executable';
    if (ds.uid !== 0 || ds.mode & 0o022) return `directory ${d} is writable by a non-root user`;
    if (d === '/') break;
  }
  return undefined;
}
