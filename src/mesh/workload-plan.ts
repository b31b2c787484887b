// Decides what process runs a pod's container locally: Istio's sample images map to Switchyard's
// built-in workloads; any other image needs a command (the `switchyard.io/command` annotation, or a
// `switchyard.io/v1alpha1 Workload`), else the pod waits with the message saying what to add.
import type { KubePodSpec } from '../config/index.js';

export interface LaunchSpec {
  /** A built-in workload (`switchyard workload <builtin>`), or an external command. */
  builtin?: string;
  command?: readonly string[];
  /** Arguments; `{PORT}` is the app's first port, `{PORT:n}` the local port of container port n. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  workingDir?: string;
  /** Container ports the process itself listens on beyond the declared ones (tcp-echo's list). */
  listenPorts?: readonly number[];
}

/** One process the supervisor runs: a pod's app container. */
export interface WorkloadInstance {
  /** The pod's name, unique in its namespace (`reviews-v2-7d9f8c6b5-x2x4k`). */
  name: string;
  /** The Deployment/Workload it came from (`reviews-v2`), or the pod itself. */
  owner: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  /** Ports the workload serves in the mesh model (containerPort / Service targetPort). */
  containerPorts: readonly number[];
  launch: LaunchSpec;
  /** `region/zone/subzone`: pod locality label or its Node's topology labels; Workload `locality`. */
  locality?: string;
}

/** The image a pod made from a `switchyard.io/v1alpha1 Workload` runs: its command, as given. */
export const WORKLOAD_COMMAND_IMAGE = 'switchyard.io/workload-command';
/** The image prefix of a Workload's built-in (`switchyard.io/builtin/<name>`). */
export const BUILTIN_IMAGE_PREFIX = 'switchyard.io/builtin/';
export const COMMAND_ANNOTATION = 'switchyard.io/command';

/** Istio sample images -> built-in workloads (istio/istio samples/*). */
const IMAGE_BUILTINS: readonly {
  pattern: RegExp;
  builtin: (m: RegExpMatchArray, args: readonly string[]) => LaunchSpec;
}[] = [
  {
    pattern: /examples-bookinfo-(productpage|details|reviews|ratings)-(v\d+)/,
    builtin: (m) => ({ builtin: m[1] ?? '', args: ['--version', m[2] ?? 'v1'], env: {} }),
  },
  {
    pattern: /(^|\/)(go-)?httpbin(:|$)/,
    builtin: () => ({ builtin: 'httpbin', args: [], env: {} }),
  },
  // istio/istio samples/tcp-echo/src/main.go: args[0] the comma-separated ports, args[1] the prefix.
  { pattern: /tcp-echo-server/, builtin: (_m, args) => tcpEchoLaunch(args) },
  {
    pattern: /(curlimages\/curl|(^|\/)sleep(:|$)|(^|\/)curl(:|$))/,
    builtin: () => ({ builtin: 'sleep', args: [], env: {} }),
  },
  { pattern: /fortio\/fortio/, builtin: () => ({ builtin: 'sleep', args: [], env: {} }) },
  { pattern: /helloworld-v(\d+)/, builtin: () => ({ builtin: 'httpbin', args: [], env: {} }) },
];

function tcpEchoLaunch(args: readonly string[]): LaunchSpec {
  const ports = (args[0] ?? '9000')
    .split(',')
    .map((p) => Number(p))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  const [first = 9000, ...rest] = ports;
  return {
    builtin: 'tcp-echo',
    args: [
      '--port',
      `{PORT:${first}}`,
      ...(rest.length > 0 ? ['--also-port', rest.map((p) => `{PORT:${p}}`).join(',')] : []),
      ...(args[1] !== undefined ? ['--prefix', args[1]] : []),
    ],
    env: {},
    listenPorts: ports,
  };
}

/** Why a pod's container cannot start here: the kubelet's waiting reason and message. */
export interface LaunchFailure {
  reason: 'ErrImageNeverPull' | 'InvalidImageName';
  message: string;
  /** What to add, for the Event. */
  hint: string;
}

export function launchFailed(v: LaunchSpec | LaunchFailure): v is LaunchFailure {
  return 'reason' in v;
}

/** What runs the pod's first container, from its image, command, args and env. */
export function launchForPod(
  annotations: Readonly<Record<string, string>>,
  spec: KubePodSpec | undefined,
): LaunchSpec | LaunchFailure {
  const container = spec?.containers?.[0];
  const env = envOf(container?.env);
  const command = annotations[COMMAND_ANNOTATION];
  if (command) return { command: ['sh', '-c', command], args: [], env };
  const image = container?.image ?? '';
  if (image === WORKLOAD_COMMAND_IMAGE)
    return {
      command: container?.command ?? [],
      args: container?.args ?? [],
      env,
      ...(container?.workingDir ? { workingDir: container.workingDir } : {}),
    };
  if (image.startsWith(BUILTIN_IMAGE_PREFIX))
    return { builtin: image.slice(BUILTIN_IMAGE_PREFIX.length), args: container?.args ?? [], env };
  for (const entry of IMAGE_BUILTINS) {
    const m = image.match(entry.pattern);
    if (m) {
      const launch = entry.builtin(m, container?.args ?? []);
      return { ...launch, env: { ...env, ...launch.env } };
    }
  }
  const hint = `add the annotation ${COMMAND_ANNOTATION}: "<command that listens on $PORT>" to the pod template, or run it as a switchyard.io/v1alpha1 Workload (command:)`;
  if (!image)
    return {
      reason: 'InvalidImageName',
      message: 'container has no image',
      hint,
    };
  // pkg/kubelet/images/image_manager.go: the message of ErrImageNeverPull (no image is ever pulled here).
  return {
    reason: 'ErrImageNeverPull',
    message: `Container image "${image}" is not present with pull policy of Never`,
    hint,
  };
}

function envOf(env: { name?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) if (e.name && e.value !== undefined) out[e.name] = e.value;
  return out;
}
