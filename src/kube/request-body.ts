// Reads and decodes a request body as the API server does: at most 3 MiB, JSON or YAML, and a
// malformed body is a 400 that names where it broke.
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { badRequest, tooLarge } from './status.js';

/** apiserver's default MaxRequestBodyBytes (k8s.io/apiserver pkg/server/config.go: 3 * 1024 * 1024). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The whole body as UTF-8; 413 beyond the limit. */
export async function readRequestBody(
  req: IncomingMessage,
  limit: number = MAX_BODY_BYTES,
): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The media type without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** The offset where JSON text stops being valid (JSON.parse does not always say). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (!m) fail();
      i += m![0].length;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1;
  }
}

/** JSON.parse with the error naming its line and column. */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const offset = jsonErrorOffset(text);
    const where =
      offset >= 0
        ? (() => {
            const { line, column } = lineColumn(text, offset);
            return ` at line ${line}, column ${column}`;
          })()
        : '';
    // The wording of apimachinery's unstructured JSON decoder (runtime/serializer/json).
    throw badRequest(`couldn't get version/kind; json parse error: ${message}${where}`);
  }
}

/** One YAML document (or JSON, which is YAML) with the error naming its line. */
export function decodeYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const { line } = lineColumn(text, err.pos[0]);
    // sigs.k8s.io/yaml's wording: `error converting YAML to JSON: yaml: line N: ...`.
    throw badRequest(
      `error converting YAML to JSON: yaml: line ${line}: ${err.message.split('\n')[0]}`,
    );
  }
  return doc.toJS({ maxAliasCount: 1000 }) as unknown;
}

/** Decodes by content type: YAML types as YAML, everything else as JSON. */
export function decodeBody(text: string, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  return type.includes('yaml') ? decodeYaml(text) : decodeJson(text);
}
