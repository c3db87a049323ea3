import {
  accessSync,
  closeSync,
  constants,
  lstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import type { FileInfo, FileReader } from './reader.js';

const info = (s: Stats): FileInfo => ({
  isFile: s.isFile(),
  isDirectory: s.isDirectory(),
  uid: s.uid,
  mode: s.mode,
});

/** The {@link FileReader} of this machine's disk (node:fs). */
export const nodeReader: FileReader = {
  stat(path) {
    try {
      return info(statSync(path));
    } catch {
      return undefined;
    }
  },
  lstat(path) {
    try {
      return info(lstatSync(path));
    } catch {
      return undefined;
    }
  },
  head(path, bytes) {
    try {
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.alloc(bytes);
        const n = readSync(fd, buf, 0, bytes, 0);
        return buf.subarray(0, n);
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  },
  executable(path) {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};
