// httpbin as Istio's samples run it (mccutchen/go-httpbin v2, samples/httpbin/httpbin.yaml): the
// endpoints Istio's tasks use, with go-httpbin's JSON shapes (header values as arrays).
import type http from 'node:http';
import { serveHttp, sendJson, sendText } from './http-server.js';
import type { RunningWorkload, WorkloadOptions } from './types.js';
import { systemRandom, type Random } from '../runtime/random.js';
import { durationMs } from '../units/index.js';

/** go-httpbin caps /delay at 10 seconds (its default max duration). */
export const MAX_DELAY_SECONDS = 10;

/** Go's textproto.CanonicalMIMEHeaderKey: `x-request-id` -> `X-Request-Id`. */
export function canonicalHeaderKey(name: string): string {
  return name
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

export function headerMap(req: http.IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(req.rawHeaders[i] ?? '');
    (out[key] ??= []).push(req.rawHeaders[i + 1] ?? '');
  }
  return out;
}

/** go-httpbin getClientIP: first X-Forwarded-For entry, else the peer address. */
export function clientIp(req: http.IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  return req.socket.remoteAddress ?? '';
}

/** `/status/200,503` picks uniformly; `/status/200:0.9,503:0.1` by weight; undefined if invalid. */
export function pickStatus(spec: string, random: Random): number | undefined {
  const choices: { code: number; weight: number }[] = [];
  for (const part of spec.split(',')) {
    const [c, w] = part.split(':');
    const code = Number(c);
    const weight = w === undefined ? 1 : Number(w);
    if (!/^\d{3}$/.test(c ?? '') || code < 100 || code > 599 || !(weight >= 0)) return undefined;
    choices.push({ code, weight });
  }
  const total = choices.reduce((s, c) => s + c.weight, 0);
  if (choices.length === 0 || total <= 0) return undefined;
  if (choices.length === 1) return choices[0]?.code;
  let x = random.next() * total;
  for (const c of choices) {
    if (x < c.weight) return c.code;
    x -= c.weight;
  }
  return choices[choices.length - 1]?.code;
}

function requestUrl(req: http.IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
}

function args(url: URL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (out[k] ??= []).push(v);
  return out;
}

function bodyFields(req: http.IncomingMessage, body: Buffer) {
  const data = body.toString('utf8');
  const type = req.headers['content-type'] ?? '';
  const form: Record<string, string[]> = {};
  let json: unknown = null;
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(data)) (form[k] ??= []).push(v);
  } else if (type.startsWith('application/json')) {
    try {
      json = JSON.parse(data);
    } catch {
      json = null;
    }
  }
  return { data, files: {}, form, json };
}

export function startHttpbin(options: WorkloadOptions): Promise<RunningWorkload> {
  const random = options.random ?? systemRandom;
  return serveHttp('httpbin', options, async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const base = () => ({
      args: args(url),
      headers: headerMap(req),
      method: req.method ?? 'GET',
      origin: clientIp(req),
      url: requestUrl(req),
    });
    if (path === '/get' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, base());
      return;
    }
    if (path === '/headers') {
      sendJson(res, 200, { headers: headerMap(req) });
      return;
    }
    // go-httpbin /hostname (mccutchen/go-httpbin httpbin/handlers.go Hostname): the pod's name here.
    if (path === '/hostname') {
      sendJson(res, 200, { hostname: (options.env ?? process.env).HOSTNAME ?? 'go-httpbin' });
      return;
    }
    if (path === '/ip') {
      sendJson(res, 200, { origin: clientIp(req) });
      return;
    }
    if (path === '/user-agent') {
      sendJson(res, 200, { 'user-agent': req.headers['user-agent'] ?? '' });
      return;
    }
    if (path === '/anything' || path.startsWith('/anything/')) {
      sendJson(res, 200, { ...base(), ...bodyFields(req, body) });
      return;
    }
    if (['/post', '/put', '/patch', '/delete'].includes(path)) {
      if (req.method !== path.slice(1).toUpperCase()) {
        sendText(res, 405, 'Method Not Allowed\n');
        return;
      }
      sendJson(res, 200, { ...base(), ...bodyFields(req, body) });
      return;
    }
    const status = /^\/status\/([^/]+)$/.exec(path);
    if (status) {
      const code = pickStatus(decodeURIComponent(status[1] ?? ''), random);
      if (code === undefined) {
        sendText(res, 400, 'Invalid status\n');
        return;
      }
      const headers: Record<string, string> = {};
      let text = '';
      if (code >= 300 && code < 400 && code !== 304) headers.location = '/redirect/1';
      if (code === 401) headers['www-authenticate'] = 'Basic realm="Fake Realm"';
      if (code === 407) headers['proxy-authenticate'] = 'Basic realm="Fake Realm"';
      if (code === 418) {
        headers['x-more-info'] = 'http://tools.ietf.org/html/rfc2324';
        text = "I'm a teapot!";
      }
      res.writeHead(code, {
        ...headers,
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    const delay = /^\/delay\/([^/]+)$/.exec(path);
    if (delay) {
      // go-httpbin parseDuration: a Go duration (`1.5s`, `250ms`), else float seconds
      // (mccutchen/go-httpbin httpbin/helpers.go).
      const goMs = durationMs(delay[1]);
      const seconds = goMs !== undefined ? goMs / 1000 : Number(delay[1]);
      if (!Number.isFinite(seconds) || seconds < 0) {
        sendText(res, 400, 'Invalid duration\n');
        return;
      }
      const ms = Math.min(seconds, MAX_DELAY_SECONDS) * 1000;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        res.on('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      if (!res.destroyed) sendJson(res, 200, { ...base(), ...bodyFields(req, body) });
      return;
    }
    if (path === '/' || path === '/health') {
      sendText(res, 200, 'httpbin: a HTTP request & response service (Switchyard built-in)\n');
      return;
    }
    sendText(res, 404, '404 page not found\n');
  });
}
