// A pod's status as the kubelet reports it (kubernetes pkg/kubelet/kubelet_pods.go
// generateAPIPodStatus, pkg/kubelet/status/generate.go GeneratePodReadyCondition): phase, the
// conditions, one containerStatus per container sorted by name, podIP. Pure: the same state gives
// the same object, so an unchanged pod is never written again.
import { kubeTime } from '../config/store.js';
import type { LaunchFailure, LaunchSpec } from './workload-plan.js';

export interface PodState {
  namespace: string;
  name: string;
  podIP: string;
  hostIP: string;
  containerName: string;
  image: string;
  launch: LaunchSpec | LaunchFailure;
  sidecar: boolean;
  scheduledAt: number;
  running: boolean;
  ready: boolean;
  proxyReady: boolean;
  restartCount: number;
  startedAt?: number;
  readyChangedAt?: number;
  waiting?: { reason: string; message: string };
  lastTerminated?: {
    exitCode: number;
    signal?: string;
    reason: string;
    startedAt: number;
    finishedAt: number;
  };
}

const PROXY = 'istio-proxy';

export function podStatus(s: PodState, _now: number): Record<string, unknown> {
  const scheduled = kubeTime(s.scheduledAt);
  const readyTime = kubeTime(s.readyChangedAt ?? s.scheduledAt);
  const containersReady = s.ready && (!s.sidecar || s.proxyReady);
  const unready = [
    ...(s.ready ? [] : [s.containerName]),
    ...(s.sidecar && !s.proxyReady ? [PROXY] : []),
  ].sort();
  // generate.go: "containers with unready status: [a b]", reason ContainersNotReady.
  const notReady = {
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${unready.join(' ')}]`,
  };
  const condition = (type: string, ok: boolean, time: string, why?: typeof notReady) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: time,
    ...(ok || !why ? {} : why),
  });
  // pkg/api/v1/pod util: a pod whose containers have started is Running (restartPolicy Always).
  const phase = s.startedAt !== undefined || s.running ? 'Running' : 'Pending';
  const app = {
    name: s.containerName,
    image: s.image,
    imageID: '',
    ready: s.ready,
    started: s.running,
    restartCount: s.restartCount,
    state: s.running
      ? { running: { startedAt: kubeTime(s.startedAt ?? s.scheduledAt) } }
      : {
          waiting: {
            reason: s.waiting?.reason ?? 'ContainerCreating',
            ...(s.waiting?.message ? { message: s.waiting.message } : {}),
          },
        },
    lastState: s.lastTerminated
      ? {
          terminated: {
            exitCode: s.lastTerminated.exitCode,
            ...(s.lastTerminated.signal ? { signal: signalNumber(s.lastTerminated.signal) } : {}),
            reason: s.lastTerminated.reason,
            startedAt: kubeTime(s.lastTerminated.startedAt),
            finishedAt: kubeTime(s.lastTerminated.finishedAt),
          },
        }
      : {},
  };
  const proxy = {
    name: PROXY,
    image: 'docker.io/istio/proxyv2:1.24.0',
    imageID: '',
    ready: s.proxyReady,
    started: s.proxyReady,
    restartCount: 0,
    state: s.proxyReady
      ? { running: { startedAt: scheduled } }
      : { waiting: { reason: 'ContainerCreating' } },
    lastState: {},
  };
  const containerStatuses = (s.sidecar ? [app, proxy] : [app]).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  return {
    phase,
    conditions: [
      condition('Initialized', true, scheduled),
      condition('Ready', containersReady, readyTime, notReady),
      condition('ContainersReady', containersReady, readyTime, notReady),
      condition('PodScheduled', true, scheduled),
    ],
    hostIP: s.hostIP,
    hostIPs: [{ ip: s.hostIP }],
    podIP: s.podIP,
    podIPs: [{ ip: s.podIP }],
    startTime: scheduled,
    containerStatuses,
    qosClass: 'BestEffort',
  };
}

function signalNumber(signal: string): number {
  return ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal] ?? 0;
}
