// Route test files, with the line of each case: Switchyard's own format (`tests:`) and
// GetYourGuide istio-config-validator's (`testCases:`, read unchanged; its schema is
// getyourguide/istio-config-validator internal/pkg/parser/testcase.go TestCase/Request, and a
// request unfolds into every uri x authority x method, as Request.Unfold does).
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { buildRequest, RequestError } from './request.js';
import type { TraceRequest } from './trace.js';

/** Whose point of view: a workload's sidecar or a gateway (with an optional listener port). */
export interface PointOfView {
  from?: string;
  gateway?: string;
  port?: number;
}

export interface RouteTestCase {
  name: string;
  file: string;
  line: number;
  format: 'switchyard' | 'istio-config-validator';
  view: PointOfView;
  requests: TraceRequest[];
  /** Switchyard format: the expectation object; icv: its assertion fields. */
  expect: Record<string, unknown>;
  /** icv only: whether the assertions must hold (true) or must not (false). */
  wantMatch?: boolean;
}

export class TestFileError extends Error {
  /** True when the file is well-formed but a request in it is not (an invalid URL: usage error). */
  constructor(
    message: string,
    readonly badRequest = false,
  ) {
    super(message);
  }
}

function lineOf(node: YamlNode | null | undefined, lc: LineCounter): number {
  const start = node?.range?.[0];
  return start === undefined ? 1 : lc.linePos(start).line;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function viewOf(o: Record<string, unknown>, fallback: PointOfView): PointOfView {
  const from = str(o['from']);
  const gateway = str(o['gateway']);
  const port = typeof o['port'] === 'number' ? o['port'] : undefined;
  if (!from && !gateway) return fallback;
  return { ...(from ? { from } : {}), ...(gateway ? { gateway } : {}), ...(port ? { port } : {}) };
}

function headersOf(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v))
    throw new TestFileError(`${where}: headers must be a map of name: value`);
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${String(x)}`);
}

function switchyardCase(
  o: Record<string, unknown>,
  where: string,
  file: string,
  line: number,
  fileView: PointOfView,
  index: number,
): RouteTestCase {
  const req = o['request'];
  if (!req || typeof req !== 'object') throw new TestFileError(`${where}: request is required`);
  const r = req as Record<string, unknown>;
  const url = str(r['url']);
  if (!url) throw new TestFileError(`${where}: request.url is required`);
  const expect = o['expect'];
  if (!expect || typeof expect !== 'object' || Array.isArray(expect))
    throw new TestFileError(`${where}: expect is required`);
  let request: TraceRequest;
  try {
    request = buildRequest(url, {
      method: str(r['method']) ?? 'GET',
      headers: headersOf(r['headers'], where),
      ...(str(r['sni']) ? { sni: str(r['sni'])! } : {}),
    });
  } catch (err) {
    throw new TestFileError(`${where}: ${(err as Error).message}`, err instanceof RequestError);
  }
  return {
    name: str(o['name']) ?? `case ${index}`,
    file,
    line,
    format: 'switchyard',
    view: viewOf(o, fileView),
    requests: [request],
    expect: expect as Record<string, unknown>,
  };
}

const ICV_ASSERTIONS = ['route', 'redirect', 'rewrite', 'fault', 'headers', 'delegate'];

function icvCase(
  o: Record<string, unknown>,
  where: string,
  file: string,
  line: number,
  fileView: PointOfView,
  index: number,
): RouteTestCase {
  const r = (o['request'] ?? {}) as Record<string, unknown>;
  const authority = strings(r['authority']);
  const method = strings(r['method']);
  const uri = strings(r['uri']);
  // istio-config-validator parser/testcase.go: ErrEmptyAuthorityList / Method / URI.
  if (authority.length === 0) throw new TestFileError(`${where}: authority list is empty`);
  if (method.length === 0) throw new TestFileError(`${where}: method list is empty`);
  if (uri.length === 0) throw new TestFileError(`${where}: URI list is empty`);
  const headers = headersOf(r['headers'], where);
  const requests: TraceRequest[] = [];
  for (const u of uri)
    for (const a of authority)
      for (const m of method) {
        try {
          requests.push(
            buildRequest(`http://${a}${u.startsWith('/') ? u : `/${u}`}`, { method: m, headers }),
          );
        } catch (err) {
          throw new TestFileError(`${where}: ${(err as RequestError).message}`, true);
        }
      }
  const expect: Record<string, unknown> = {};
  for (const k of ICV_ASSERTIONS) if (o[k] !== undefined && o[k] !== null) expect[k] = o[k];
  return {
    name: str(o['description']) ?? `testCases[${index}]`,
    file,
    line,
    format: 'istio-config-validator',
    view: fileView,
    requests,
    expect,
    wantMatch: o['wantMatch'] === true,
  };
}

/** Reads every case of a test file; malformed input throws TestFileError with file:line. */
export function readTestFile(file: string, cliView: PointOfView): RouteTestCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TestFileError(`${file}: ${(err as Error).message}`);
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  if (!Array.isArray(docs)) throw new TestFileError(`${file}:1: not a YAML stream`);
  const out: RouteTestCase[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? 1;
      throw new TestFileError(`${file}:${line}: ${err.message.split('\n')[0] ?? ''}`);
    }
    const root = doc.contents;
    if (!root) continue;
    if (!isMap(root))
      throw new TestFileError(
        `${file}:${lineOf(root, lc)}: a test file is a map with tests: or testCases:`,
      );
    const js = doc.toJS() as Record<string, unknown>;
    const key =
      js['tests'] !== undefined ? 'tests' : js['testCases'] !== undefined ? 'testCases' : undefined;
    if (!key)
      throw new TestFileError(
        `${file}:${lineOf(root, lc)}: expected tests: (Switchyard) or testCases: (istio-config-validator)`,
      );
    const seqNode = root.get(key, true) as YamlNode | undefined;
    const list = js[key];
    if (!Array.isArray(list) || !isSeq(seqNode))
      throw new TestFileError(`${file}:${lineOf(seqNode ?? root, lc)}: ${key} must be a list`);
    const fileView = viewOf(js, cliView);
    list.forEach((item, i) => {
      const line = lineOf(seqNode.items[i] as YamlNode, lc);
      const where = `${file}:${line}`;
      if (!item || typeof item !== 'object' || Array.isArray(item))
        throw new TestFileError(`${where}: a test case is a map`);
      const o = item as Record<string, unknown>;
      out.push(
        key === 'tests'
          ? switchyardCase(o, where, file, line, fileView, i)
          : icvCase(o, where, file, line, fileView, i),
      );
    });
  }
  return out;
}
