// A byte-level scanner for chunked bodies (RFC 9112 §7.1) that lets a proxy pass the body on in its
// original framing: it says where the body ends in the bytes read, and (when asked) where the chunk
// data lie, without copying or re-encoding. Strict: hex sizes only (no sign, no whitespace), sizes
// up to 2^53-1, CRLF after every chunk, no bare CR/LF and no controls in extensions or trailers.
import {
  DETAIL_CODEC_ERROR,
  DETAIL_HEADERS_TOO_LARGE,
  DETAIL_TOO_MANY_HEADERS,
  HeadError,
} from './head-error.js';
import { ENVOY_HEAD_LIMITS, isTokenChar, type HeadLimits } from './head-parser.js';

const enum S {
  SizeStart,
  Size,
  ExtName,
  ExtValueStart,
  ExtToken,
  ExtQuoted,
  ExtEscape,
  ExtAfterQuoted,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

/**
 * A chunk-size line (size + extensions) longer than this is refused: Node (CVE-2024-22019) and
 * others cap chunk extensions so a body cannot stream unbounded bytes that are not data.
 */
export const MAX_CHUNK_LINE = 16 * 1024;
const MAX_SIZE_BEFORE_SHIFT = Math.floor(Number.MAX_SAFE_INTEGER / 16);

export class ChunkedScanner {
  private state = S.SizeStart;
  private remaining = 0;
  private sawDigit = false;
  private lineBytes = 0;
  private trailerBytes = 0;
  private trailerCount = 0;
  private trailerNameLen = -1; // -1 once past the trailer field's colon
  private extNameLen = 0;
  /** Chunk-data bytes seen so far (the decoded body length). */
  dataBytes = 0;
  /** Why the body was refused, once it was. */
  error: HeadError | undefined;

  constructor(private readonly limits: HeadLimits = ENVOY_HEAD_LIMITS) {}

  /** The last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.state === S.Done;
  }

  /**
   * Scans `buf[start, end)`. Returns the index just past the body when it ends in this range, `end`
   * when more is needed, or -1 on a framing error (see `error`). When `data` is given, the
   * [from, to) offsets of chunk data in `buf` are pushed onto it in pairs.
   */
  scan(buf: Buffer, start = 0, end = buf.length, data?: number[]): number {
    let i = start;
    while (i < end) {
      const c = buf[i]!;
      switch (this.state) {
        case S.SizeStart:
        case S.Size: {
          const d = hexDigit(c);
          if (d >= 0) {
            if (this.remaining > MAX_SIZE_BEFORE_SHIFT) return this.fail('chunk_size_overflow');
            this.remaining = this.remaining * 16 + d;
            this.sawDigit = true;
            this.state = S.Size;
          } else if (!this.sawDigit) {
            return this.fail('invalid_chunk_size');
          } else if (c === 59 /* ; */) {
            this.state = S.ExtName;
          } else if (c === 13) {
            this.state = S.SizeLf;
          } else {
            return this.fail(c === 10 ? 'bare_lf' : 'invalid_chunk_size');
          }
          if (++this.lineBytes > MAX_CHUNK_LINE) return this.fail('chunk_line_too_long');
          i++;
          break;
        }
        case S.SizeLf: {
          if (c !== 10) return this.fail('bare_cr');
          i++;
          this.lineBytes = 0;
          this.sawDigit = false;
          this.state = this.remaining === 0 ? S.TrailerStart : S.Data;
          break;
        }
        case S.Data: {
          const take = Math.min(this.remaining, end - i);
          if (data) data.push(i, i + take);
          this.dataBytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = S.DataCr;
          break;
        }
        case S.DataCr:
          if (c !== 13) return this.fail('missing_chunk_crlf');
          this.state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (c !== 10) return this.fail('bare_cr');
          this.state = S.SizeStart;
          i++;
          break;
        case S.TrailerStart:
          if (c === 13) {
            this.state = S.FinalLf;
            i++;
            break;
          }
          // A trailer field line; its syntax is a field line's (RFC 9112 §7.1.2).
          if (c === 32 || c === 9) return this.fail('obs_fold');
          if (++this.trailerCount > this.limits.maxHeadersCount) {
            this.error = new HeadError(431, DETAIL_TOO_MANY_HEADERS, 'too_many_trailers');
            return -1;
          }
          this.state = S.Trailer;
          this.trailerNameLen = 0;
          break;
        case S.Trailer:
          if (this.trailerNameLen >= 0) {
            // field-name ":" (no whitespace before the colon, RFC 9112 §5.1)
            if (isTokenChar(c)) this.trailerNameLen++;
            else if (c === 58 && this.trailerNameLen > 0) this.trailerNameLen = -1;
            else return this.fail('invalid_trailer');
          } else if (c === 13) this.state = S.TrailerLf;
          else if (c === 10) return this.fail('bare_lf');
          else if ((c < 0x20 && c !== 9) || c === 0x7f) return this.fail('invalid_trailer');
          if (++this.trailerBytes > this.limits.maxHeadersBytes) {
            this.error = new HeadError(431, DETAIL_HEADERS_TOO_LARGE, 'trailers_too_large');
            return -1;
          }
          i++;
          break;
        case S.TrailerLf:
          if (c !== 10) return this.fail('bare_cr');
          this.state = S.TrailerStart;
          i++;
          break;
        case S.FinalLf:
          if (c !== 10) return this.fail('bare_cr');
          this.state = S.Done;
          return i + 1;
        case S.Done:
          return i;
        default: {
          // chunk-ext (RFC 9112 §7.1.1): *( ";" name [ "=" ( token / quoted-string ) ] ), without
          // the optional whitespace (BWS), which llhttp refuses too.
          const st = this.extension(c);
          if (st === -1) return this.fail(c === 10 ? 'bare_lf' : 'invalid_chunk_extension');
          this.state = st;
          if (++this.lineBytes > MAX_CHUNK_LINE) return this.fail('chunk_line_too_long');
          i++;
          break;
        }
      }
    }
    return end;
  }

  /** The next state of a chunk extension after `c`, or -1 when `c` breaks its grammar. */
  private extension(c: number): S | -1 {
    switch (this.state) {
      case S.ExtName:
        // An empty name passes before `;` or `=` (`;;a`, `;=b`) but not at the line end (`5;`), as
        // llhttp decides.
        if (isTokenChar(c)) {
          this.extNameLen++;
          return S.ExtName;
        }
        if (c === 13 && this.extNameLen === 0) return -1;
        this.extNameLen = 0;
        if (c === 59) return S.ExtName;
        if (c === 61 /* = */) return S.ExtValueStart;
        return c === 13 ? S.SizeLf : -1;
      case S.ExtValueStart:
        // An empty value (`;a=`) passes, as llhttp lets it.
        if (c === 34 /* " */) return S.ExtQuoted;
        if (c === 59) return S.ExtName;
        if (c === 13) return S.SizeLf;
        return isTokenChar(c) ? S.ExtToken : -1;
      case S.ExtToken:
        if (isTokenChar(c)) return S.ExtToken;
        if (c === 59) return S.ExtName;
        return c === 13 ? S.SizeLf : -1;
      case S.ExtQuoted:
        // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4)
        if (c === 34) return S.ExtAfterQuoted;
        if (c === 92 /* \ */) return S.ExtEscape;
        return c === 9 || (c >= 0x20 && c !== 0x7f) ? S.ExtQuoted : -1;
      case S.ExtEscape:
        return c === 9 || (c >= 0x20 && c !== 0x7f) ? S.ExtQuoted : -1;
      case S.ExtAfterQuoted:
        if (c === 59) return S.ExtName;
        return c === 13 ? S.SizeLf : -1;
      default:
        return -1;
    }
  }

  private fail(reason: string): -1 {
    this.error = new HeadError(400, DETAIL_CODEC_ERROR, reason);
    return -1;
  }
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
