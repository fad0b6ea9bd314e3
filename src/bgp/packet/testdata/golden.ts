// Loader for the golden BGP messages captured from real BIRD, FRR and GoBGP sessions (e2e/capture/
// golden-capture.test.ts writes them). Each `golden/<daemon>-<version>-<what>.hex` file holds one whole message
// (header included) as hex; golden/MANIFEST.json says where each came from and which CodecOptions the session had
// negotiated. The loader THROWS when it finds no files or when files and manifest disagree: a fixture glob that
// silently matches nothing turns a golden test into one that always passes (MetalLB's capture test did that).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodecOptions, Family } from '../types';
import { describeError } from '../../../lib/errors';

export const GOLDEN_DIR = join(__dirname, 'golden');
export const MANIFEST_FILE = join(GOLDEN_DIR, 'MANIFEST.json');

export type GoldenType = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';

/** One MANIFEST.json entry, as written by the capture script. */
export interface GoldenManifestEntry {
  readonly file: string;
  readonly source: { readonly daemon: string; readonly version: string };
  readonly type: GoldenType;
  /** What the message shows, e.g. "update-ipv6-mp-reach". */
  readonly what: string;
  readonly capturedAt: string;
  /** The session it was captured on: speakers, ASNs, families, options. */
  readonly session: string;
  /** "bird -> frr" */
  readonly direction: string;
  readonly codecOptions: { readonly fourOctetAs: boolean; readonly extendedMessage: boolean; readonly addPath: readonly Family[]; readonly internal: boolean };
  /** False when the daemon's encoding is valid but not what our encoder produces (e.g. attribute order); see note. */
  readonly canonical: boolean;
  readonly note?: string;
}

export interface GoldenManifest {
  readonly description: string;
  readonly entries: readonly GoldenManifestEntry[];
}

export interface GoldenMessage {
  readonly name: string;
  readonly source: string;
  readonly type: GoldenType;
  readonly bytes: Buffer;
  readonly codecOptions: CodecOptions;
  readonly canonical: boolean;
  readonly note?: string;
  readonly entry: GoldenManifestEntry;
}

const TYPE_CODES: Record<GoldenType, number> = { open: 1, update: 2, notification: 3, keepalive: 4, 'route-refresh': 5 };

function fail(msg: string): never {
  throw new Error(`golden fixtures: ${msg}`);
}

export function readManifest(dir = GOLDEN_DIR): GoldenManifest {
  let text: string;
  try {
    text = readFileSync(join(dir, 'MANIFEST.json'), 'utf8');
  } catch (err) {
    fail(`cannot read ${join(dir, 'MANIFEST.json')}: ${describeError(err)}`);
  }
  const m = JSON.parse(text) as GoldenManifest;
  if (!Array.isArray(m.entries)) fail('MANIFEST.json has no entries array');
  return m;
}

/**
 * Every golden message, in file-name order. Throws if the directory holds no .hex file, if a .hex file has no
 * manifest entry or the reverse, if a file is not whole hex octets, or if a message's header disagrees with its
 * length or with the type the manifest gives.
 */
export function loadGolden(dir = GOLDEN_DIR): GoldenMessage[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.hex')).sort();
  } catch (err) {
    fail(`cannot list ${dir}: ${describeError(err)}`);
  }
  if (files.length === 0) fail(`no .hex files in ${dir}`);
  const manifest = readManifest(dir);
  const byFile = new Map(manifest.entries.map((e) => [e.file, e]));
  const unlisted = files.filter((f) => !byFile.has(f));
  if (unlisted.length > 0) fail(`not in MANIFEST.json: ${unlisted.join(', ')}`);
  const missing = manifest.entries.filter((e) => !files.includes(e.file)).map((e) => e.file);
  if (missing.length > 0) fail(`listed in MANIFEST.json but missing: ${missing.join(', ')}`);
  return files.map((file) => {
    const entry = byFile.get(file) as GoldenManifestEntry;
    const hex = readFileSync(join(dir, file), 'utf8').replace(/\s+/g, '');
    if (!/^([0-9a-f]{2})+$/i.test(hex)) fail(`${file} is not hex octets`);
    const bytes = Buffer.from(hex, 'hex');
    if (bytes.length < 19 || bytes.readUInt16BE(16) !== bytes.length) fail(`${file}: header length does not match the file`);
    if (bytes[18] !== TYPE_CODES[entry.type]) fail(`${file}: type ${bytes[18]} but the manifest says ${entry.type}`);
    const o = entry.codecOptions;
    return {
      name: file.replace(/\.hex$/, ''),
      source: `${entry.source.daemon} ${entry.source.version}`,
      type: entry.type,
      bytes,
      codecOptions: { fourOctetAs: o.fourOctetAs, extendedMessage: o.extendedMessage, addPath: new Set(o.addPath), internal: o.internal },
      canonical: entry.canonical,
      note: entry.note,
      entry,
    };
  });
}
