// HTTP to a Kubernetes API server as a kubeconfig describes it: @kubernetes/client-node's KubeConfig
// resolves the cluster, CA, client certificate and token (exec plugins included), and requests are
// plain node:http(s) so list bodies stay raw JSON and a watch can be cut when it stalls.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface WatchStream {
  /** Resolves when the stream ends: the status, and the body when it was not 200. */
  readonly done: Promise<{ status: number; body?: unknown; error?: Error }>;
  abort(): void;
}

export class KubeTransport {
  private constructor(private readonly kc: KubeConfig) {}

  /** Reads a kubeconfig file (its current context). */
  static fromFile(path: string): KubeTransport {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    if (!kc.getCurrentCluster()) throw new Error(`${path}: the current context names no cluster`);
    return new KubeTransport(kc);
  }

  /** The API server URL of the current context. */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  private async options(): Promise<RequestOptions> {
    const opts: RequestOptions = { headers: {} };
    // Per request: a token from an exec plugin or file may have been refreshed since the last one.
    await this.kc.applyToHTTPSOptions(opts);
    return opts;
  }

  private async send(url: URL, signal?: AbortSignal): Promise<IncomingMessage> {
    const opts = await this.options();
    const headers = { ...(opts.headers as Record<string, string>), accept: 'application/json' };
    const make = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = make(url, { ...opts, method: 'GET', headers, ...(signal ? { signal } : {}) });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
  }

  private url(path: string, query: Record<string, string>): URL {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  async getJson(path: string, query: Record<string, string> = {}): Promise<JsonResponse> {
    const res = await this.send(this.url(path, query));
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    return { status: res.statusCode ?? 0, body };
  }

  /** Opens a watch (`watch=true` is added); onEvent gets each decoded line. */
  watch(
    path: string,
    query: Record<string, string>,
    onEvent: (event: { type?: unknown; object?: unknown }) => void,
  ): WatchStream {
    const controller = new AbortController();
    const done = (async () => {
      let res: IncomingMessage;
      try {
        res = await this.send(this.url(path, { ...query, watch: 'true' }), controller.signal);
      } catch (err) {
        return { status: 0, error: err as Error };
      }
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        try {
          for await (const c of res) chunks.push(c as Buffer);
        } catch {
          // Cut while reading the error body: the status is enough.
        }
        let body: unknown = Buffer.concat(chunks).toString('utf8');
        try {
          body = JSON.parse(body as string);
        } catch {
          // Kept as text.
        }
        return { status, body };
      }
      return new Promise<{ status: number; error?: Error }>((resolve) => {
        let error: Error | undefined;
        res.on('error', (e) => (error = e));
        const lines = createInterface({ input: res });
        // readline re-emits the input's errors (a cut connection: "aborted") on the interface.
        lines.on('error', (e) => (error = e));
        lines.on('line', (line) => {
          if (!line.trim()) return;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(line) as { type?: unknown; object?: unknown };
          } catch {
            return; // A line that is not JSON is skipped, as client-go's decoder reports and goes on.
          }
          onEvent(event);
        });
        // A cut connection may leave readline open: the response closing ends the watch too.
        const end = () => resolve({ status, ...(error ? { error } : {}) });
        lines.on('close', end);
        res.on('close', () => {
          lines.close();
          end();
        });
      });
    })();
    return { done, abort: () => controller.abort() };
  }
}
