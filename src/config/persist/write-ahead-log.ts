// The config store's durable state on disk: an append-only write-ahead log of committed changes plus
// a compacted image, so a crash (even SIGKILL or power loss after fsync) loses nothing that was
// acknowledged and never leaves a change half-applied. etcd keeps its state the same way (a WAL of
// framed, checksummed records + snapshots; etcd-io/etcd server/storage/wal/wal.go): a torn last
// record is cut off at open, never replayed.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** One stored object: its store kind, whether its YAML named the namespace, and the object itself. */
export interface StoredObject {
  kind: string;
  namespaceExplicit: boolean;
  object: Record<string, unknown>;
}

/** One committed change: the revision it made, objects written and keys (`kind/ns/name`) removed. */
export interface WalRecord {
  revision: number;
  put: StoredObject[];
  deleted: string[];
}

/**
 * A WalRecord built from objects' JSON bytes encoded earlier (config/encoded-json.ts): a commit of
 * thousands of objects copies bytes instead of stringifying them all again. It decodes to the same
 * WalRecord.
 */
export class EncodedWalRecord {
  private readonly parts: Buffer[] = [];
  private readonly deleted: string[] = [];
  private readonly prefixes = new Map<string, Buffer>();

  constructor(readonly revision: number) {}

  /** A StoredObject whose `object` is already UTF-8 JSON. */
  put(kind: string, namespaceExplicit: boolean, objectJson: Buffer): void {
    const id = `${kind}/${namespaceExplicit}`;
    let prefix = this.prefixes.get(id);
    if (!prefix) {
      const head = `{"kind":${JSON.stringify(kind)},"namespaceExplicit":${namespaceExplicit},"object":`;
      this.prefixes.set(id, (prefix = Buffer.from(head, 'utf8')));
    }
    if (this.parts.length > 0) this.parts.push(COMMA);
    this.parts.push(prefix, objectJson, CLOSE_BRACE);
  }

  delete(key: string): void {
    this.deleted.push(key);
  }

  get empty(): boolean {
    return this.parts.length === 0 && this.deleted.length === 0;
  }

  /** The record's JSON as UTF-8. */
  bytes(): Buffer {
    return Buffer.concat([
      Buffer.from(`{"revision":${this.revision},"put":[`, 'utf8'),
      ...this.parts,
      Buffer.from(`],"deleted":${JSON.stringify(this.deleted)}}`, 'utf8'),
    ]);
  }
}

const COMMA = Buffer.from(',');
const CLOSE_BRACE = Buffer.from('}');

/** The whole store at one revision (what compaction writes). */
export interface StateImage {
  revision: number;
  objects: StoredObject[];
}

export interface RecoveredState {
  image: StateImage | undefined;
  /** Records after the image's revision, in order. */
  records: WalRecord[];
  /** Bytes cut off the log's end: a record torn by a crash mid-write (never applied). */
  droppedBytes: number;
}

export interface WalOptions {
  /** Compact when this many records are in the log (default 1000). */
  maxRecords?: number;
  /** ... or when the log is this large (default 64 MiB). */
  maxBytes?: number;
}

const LOG = 'wal.log';
const IMAGE = 'snapshot.json';
/** Record framing: payload length (u32 BE), CRC-32 of the payload (u32 BE), JSON payload. */
const HEADER = 8;

export class WriteAheadLog {
  private fd: number;
  private records = 0;
  private bytes = 0;
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  private constructor(
    readonly dir: string,
    options: WalOptions,
  ) {
    this.maxRecords = options.maxRecords ?? 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.fd = openSync(join(dir, LOG), 'a', 0o600);
    const size = fstatSync(this.fd).size;
    this.bytes = size;
  }

  /** Reads what a previous run committed (cutting a torn tail off the log) and opens the log for appends. */
  static open(
    dir: string,
    options: WalOptions = {},
  ): { wal: WriteAheadLog; state: RecoveredState } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const state = recover(dir);
    const wal = new WriteAheadLog(dir, options);
    wal.records = state.records.length;
    return { wal, state };
  }

  /** Removes every stored revision (`up --fresh`). */
  static erase(dir: string): void {
    rmSync(join(dir, LOG), { force: true });
    rmSync(join(dir, IMAGE), { force: true });
  }

  /** Appends one committed change and fsyncs it: when this returns, the change survives a crash. */
  append(record: WalRecord | EncodedWalRecord): void {
    // Header and body written one after the other (no copy of a large body into one frame buffer).
    const body =
      record instanceof EncodedWalRecord
        ? record.bytes()
        : Buffer.from(JSON.stringify(record), 'utf8');
    writeAll(this.fd, frameHeader(body));
    writeAll(this.fd, body);
    fsyncSync(this.fd);
    this.records += 1;
    this.bytes += HEADER + body.length;
  }

  /** Whether the log has grown enough that the next image should replace it. */
  needsCompaction(): boolean {
    return this.records >= this.maxRecords || this.bytes >= this.maxBytes;
  }

  /**
   * Writes `image` atomically (temp file, fsync, rename, fsync of the directory), then starts an
   * empty log the same way. A crash between the two leaves the image and an old log whose records
   * are all at or below the image's revision: recovery skips them.
   */
  compact(image: StateImage): void {
    writeFileDurably(join(this.dir, IMAGE), encodeFrame(image));
    closeSync(this.fd);
    writeFileDurably(join(this.dir, LOG), Buffer.alloc(0));
    this.fd = openSync(join(this.dir, LOG), 'a', 0o600);
    this.records = 0;
    this.bytes = 0;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}

function recover(dir: string): RecoveredState {
  const imagePath = join(dir, IMAGE);
  let image: StateImage | undefined;
  if (existsSync(imagePath)) {
    const frames = readFrames(readFileSync(imagePath));
    // The image is replaced by rename only after it was fsynced: it is whole or it is the old one.
    const first = frames.payloads[0];
    if (!first) throw new Error(`${imagePath}: not a readable state image; start with --fresh`);
    image = first as StateImage;
  }
  const logPath = join(dir, LOG);
  const records: WalRecord[] = [];
  let droppedBytes = 0;
  if (existsSync(logPath)) {
    const data = readFileSync(logPath);
    const frames = readFrames(data);
    droppedBytes = data.length - frames.goodBytes;
    if (droppedBytes > 0) {
      // Cut the torn tail so the next append starts at a record boundary.
      const fd = openSync(logPath, 'r+');
      try {
        ftruncateSync(fd, frames.goodBytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    let last = image?.revision ?? 0;
    for (const payload of frames.payloads) {
      const record = payload as WalRecord;
      if (record.revision <= last) continue; // already in the image (a crash mid-compaction)
      records.push(record);
      last = record.revision;
    }
  }
  return { image, records, droppedBytes };
}

/** Every whole, checksummed frame from the start; stops at the first torn or corrupt one. */
function readFrames(data: Buffer): { payloads: unknown[]; goodBytes: number } {
  const payloads: unknown[] = [];
  let offset = 0;
  while (offset + HEADER <= data.length) {
    const length = data.readUInt32BE(offset);
    const sum = data.readUInt32BE(offset + 4);
    const end = offset + HEADER + length;
    if (end > data.length) break;
    const body = data.subarray(offset + HEADER, end);
    if (crc32(body) !== sum) break;
    try {
      payloads.push(JSON.parse(body.toString('utf8')));
    } catch {
      break;
    }
    offset = end;
  }
  return { payloads, goodBytes: offset };
}

function encodeFrame(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return Buffer.concat([frameHeader(body), body]);
}

/** Length and CRC-32 of the body: a torn or corrupt last record is detected at open. */
function frameHeader(body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return header;
}

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written);
}

/** Replaces `path` with `data` so that a crash leaves either the old or the new file, never a mix. */
function writeFileDurably(path: string, data: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDirectory(path.slice(0, path.lastIndexOf('/')) || '.');
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
