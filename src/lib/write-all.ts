/** Writing buffers to a file handle completely (framework-free). */
import type { promises as fsp } from 'fs';

/** Writes every byte of the buffers, in order, at the end of the file (a short write goes on). */
export async function writeAll(h: fsp.FileHandle, bufs: readonly Uint8Array[]): Promise<void> {
  let list = bufs;
  while (list.length) {
    const { bytesWritten } = await h.writev(list as Uint8Array[]);
    let n = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const b of list) {
      if (n >= b.byteLength) n -= b.byteLength;
      else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    list = rest;
  }
}
