// Reads one file out of a ZIP archive (a DOCX is one) by its central directory, enough to get at
// `docProps/core.xml` for the document title, which mammoth does not expose.

import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** The entry's uncompressed bytes, or undefined if the archive lacks it or cannot be read. */
export function readZipEntry(zip: Uint8Array, path: string): Uint8Array | undefined {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const entries = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  for (let n = 0; n < entries && offset + 46 <= zip.length; n++) {
    if (view.getUint32(offset, true) !== CENTRAL_DIRECTORY_ENTRY) return undefined;
    const method = view.getUint16(offset + 10, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const localHeader = view.getUint32(offset + 42, true);
    const name = decoder.decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    if (name === path) return readLocalEntry(zip, view, localHeader, method, compressedSize);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return undefined;
}

function readLocalEntry(
  zip: Uint8Array,
  view: DataView,
  header: number,
  method: number,
  compressedSize: number,
): Uint8Array | undefined {
  if (header + 30 > zip.length || view.getUint32(header, true) !== LOCAL_FILE_HEADER) return undefined;
  const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  const data = zip.subarray(start, start + compressedSize);
  if (method === STORED) return data;
  if (method !== DEFLATED) return undefined;
  try {
    // A zip bomb must not exhaust memory: no entry Parley reads is anywhere near this size.
    return inflateRawSync(data, { maxOutputLength: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}
