// `switchyard load` flags, spelled and defaulted as fortio's `fortio load` spells them
// (fortio/fortio fortio_main.go, periodic.DefaultRunnerOptions, fhttp HTTPReqTimeOutDefaultValue),
// parsed Go-flag style: `-c 3`, `-c=3`, `--c 3`.
import { parseGoDuration } from '../units/index.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:15000';

export interface LoadOptions {
  url: string;
  /** -c: connections / goroutines (fortio default 4). */
  connections: number;
  /** -qps: target total rate; <= 0 = max speed (fortio default 8). */
  qps: number;
  /** -n: exact number of calls; 0 = use the duration. */
  exactly: number;
  /** -t: duration in ns (fortio default 5s); 0 = until interrupted. */
  durationNs: number;
  headers: [string, string][];
  /** -p (fortio default 50,75,90,99,99.9). */
  percentiles: number[];
  /** -r: histogram resolution in seconds (fortio default 0.001). */
  resolution: number;
  /** -timeout in ms (fortio default 3s). */
  timeoutMs: number;
  /** -json FILE (`-` = stdout). */
  json?: string;
  /** -payload: request body (makes the request a POST, as fortio does). */
  payload?: string;
  contentType?: string;
  allowInitialErrors: boolean;
  labels?: string;
  /** --proxy URL: send through this HTTP proxy in absolute form. */
  proxy?: string;
  /** --from WORKLOAD: send through that workload's sidecar (resolved via --server /proxies). */
  from?: string;
  server: string;
  /** Progress line period on stderr, ms. */
  progressMs: number;
}

export class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  'c',
  'qps',
  'n',
  't',
  'H',
  'p',
  'r',
  'timeout',
  'json',
  'payload',
  'content-type',
  'labels',
  'proxy',
  'from',
  'server',
  'loglevel',
  'progress',
]);
const BOOL_FLAGS = new Set([
  'quiet',
  'allow-initial-errors',
  'jitter',
  'h',
  'help',
  'stdclient',
  'keepalive',
]);

export const LOAD_USAGE = `Usage: switchyard load [flags] URL
fortio-compatible load generator. Flags (one or two dashes, "-flag value" or "-flag=value"):
  -c N              number of connections (default 4)
  -qps Q            queries per second across all connections, 0 for max speed (default 8)
  -n N              run exactly N calls instead of for a duration
  -t D              how long to run, e.g. 5s, 1m (default 5s); 0 runs until interrupted
  -H 'Name: value'  extra request header (repeatable)
  -p LIST           percentiles to report (default 50,75,90,99,99.9)
  -timeout D        per-request timeout (default 3s)
  -json FILE        write the JSON results to FILE (- for stdout)
  -payload STRING   send STRING as a POST body
  -content-type T   content type for the payload
  -allow-initial-errors  do not abort when a warmup call fails
  --proxy URL       send through this HTTP proxy (absolute-form requests)
  --from WORKLOAD   send through WORKLOAD's sidecar (needs a running \`switchyard up\`)
  --server URL      Switchyard admin API for --from (default $SWITCHYARD_SERVER, else
                    $SWITCHYARD_HOME/current, else ${DEFAULT_SERVER})`;

function num(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`invalid value "${v}" for flag -${flag}: parse error`);
  }
  return n;
}

// fortio's -t is a Go flag.Duration: time.ParseDuration (fortio/fortio periodic flags).
function dur(flag: string, v: string): number {
  const ns = parseGoDuration(v);
  const n = ns === undefined ? undefined : Number(ns);
  if (n === undefined) throw new UsageError(`invalid value "${v}" for flag -${flag}: parse error`);
  return n;
}

/** Parses fortio-style arguments; throws UsageError on a bad flag. Returns undefined for -h. */
export function parseLoadArgs(argv: readonly string[]): LoadOptions | undefined {
  const o: LoadOptions = {
    url: '',
    connections: 4,
    qps: 8,
    exactly: 0,
    durationNs: 5e9,
    headers: [],
    percentiles: [50, 75, 90, 99, 99.9],
    resolution: 0.001,
    timeoutMs: 3000,
    allowInitialErrors: false,
    server: DEFAULT_SERVER,
    progressMs: 5000,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (BOOL_FLAGS.has(name)) {
      if (name === 'h' || name === 'help') return undefined;
      if (name === 'allow-initial-errors')
        o.allowInitialErrors = value === undefined || value === 'true';
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`flag provided but not defined: -${name}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    }
    switch (name) {
      case 'c':
        o.connections = num(name, value, true);
        break;
      case 'qps':
        o.qps = num(name, value, false);
        break;
      case 'n':
        o.exactly = num(name, value, true);
        break;
      case 't':
        o.durationNs = dur(name, value);
        break;
      case 'H': {
        const c = value.indexOf(':');
        if (c <= 0)
          throw new UsageError(`invalid value "${value}" for flag -H: expected "Name: value"`);
        o.headers.push([value.slice(0, c).trim(), value.slice(c + 1).trim()]);
        break;
      }
      case 'p': {
        const list = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) => num(name, s, false));
        // stats.ParsePercentiles
        if (list.length === 0)
          throw new UsageError(`invalid value "${value}" for flag -p: list can't be empty`);
        for (const p of list) {
          if (p <= 0 || p >= 100)
            throw new UsageError(
              `invalid value "${value}" for flag -p: percentile ${p} must be > 0 and < 100`,
            );
        }
        o.percentiles = list;
        break;
      }
      case 'r':
        o.resolution = num(name, value, false);
        break;
      case 'timeout':
        o.timeoutMs = dur(name, value) / 1e6;
        break;
      case 'json':
        o.json = value;
        break;
      case 'payload':
        o.payload = value;
        break;
      case 'content-type':
        o.contentType = value;
        break;
      case 'labels':
        o.labels = value;
        break;
      case 'proxy':
        o.proxy = value;
        break;
      case 'from':
        o.from = value;
        break;
      case 'server':
        o.server = value;
        break;
      case 'progress':
        o.progressMs = dur(name, value) / 1e6;
        break;
      default:
        // -loglevel: accepted for fortio command-line compatibility
        break;
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0 ? 'missing URL' : `expected one URL, got: ${positional.join(' ')}`,
    );
  }
  o.url = positional[0]!;
  if (!/^https?:\/\//.test(o.url)) o.url = `http://${o.url}`;
  if (o.connections < 1) o.connections = 1;
  if (o.proxy && o.from) throw new UsageError('--proxy and --from are exclusive');
  return o;
}
