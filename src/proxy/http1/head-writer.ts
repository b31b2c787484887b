// Writes HTTP/1.1 request and response heads as one latin1 string, to go out in one socket write.
// Field names are written as given (the parser lower-cases them, as Envoy writes them by default:
// envoyproxy/envoy source/common/http/http1/codec_impl.cc encodeHeader). A name that is not a token,
// or a value with CR, LF or NUL (header injection) makes the head unwritable: the caller answers
// locally, as Envoy's checkValidRequestHeaders does before encoding. Strings are byte strings
// (latin1, as the parser makes them): a value from config is converted once, at compile time.
import { isTokenChar } from './head-parser.js';

/** A field value that can go on the wire (no CR, LF, NUL; envoyproxy/envoy HeaderUtility::headerValueIsValid). */
export function isWritableValue(v: string): boolean {
  return v.indexOf('\r') < 0 && v.indexOf('\n') < 0 && v.indexOf('\0') < 0;
}

function isWritableName(n: string): boolean {
  if (n.length === 0) return false;
  for (let k = 0; k < n.length; k++) if (!isTokenChar(n.charCodeAt(k))) return false;
  return true;
}

/** `start-line CRLF *(name: value CRLF) CRLF`, or undefined when a field cannot be written. */
function head(startLine: string, names: readonly string[], values: readonly string[]) {
  let s = startLine;
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    const value = values[k] ?? '';
    if (!isWritableName(name) || !isWritableValue(value)) return undefined;
    s += name + ': ' + value + '\r\n';
  }
  return s + '\r\n';
}

/** `METHOD target HTTP/1.1` and the fields; always HTTP/1.1 upstream, as Envoy sends. */
export function requestHeadText(
  method: string,
  target: string,
  names: readonly string[],
  values: readonly string[],
): string | undefined {
  if (!isWritableName(method) || !isWritableValue(target) || target.includes(' ')) return undefined;
  return head(method + ' ' + target + ' HTTP/1.1\r\n', names, values);
}

/** `HTTP/1.x status reason` and the fields (HTTP/1.0 only to an HTTP/1.0 client, as Envoy). */
export function responseHeadText(
  status: number,
  reason: string,
  names: readonly string[],
  values: readonly string[],
  versionMinor = 1,
): string | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 999 || !isWritableValue(reason)) {
    return undefined;
  }
  return head(`HTTP/1.${versionMinor === 0 ? 0 : 1} ${status} ${reason}\r\n`, names, values);
}
