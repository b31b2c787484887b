// `fortio load ...` and `fortio curl URL` inside a pod: the project's fortio-like load generator
// (src/load, fortio's flags and report) and a one-shot GET printing the whole response, as fortio's
// curl does (fortio/fortio fortio_main.go). Requests leave through the pod's HTTP_PROXY (its sidecar),
// which in a pod is transparent: the "Sending through proxy" note of `switchyard load` is not printed.
import { systemClock } from '../runtime/clock.js';
import { LOAD_USAGE, UsageError, parseLoadArgs, runLoad } from '../load/index.js';
import { curl } from './curl.js';
import type { PodCommand } from './io.js';

const load: PodCommand = async (args, io) => {
  let options;
  try {
    options = parseLoadArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${LOAD_USAGE}\n`);
      return 1;
    }
    throw err;
  }
  if (!options) {
    io.out(`${LOAD_USAGE}\n`);
    return 0;
  }
  const target = new URL(options.url);
  const proxy = target.protocol === 'https:' ? undefined : (io.env.http_proxy ?? io.env.HTTP_PROXY);
  if (proxy) options.proxy = proxy;
  try {
    await runLoad(options, {
      clock: systemClock,
      out: (line) => {
        if (!line.startsWith('Sending through proxy')) io.out(`${line}\n`);
      },
      err: (line) => io.err(`${line}\n`),
    });
    return 0;
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return 1;
  }
};

/** fortio curl [-H ...] [-quiet] [-loglevel L] URL: the response's status line, headers and body. */
const fortioCurl: PodCommand = async (args, io) => {
  const curlArgs = ['-s', '-S', '-i'];
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const name = a.replace(/^--?/, '');
    if (name === 'H') curlArgs.push('-H', args[++i] ?? '');
    else if (name === 'loglevel' || name === 'timeout') i++;
    else if (a.startsWith('-')) continue;
    else url = a;
  }
  if (!url) {
    io.err('Error: fortio curl needs a url or destination\n');
    return 1;
  }
  return curl([...curlArgs, url], io);
};

export const fortio: PodCommand = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub === 'load') return load(rest, io);
  if (sub === 'curl') return fortioCurl(rest, io);
  io.err(`fortio: unknown command "${sub ?? ''}" (this pod has: load, curl)\n`);
  return 1;
};
