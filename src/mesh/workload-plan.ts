// Decides which local processes a mesh runs: Deployments/Pods whose images are Istio's samples map to
// Switchyard's built-in workloads; a `switchyard.io/v1alpha1 Workload` names any other command.
import type { ConfigSnapshot, KubeDeploymentSpec, KubePodSpec, Resource } from '../config/index.js';
import { podLocality } from '../registry/index.js';

export interface LaunchSpec {
  /** A built-in workload (`switchyard workload <builtin>`), or an external command. */
  builtin?: string;
  command?: readonly string[];
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  workingDir?: string;
}

export interface WorkloadInstance {
  /** Pod-like name, unique in the namespace: `<deployment>-<index>` (e.g. `reviews-v2-0`). */
  name: string;
  /** The Deployment/Workload it came from (`reviews-v2`). */
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

interface WorkloadDocSpec {
  labels?: Record<string, string>;
  serviceAccount?: string;
  replicas?: number;
  ports?: { containerPort?: number; name?: string }[];
  builtin?: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** `region/zone/subzone` of the workload (Switchyard's stand-in for the Node it would run on). */
  locality?: string;
}

/** Istio sample images -> built-in workloads (istio/istio samples/*). */
const IMAGE_BUILTINS: readonly { pattern: RegExp; builtin: (m: RegExpMatchArray) => LaunchSpec }[] =
  [
    {
      pattern: /examples-bookinfo-(productpage|details|reviews|ratings)-(v\d+)/,
      builtin: (m) => ({ builtin: m[1] ?? '', args: ['--version', m[2] ?? 'v1'], env: {} }),
    },
    {
      pattern: /(^|\/)(go-)?httpbin(:|$)/,
      builtin: () => ({ builtin: 'httpbin', args: [], env: {} }),
    },
    { pattern: /tcp-echo-server/, builtin: () => ({ builtin: 'tcp-echo', args: [], env: {} }) },
    {
      pattern: /(curlimages\/curl|(^|\/)sleep(:|$)|(^|\/)curl(:|$))/,
      builtin: () => ({ builtin: 'sleep', args: [], env: {} }),
    },
    { pattern: /fortio\/fortio/, builtin: () => ({ builtin: 'sleep', args: [], env: {} }) },
  ];

function launchForImage(
  image: string | undefined,
  containerArgs: readonly string[] | undefined,
): LaunchSpec | undefined {
  if (!image) return undefined;
  for (const entry of IMAGE_BUILTINS) {
    const m = image.match(entry.pattern);
    if (m) {
      const spec = entry.builtin(m);
      // tcp-echo-server takes "<ports> <prefix>" as its container args.
      if (spec.builtin === 'tcp-echo' && containerArgs && containerArgs.length >= 2)
        return { ...spec, args: ['--prefix', containerArgs[1] ?? 'hello'] };
      return spec;
    }
  }
  return undefined;
}

function podSpecWorkload(
  config: ConfigSnapshot,
  owner: Resource,
  labels: Readonly<Record<string, string>>,
  pod: KubePodSpec | undefined,
  replicas: number,
): WorkloadInstance[] {
  const locality = podLocality(config, labels, pod?.nodeName || undefined);
  const container = pod?.containers?.[0];
  const annotations = owner.metadata.annotations;
  const command = annotations['switchyard.io/command'];
  const launch: LaunchSpec | undefined = command
    ? { command: ['sh', '-c', command], args: [], env: envOf(container?.env) }
    : launchForImage(container?.image, container?.args);
  if (!launch) return [];
  const ports = (pod?.containers ?? [])
    .flatMap((c) => (c.ports ?? []).map((p) => p.containerPort ?? 0))
    .filter((p) => p > 0);
  const out: WorkloadInstance[] = [];
  for (let i = 0; i < replicas; i++) {
    out.push({
      name:
        replicas === 1 && owner.kind === 'Pod'
          ? owner.metadata.name
          : `${owner.metadata.name}-${i}`,
      owner: owner.metadata.name,
      namespace: owner.metadata.namespace,
      labels,
      serviceAccount: pod?.serviceAccountName ?? pod?.serviceAccount ?? 'default',
      containerPorts: ports,
      launch: { ...launch, env: { ...envOf(container?.env), ...launch.env } },
      ...(locality ? { locality } : {}),
    });
  }
  return out;
}

function envOf(env: { name?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) if (e.name && e.value !== undefined) out[e.name] = e.value;
  return out;
}

/** Every workload instance the config asks the local mesh to run, in config order. */
export function planWorkloads(config: ConfigSnapshot): WorkloadInstance[] {
  const out: WorkloadInstance[] = [];
  for (const r of config.resources) {
    if (r.kind === 'Deployment') {
      const spec = r.spec as KubeDeploymentSpec;
      const labels = spec.template?.metadata?.labels ?? spec.selector?.matchLabels ?? {};
      out.push(
        ...podSpecWorkload(config, r, labels, spec.template?.spec, Math.max(0, spec.replicas ?? 1)),
      );
    } else if (r.kind === 'Pod') {
      out.push(...podSpecWorkload(config, r, r.metadata.labels, r.spec as KubePodSpec, 1));
    } else if (r.kind === 'Workload') {
      const spec = r.spec as WorkloadDocSpec;
      const replicas = Math.max(0, spec.replicas ?? 1);
      const launch: LaunchSpec = spec.builtin
        ? { builtin: spec.builtin, args: spec.args ?? [], env: spec.env ?? {} }
        : {
            command: spec.command ?? [],
            args: spec.args ?? [],
            env: spec.env ?? {},
            ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
          };
      for (let i = 0; i < replicas; i++) {
        out.push({
          name: `${r.metadata.name}-${i}`,
          owner: r.metadata.name,
          namespace: r.metadata.namespace,
          labels: spec.labels ?? { app: r.metadata.name },
          serviceAccount: spec.serviceAccount ?? 'default',
          containerPorts: (spec.ports ?? []).map((p) => p.containerPort ?? 0).filter((p) => p > 0),
          launch,
          ...(typeof spec.locality === 'string' && spec.locality
            ? { locality: spec.locality }
            : {}),
        });
      }
    }
  }
  return out;
}
