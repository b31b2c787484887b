// `curl` inside a pod, with the options Istio's tasks use (-s -S -o -w -I -i -v -H -X -d -L -f -k
// --resolve --cacert --cert --key --max-time --connect-timeout), its exit codes and error wording
// (curl's libcurl-errors.3 and the "curl: (N) ..." lines curl 8 prints), and the pod's proxy env:
// http:// through http_proxy (absolute-form), https:// through https_proxy with CONNECT, as curl does.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { bypassesProxy, httpsProxyFromEnv, proxyFromEnv } from '../workloads/mesh-client.js';
import type { PodCommand, PodIo } from './io.js';

export const CURL_USER_AGENT = 'curl/8.11.1';

interface CurlOptions {
  url?: string;
  method?: string;
  headers: [string, string][];
  data: string[];
  silent: boolean;
  showError: boolean;
  head: boolean;
  include: boolean;
  verbose: boolean;
  insecure: boolean;
  location: boolean;
  fail: boolean;
  output?: string;
  writeOut?: string;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  /** --resolve HOST:PORT:ADDR */
  resolve: Map<string, string>;
  cacert?: string;
  cert?: string;
  key?: string;
}

/** A failure with curl's exit code and message (`curl: (7) Failed to connect ...`). */
export class CurlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const VALUE_OPTIONS: Record<string, string> = {
  '-o': 'output',
  '--output': 'output',
  '-w': 'write-out',
  '--write-out': 'write-out',
  '-H': 'header',
  '--header': 'header',
  '-X': 'request',
  '--request': 'request',
  '-d': 'data',
  '--data': 'data',
  '--data-raw': 'data-raw',
  '--data-binary': 'data',
  '--data-ascii': 'data',
  '-m': 'max-time',
  '--max-time': 'max-time',
  '--connect-timeout': 'connect-timeout',
  '--resolve': 'resolve',
  '--cacert': 'cacert',
  '-E': 'cert',
  '--cert': 'cert',
  '--key': 'key',
  '-A': 'user-agent',
  '--user-agent': 'user-agent',
  '-u': 'user',
  '--user': 'user',
  '--url': 'url',
};

const BOOL_OPTIONS: Record<string, keyof CurlOptions | 'ignore'> = {
  '-s': 'silent',
  '--silent': 'silent',
  '-S': 'showError',
  '--show-error': 'showError',
  '-I': 'head',
  '--head': 'head',
  '-i': 'include',
  '--include': 'include',
  '-v': 'verbose',
  '--verbose': 'verbose',
  '-k': 'insecure',
  '--insecure': 'insecure',
  '-L': 'location',
  '--location': 'location',
  '-f': 'fail',
  '--fail': 'fail',
  '--http1.1': 'ignore',
  '--http2': 'ignore',
  '--no-progress-meter': 'ignore',
  '-#': 'ignore',
  '--progress-bar': 'ignore',
  '-N': 'ignore',
  '--no-buffer': 'ignore',
  '-n': 'ignore',
};

async function parseArgs(args: readonly string[], io: PodIo): Promise<CurlOptions> {
  const o: CurlOptions = {
    headers: [],
    data: [],
    silent: false,
    showError: false,
    head: false,
    include: false,
    verbose: false,
    insecure: false,
    location: false,
    fail: false,
    resolve: new Map(),
  };
  const setValue = async (name: string, value: string) => {
    switch (name) {
      case 'output':
        o.output = value;
        break;
      case 'write-out':
        o.writeOut = value;
        break;
      case 'header': {
        const c = value.indexOf(':');
        if (c > 0) o.headers.push([value.slice(0, c).trim(), value.slice(c + 1).trim()]);
        break;
      }
      case 'request':
        o.method = value;
        break;
      case 'data':
        if (value.startsWith('@')) {
          const file = await io.readFile(value.slice(1));
          if (!file) throw new CurlError(26, `Failed to open ${value.slice(1)}`);
          o.data.push(file.toString('utf8').replace(/[\r\n]/g, ''));
        } else o.data.push(value);
        break;
      case 'data-raw':
        o.data.push(value);
        break;
      case 'max-time':
      case 'connect-timeout': {
        const s = Number(value);
        if (!Number.isFinite(s) || s < 0)
          throw new CurlError(2, `option --${name}: expected a proper numerical parameter`);
        if (name === 'max-time') o.maxTimeMs = s * 1000;
        else o.connectTimeoutMs = s * 1000;
        break;
      }
      case 'resolve': {
        // HOST:PORT:ADDR (ADDR may be [IPv6])
        const m = /^([^:]+):(\d+):\[?([^\]]+)\]?$/.exec(value);
        if (m) o.resolve.set(`${m[1]?.toLowerCase()}:${m[2]}`, m[3] ?? '');
        break;
      }
      case 'cacert':
        o.cacert = value;
        break;
      case 'cert':
        o.cert = value;
        break;
      case 'key':
        o.key = value;
        break;
      case 'user-agent':
        o.headers.push(['User-Agent', value]);
        break;
      case 'user':
        o.headers.push(['Authorization', `Basic ${Buffer.from(value).toString('base64')}`]);
        break;
      case 'url':
        o.url = value;
        break;
    }
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const b = BOOL_OPTIONS[flag];
      if (b) {
        if (b !== 'ignore') (o as unknown as Record<string, boolean>)[b] = true;
        continue;
      }
      const v = VALUE_OPTIONS[flag];
      if (!v) throw new CurlError(2, `option ${flag}: is unknown`);
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CurlError(2, `option ${flag}: requires parameter`);
      await setValue(v, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Short options combine (-sS, -sSo FILE, -sIk); a value-taking one ends the group.
      for (let j = 1; j < arg.length; j++) {
        const flag = `-${arg[j]}`;
        const b = BOOL_OPTIONS[flag];
        if (b) {
          if (b !== 'ignore') (o as unknown as Record<string, boolean>)[b] = true;
          continue;
        }
        const v = VALUE_OPTIONS[flag];
        if (!v) throw new CurlError(2, `option ${flag}: is unknown`);
        const rest = arg.slice(j + 1);
        const value = rest !== '' ? rest : args[++i];
        if (value === undefined) throw new CurlError(2, `option ${flag}: requires parameter`);
        await setValue(v, value);
        break;
      }
      continue;
    }
    o.url = arg;
  }
  return o;
}

interface Response {
  status: number;
  statusLine: string;
  rawHeaders: string[];
  body: Buffer;
  remoteIp: string;
  remotePort: number;
  connectMs: number;
  firstByteMs: number;
}

export const curl: PodCommand = async (args, io) => {
  let o: CurlOptions | undefined;
  const started = performance.now();
  let response: Response | undefined;
  let redirects = 0;
  let effective = '';
  const report = (err: CurlError): number => {
    if (o?.writeOut) io.out(writeOut(o.writeOut, response, effective, redirects, started));
    if (!o || !o.silent || o.showError) io.err(`curl: (${err.code}) ${err.message}\n`);
    if (err.code === 2 && (!o || !o.silent))
      io.err("curl: try 'curl --help' or 'curl --manual' for more information\n");
    return err.code;
  };
  try {
    o = await parseArgs(args, io);
    if (!o.url) throw new CurlError(2, 'no URL specified');
    let url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(o.url) ? o.url : `http://${o.url}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new CurlError(1, `Protocol "${url.protocol.replace(/:$/, '')}" not supported`);
    let method = o.method ?? (o.head ? 'HEAD' : o.data.length > 0 ? 'POST' : 'GET');
    let body = o.data.length > 0 ? Buffer.from(o.data.join('&')) : undefined;
    const tlsFiles = await loadTlsFiles(o, io);
    for (;;) {
      effective = url.href;
      response = await requestOnce(url, method, body, o, io, tlsFiles, started);
      const location = headerValue(response.rawHeaders, 'location');
      if (!o.location || ![301, 302, 303, 307, 308].includes(response.status) || !location) break;
      if (++redirects > 50) throw new CurlError(47, 'Maximum (50) redirects followed');
      url = new URL(location, url);
      // curl turns POST into GET on 301/302/303 (unless -X forces the method).
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        if (!o.method) method = 'GET';
        body = undefined;
      }
    }
    if (o.fail && response.status >= 400)
      throw new CurlError(22, `The requested URL returned error: ${response.status}`);
    const headBlock = `${response.statusLine}\r\n${pairs(response.rawHeaders)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    const sink = o.output === undefined ? (d: string | Buffer) => io.out(d) : () => undefined;
    if (o.head || o.include) sink(headBlock);
    if (!o.head) sink(response.body);
    if (o.writeOut) io.out(writeOut(o.writeOut, response, effective, redirects, started));
    return 0;
  } catch (err) {
    if (err instanceof CurlError) return report(err);
    throw err;
  }
};

interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

async function loadTlsFiles(o: CurlOptions, io: PodIo): Promise<TlsFiles> {
  const files: TlsFiles = {};
  if (o.cacert) {
    const ca = await io.readFile(o.cacert);
    if (!ca) throw new CurlError(77, `error setting certificate file: ${o.cacert}`);
    files.ca = ca;
  }
  if (o.cert) {
    const cert = await io.readFile(o.cert);
    if (!cert) throw new CurlError(58, `could not load PEM client certificate from ${o.cert}`);
    files.cert = cert;
  }
  if (o.key) {
    const key = await io.readFile(o.key);
    if (!key) throw new CurlError(58, `unable to set private key file: '${o.key}' type PEM`);
    files.key = key;
  }
  return files;
}

function requestOnce(
  url: URL,
  method: string,
  body: Buffer | undefined,
  o: CurlOptions,
  io: PodIo,
  tlsFiles: TlsFiles,
  started: number,
): Promise<Response> {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const proxyRaw = bypassesProxy(host, io.env as NodeJS.ProcessEnv)
    ? undefined
    : https
      ? httpsProxyFromEnv(io.env as NodeJS.ProcessEnv)
      : proxyFromEnv(io.env as NodeJS.ProcessEnv);
  const proxy = proxyRaw
    ? new URL(proxyRaw.includes('://') ? proxyRaw : `http://${proxyRaw}`)
    : undefined;
  const verbose = (line: string) => {
    if (o.verbose) io.err(`${line}\n`);
  };
  const headers: [string, string][] = [
    ['Host', url.host],
    ['User-Agent', CURL_USER_AGENT],
    ['Accept', '*/*'],
  ];
  for (const [k, v] of o.headers) {
    const i = headers.findIndex(([h]) => h.toLowerCase() === k.toLowerCase());
    if (v === '' && i >= 0) headers.splice(i, 1);
    else if (i >= 0 && i < 3) headers[i] = [k, v];
    else if (v !== '') headers.push([k, v]);
  }
  if (body) {
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type'))
      headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
    headers.push(['Content-Length', String(body.length)]);
  }
  const connectHost = proxy ? proxy.hostname.replace(/^\[(.*)\]$/, '$1') : host;
  const connectPort = proxy ? Number(proxy.port || 80) : port;
  const address = proxy ? connectHost : (o.resolve.get(`${host.toLowerCase()}:${port}`) ?? host);
  const path = proxy && !https ? url.href : `${url.pathname}${url.search}`;
  if (proxy)
    verbose(`* Uses proxy env variable ${https ? 'https_proxy' : 'http_proxy'} == '${proxyRaw}'`);

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let received = 0;
    const sockets: net.Socket[] = [];
    const fail = (err: CurlError) => {
      if (settled) return;
      settled = true;
      clearTimeout(maxTimer);
      for (const s of sockets) s.destroy();
      reject(err);
    };
    const elapsed = () => Math.round(performance.now() - started);
    const maxTimer =
      o.maxTimeMs !== undefined
        ? setTimeout(
            () =>
              fail(
                new CurlError(
                  28,
                  `Operation timed out after ${elapsed()} milliseconds with ${received} bytes received`,
                ),
              ),
            Math.max(0, o.maxTimeMs - (performance.now() - started)),
          )
        : undefined;
    const connectTimer =
      o.connectTimeoutMs !== undefined
        ? setTimeout(
            () =>
              fail(
                new CurlError(
                  28,
                  `Failed to connect to ${connectHost} port ${connectPort} after ${elapsed()} ms: Timeout was reached`,
                ),
              ),
            o.connectTimeoutMs,
          )
        : undefined;
    const connectError = (err: NodeJS.ErrnoException): CurlError => {
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
        return proxy
          ? new CurlError(5, `Could not resolve proxy: ${connectHost}`)
          : new CurlError(6, `Could not resolve host: ${host}`);
      if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH')
        return new CurlError(
          7,
          `Failed to connect to ${connectHost} port ${connectPort} after ${elapsed()} ms: Couldn't connect to server`,
        );
      return new CurlError(
        7,
        `Failed to connect to ${connectHost} port ${connectPort}: ${err.message}`,
      );
    };
    verbose(`*   Trying ${address}:${connectPort}...`);
    const raw = net.connect({ host: address, port: connectPort });
    sockets.push(raw);
    raw.once('error', (err) => fail(connectError(err)));
    raw.once('connect', () => {
      clearTimeout(connectTimer);
      const connectMs = performance.now() - started;
      verbose(
        `* Connected to ${connectHost} (${raw.remoteAddress ?? address}) port ${connectPort}`,
      );
      const afterTunnel = (socket: net.Socket) => {
        if (!https) return send(socket, connectMs);
        const secure = tls.connect({
          socket,
          servername: net.isIP(host) ? undefined : host,
          rejectUnauthorized: !o.insecure,
          ALPNProtocols: ['http/1.1'],
          ...(tlsFiles.ca ? { ca: tlsFiles.ca } : {}),
          ...(tlsFiles.cert ? { cert: tlsFiles.cert } : {}),
          ...(tlsFiles.key ? { key: tlsFiles.key } : {}),
        });
        sockets.push(secure);
        secure.once('error', (err: NodeJS.ErrnoException) => fail(tlsError(err)));
        secure.once('secureConnect', () => {
          verbose(
            `* SSL connection using ${secure.getProtocol() ?? 'TLS'} / ${secure.getCipher()?.name ?? ''}`,
          );
          send(secure, connectMs);
        });
      };
      if (!(proxy && https)) return afterTunnel(raw);
      // CONNECT host:port through the proxy, then TLS end to end (curl's HTTPS proxy tunnel).
      verbose(`* CONNECT tunnel: HTTP/1.1 negotiated`);
      verbose(`> CONNECT ${host}:${port} HTTP/1.1`);
      raw.write(
        `CONNECT ${net.isIPv6(host) ? `[${host}]` : host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: ${CURL_USER_AGENT}\r\n\r\n`,
      );
      let buf = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        raw.off('data', onData);
        const statusLine = buf.subarray(0, buf.indexOf('\r\n')).toString();
        const code = Number(statusLine.split(' ')[1]);
        verbose(`< ${statusLine}`);
        if (code !== 200) {
          fail(new CurlError(56, `CONNECT tunnel failed, response ${code}`));
          return;
        }
        const rest = buf.subarray(end + 4);
        if (rest.length) raw.unshift(rest);
        afterTunnel(raw);
      };
      raw.on('data', onData);
    });

    const send = (socket: net.Socket, connectMs: number) => {
      if (settled) return;
      verbose(`> ${method} ${path} HTTP/1.1`);
      for (const [k, v] of headers) verbose(`> ${k}: ${v}`);
      verbose('> ');
      const req = http.request({
        method,
        path,
        headers: headers.flat(),
        createConnection: () => socket,
        setHost: false,
      } as http.RequestOptions);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNRESET' && err.message === 'socket hang up')
          fail(new CurlError(52, 'Empty reply from server'));
        else if (err.code === 'ECONNRESET')
          fail(new CurlError(56, 'Recv failure: Connection reset by peer'));
        else fail(new CurlError(56, `Recv failure: ${err.message}`));
      });
      req.on('response', (res) => {
        const firstByteMs = performance.now() - started;
        const statusLine =
          `HTTP/${res.httpVersion} ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trimEnd();
        verbose(`< ${statusLine}`);
        for (const [k, v] of pairs(res.rawHeaders)) verbose(`< ${k}: ${v}`);
        verbose('< ');
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          received += c.length;
          chunks.push(c);
        });
        res.on('error', () => fail(new CurlError(56, 'Recv failure: Connection reset by peer')));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(maxTimer);
          verbose(`* Connection #0 to host ${connectHost} left intact`);
          for (const s of sockets) s.destroy();
          resolve({
            status: res.statusCode ?? 0,
            statusLine,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            remoteIp: raw.remoteAddress ?? '',
            remotePort: raw.remotePort ?? 0,
            connectMs,
            firstByteMs,
          });
        });
      });
      req.end(body);
    };
  });
}

function tlsError(err: NodeJS.ErrnoException): CurlError {
  const certCodes = [
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ];
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new CurlError(
      60,
      `SSL: no alternative certificate subject name matches target host name`,
    );
  if (err.code && certCodes.includes(err.code))
    return new CurlError(60, `SSL certificate problem: ${err.message}`);
  return new CurlError(35, `OpenSSL SSL_connect: ${err.message}`);
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

function headerValue(raw: readonly string[], name: string): string | undefined {
  return pairs(raw).find(([k]) => k.toLowerCase() === name)?.[1];
}

/** curl -w: %{variable} and the \n \r \t \\ escapes (curl's tool_writeout.c). */
export function writeOut(
  format: string,
  r: Response | undefined,
  effective: string,
  redirects: number,
  started: number,
): string {
  const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(6);
  const vars: Record<string, string> = {
    http_code: String(r?.status ?? 0).padStart(3, '0'),
    response_code: String(r?.status ?? 0).padStart(3, '0'),
    time_total: seconds(performance.now() - started),
    time_connect: seconds(r?.connectMs),
    time_starttransfer: seconds(r?.firstByteMs),
    size_download: String(r?.body.length ?? 0),
    size_header: String(r ? Buffer.byteLength(r.statusLine) + 2 : 0),
    content_type: (r && headerValue(r.rawHeaders, 'content-type')) ?? '',
    url_effective: effective,
    remote_ip: r?.remoteIp ?? '',
    remote_port: String(r?.remotePort ?? 0),
    num_redirects: String(redirects),
    http_version: r ? r.statusLine.slice(5, r.statusLine.indexOf(' ')) : '0',
  };
  return format
    .replace(/%\{([a-z_]+)\}/g, (m, name: string) => vars[name] ?? m)
    .replace(/\\([nrt\\])/g, (_m, c: string) =>
      c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\',
    );
}
