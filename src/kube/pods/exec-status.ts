// The metav1.Status an exec ends with on its error channel (v4/v5 protocols), as the kubelet writes it:
// kubernetes pkg/kubelet/cri/streaming/remotecommand/exec.go ServeExec + httpstream.go
// v4WriteStatusFunc (json.Marshal of the Status: no kind/apiVersion, empty metadata).

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

export function execSucceeded(): ExecStatus {
  return { metadata: {}, status: 'Success' };
}

/**
 * A command that exited non-zero: reason NonZeroExitCode, the code as cause `ExitCode`
 * (k8s.io/apimachinery pkg/util/remotecommand/constants.go), worded as containerd's exec error
 * (containerd internal/cri/server/container_execsync.go: "error executing command %v, exit code %d").
 */
export function execExited(command: readonly string[], code: number): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The command could not run at all: apierrors.NewInternalError, as ServeExec reports it. */
export function execFailed(message: string): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${message}`,
    reason: 'InternalError',
    details: {
      causes: [{ reason: '', message: `error executing command in container: ${message}` }],
    },
  };
}
