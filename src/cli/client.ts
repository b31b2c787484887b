// The HTTP client every command uses to reach a running mesh's admin API (--server, --token): one message
// when no mesh answers, and kubectl's wording for refusals (k8s.io/kubectl pkg/cmd/util/helpers.go StandardErrorMessage).
import type { Command } from 'commander';
import { readTokenFile, defaultTokenPath } from '../admin/token.js';
import type { StatusBody } from '../admin/status.js';
import { defaultServer } from './current-server.js';

export { DEFAULT_SERVER, defaultServer } from './current-server.js';

export interface ServerFlags {
  server: string;
  token?: string;
}

/** Help text of every --server flag. */
export const SERVER_HELP =
  'the admin API of a running mesh (default: $SWITCHYARD_SERVER, else the URL in $SWITCHYARD_HOME/current that `up` writes, else http://127.0.0.1:15000)';

/** Adds --server and --token, spelled as kubectl spells them. */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', SERVER_HELP)
    .option('--token <token>', 'bearer token (default: read $SWITCHYARD_HOME/admin-token)')
    .hook('preAction', (c) => {
      if (c.getOptionValue('server') === undefined) c.setOptionValue('server', defaultServer());
    });
}

export interface Reply {
  status: number;
  body: unknown;
}

/** The one wording every command uses when nothing answers at --server (issue #17: one message, not four). */
export function noMeshMessage(server: string): string {
  return `no mesh at ${server} (is \`switchyard up\` running? pass --server URL)`;
}

/** The server could not be reached. */
export class ConnectionError extends Error {
  constructor(readonly server: string) {
    super(noMeshMessage(server));
  }
}

/** fetch() against a running mesh's admin API; a refused or unreachable server throws ConnectionError. */
export async function fetchMesh(
  server: string,
  url: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ConnectionError(server);
  }
}

/** The admin token `up` wrote, as an Authorization header (reads that return Secrets need it). */
export function tokenHeader(): Record<string, string> {
  const token = readTokenFile(defaultTokenPath());
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A refusal from the server, with the Kubernetes Status it sent. */
export class ServerError extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message);
  }
}

export class AdminClient {
  readonly server: string;
  private readonly token: string | undefined;

  constructor(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env) {
    this.server = flags.server.replace(/\/+$/, '');
    this.token = flags.token ?? readTokenFile(defaultTokenPath(env));
  }

  /** Sends a request; non-2xx replies throw ServerError, unreachable servers ConnectionError. */
  async request(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/yaml',
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await fetchMesh(this.server, `${this.server}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /ready's text)
    }
    if (res.status >= 300) {
      const st =
        parsed && typeof parsed === 'object' && (parsed as { kind?: string }).kind === 'Status'
          ? (parsed as StatusBody)
          : ({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              code: res.status,
              message: text.trim(),
            } as StatusBody);
      throw new ServerError(st);
    }
    return parsed;
  }
}

/**
 * Prints an error as kubectl does and returns the lines: `Error from server (NotFound): ...`,
 * `Error from server: ...` for webhook denials, the login message for 401, then any file:line lines.
 */
export function printError(
  err: unknown,
  write: (line: string) => void = (l) => console.error(l),
): void {
  if (err instanceof ConnectionError) {
    write(`error: ${err.message}`);
    return;
  }
  if (!(err instanceof ServerError)) {
    write(`error: ${(err as Error)?.message ?? String(err)}`);
    return;
  }
  const st = err.status;
  if (st.code === 401) {
    write('error: You must be logged in to the server (Unauthorized)');
    return;
  }
  const failures = st.details?.failures ?? [];
  if (failures.length > 0) {
    for (const f of failures) {
      // apply names the file (`error when creating "x.yaml"`); patch has none and prints the denial alone.
      write(
        f.file
          ? `Error from server: error when ${f.operation} "${f.file}": ${f.message}`
          : `Error from server: ${f.message}`,
      );
      for (const line of f.lines) write(line);
    }
    return;
  }
  write(
    st.reason
      ? `Error from server (${st.reason}): ${st.message}`
      : `Error from server: ${st.message}`,
  );
  for (const line of st.lines ?? []) write(line);
}
