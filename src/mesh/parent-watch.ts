// A child of `switchyard up` notices when `up` is gone, even after SIGKILL (Node has no prctl
// PR_SET_PDEATHSIG): `up` holds the write end of the child's stdin, so stdin ends when `up` dies;
// a change of parent pid (re-parenting to init or a subreaper) is the fallback.

/** Set by the supervisor on every child it starts: the child's stdin is the lifeline pipe. */
export const PARENT_PIPE_ENV = 'SWITCHYARD_PARENT_PIPE';

/** Calls onOrphaned once when the parent is gone; returns a function that stops watching. */
export function watchParent(onOrphaned: () => void, pollMs = 1000): () => void {
  const parent = process.ppid;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    stop();
    onOrphaned();
  };
  const stdin = process.stdin;
  stdin.on('end', fire);
  stdin.on('close', fire);
  stdin.on('error', fire);
  // Read (and drop) whatever arrives: a paused stream never reports its end.
  stdin.resume();
  const timer = setInterval(() => {
    if (process.ppid !== parent) fire();
  }, pollMs);
  timer.unref();
  function stop(): void {
    clearInterval(timer);
    stdin.off('end', fire);
    stdin.off('close', fire);
    stdin.off('error', fire);
  }
  return stop;
}

/** In a child the supervisor started: watch the lifeline; elsewhere (a terminal) do nothing. */
export function watchParentIfSupervised(onOrphaned: () => void): void {
  if (process.env[PARENT_PIPE_ENV] === '1') watchParent(onOrphaned);
}
